// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setSessionToken } from '../../api/desk';
import { App, type WorkspaceProps } from '../../App';
import i18n from '../../i18n';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';

function Ready({ status }: WorkspaceProps) {
  return <p data-testid="workspace">{status.mode}</p>;
}

function type(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

function typeKey(value: string) {
  // The key field is uncontrolled: set the DOM value, then tell React it changed.
  const input = screen.getByTestId<HTMLInputElement>('api-key-input');
  input.value = value;
  fireEvent.input(input);
}

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

afterEach(() => {
  cleanup();
  clearMocks();
  setSessionToken(null);
});

describe('onboarding', () => {
  it('creates a protected profile, stores the key for the region, tests it and opens the app', async () => {
    const { backend, container } = renderWithBackend(<App workspace={Ready} />, { scenario: 'first-run' });
    await screen.findByTestId('onboarding-profile');
    expect(container.querySelector('.app')?.getAttribute('data-mode')).toBe('needs_setup');

    type('profile-name', 'Lin');
    type('profile-password', 'short');
    type('profile-confirm', 'short');
    fireEvent.click(screen.getByTestId('profile-create'));
    expect(await screen.findByText('The password needs at least 8 characters.')).toBeTruthy();

    type('profile-password', 'a good password');
    type('profile-confirm', 'a good password');
    fireEvent.click(screen.getByTestId('profile-create'));
    await screen.findByTestId('onboarding-region');
    // The new admin was signed in with its password: the device is protected now.
    expect(commandsCalled(backend, 'login').at(-1)).toMatchObject({ password: 'a good password' });
    expect((await backend.handle('device_status')) as { protected: boolean }).toMatchObject({ protected: true });

    fireEvent.click(screen.getByTestId('region-next'));
    await screen.findByTestId('onboarding-key');
    await screen.findByTestId('onboarding-key');
    typeKey('sk-live0000000000c0ffee');
    fireEvent.click(screen.getByTestId('api-key-save'));
    await screen.findByTestId('onboarding-test');
    expect(commandsCalled(backend, 'set_api_key')).toEqual([expect.objectContaining({ slot: 'cn-beijing', key: 'sk-live0000000000c0ffee' })]);
    expect(screen.getByText('Key saved as sk-…ffee.')).toBeTruthy();

    fireEvent.click(screen.getByTestId('connection-test'));
    expect((await screen.findByTestId('connection-ok')).textContent).toContain('87 models');
    fireEvent.click(screen.getByTestId('onboarding-finish'));
    expect((await screen.findByTestId('workspace')).textContent).toBe('live');
  });

  it('empties the key field the moment the key is sent', async () => {
    renderWithBackend(<App workspace={Ready} />, { scenario: 'first-run' });
    fireEvent.click(await screen.findByTestId('profile-skip'));
    fireEvent.click(screen.getByTestId('region-next'));
    await screen.findByTestId('onboarding-key');
    await screen.findByTestId('onboarding-key');
    typeKey('sk-secret0000000000abcd');
    const input = screen.getByTestId<HTMLInputElement>('api-key-input');
    fireEvent.click(screen.getByTestId('api-key-save'));
    expect(input.value).toBe('');
    await screen.findByTestId('onboarding-test');
    expect(document.body.innerHTML).not.toContain('sk-secret0000000000abcd');
  });

  it('keys a workspace by ws:<id> in the chosen region', async () => {
    const { backend } = renderWithBackend(<App workspace={Ready} />, { scenario: 'first-run' });
    fireEvent.click(await screen.findByTestId('profile-skip'));
    fireEvent.click(screen.getByTestId('region-singapore').querySelector('input')!);
    fireEvent.click(screen.getByTestId('use-workspace'));
    expect(screen.getByTestId('region-next')).toHaveProperty('disabled', true);
    type('workspace-id', 'ws-4f2a');
    fireEvent.click(screen.getByTestId('region-next'));
    await screen.findByTestId('onboarding-key');
    typeKey('sk-ws00000000000000beef');
    fireEvent.click(screen.getByTestId('api-key-save'));
    await waitFor(() => expect(commandsCalled(backend, 'set_api_key')).toEqual([expect.objectContaining({ slot: 'ws:ws-4f2a' })]));
    // The profile now points at that workspace, so its key is the one the app uses.
    expect(commandsCalled(backend, 'set_endpoint')).toEqual([expect.objectContaining({ region: 'ap-southeast-1', workspace: 'ws-4f2a' })]);
    await screen.findByTestId('onboarding-test');
    expect(screen.queryByTestId('slot-mismatch')).toBeNull();
  });

  it("shows the error doctor's advice when the key is refused", async () => {
    renderWithBackend(<App workspace={Ready} />, { scenario: 'first-run' });
    fireEvent.click(await screen.findByTestId('profile-skip'));
    fireEvent.click(screen.getByTestId('region-next'));
    await screen.findByTestId('onboarding-key');
    typeKey('sk-bad00000000000000000');
    fireEvent.click(screen.getByTestId('api-key-save'));
    fireEvent.click(await screen.findByTestId('connection-test'));
    const problem = await screen.findByRole('alert');
    expect(problem.dataset.errorCode).toBe('invalid_api_key');
    expect(within(problem).getByText('The API key was refused.')).toBeTruthy();
    expect(within(problem).getByText('Check that it belongs to this region.')).toBeTruthy();
    expect(screen.queryByTestId('onboarding-finish')).toBeNull();
  });

  it('opens the offline demo from any step', async () => {
    const { container } = renderWithBackend(<App workspace={Ready} />, { scenario: 'first-run' });
    fireEvent.click(await screen.findByTestId('start-demo'));
    expect((await screen.findByTestId('workspace')).textContent).toBe('demo');
    expect(container.querySelector('.app')?.getAttribute('data-mode')).toBe('demo');
  });
});

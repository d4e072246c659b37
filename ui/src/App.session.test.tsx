// @vitest-environment jsdom
// The boot flow: silent first-use login, the login screen and its errors, the lock (manual, idle,
// and a call that finds the session gone) and the refresh that keeps an active session alive.
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appStatus, setSessionToken } from './api/desk';
import type { DeskError } from './api/types';
import { App, type WorkspaceProps } from './App';
import i18n from './i18n';
import { MOCK_PASSWORD } from './testing/mockBackend';
import { commandsCalled, renderWithBackend } from './testing/renderWithBackend';

/** Stands in for the workspace: shows the mode and makes one profile call on demand. */
function Probe({ status }: WorkspaceProps) {
  const [result, setResult] = useState('');
  return (
    <div data-testid="probe" data-mode={status.mode}>
      <button type="button" onClick={() => void appStatus().then(() => setResult('ok'), (e: DeskError) => setResult(e.code))}>
        call
      </button>
      <span data-testid="probe-result">{result}</span>
    </div>
  );
}

function gate(container: HTMLElement) {
  return container.querySelector('.app')?.getAttribute('data-gate');
}

async function signIn(password: string) {
  fireEvent.change(await screen.findByTestId('login-password'), { target: { value: password } });
  fireEvent.click(screen.getByTestId('login-submit'));
}

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

afterEach(() => {
  cleanup();
  clearMocks();
  setSessionToken(null);
  vi.useRealTimers();
  delete document.documentElement.dataset.theme;
});

describe('boot', () => {
  it('signs the only passwordless profile in without asking', async () => {
    const { backend, container } = renderWithBackend(<App workspace={Probe} />, { scenario: 'ready' });
    expect(await screen.findByTestId('probe')).toBeTruthy();
    expect(gate(container)).toBe('ready');
    expect(commandsCalled(backend, 'login')).toEqual([{ profileId: expect.any(String) as string, password: null }]);
    expect(screen.queryByTestId('login-screen')).toBeNull();
  });

  it('applies the profile language and theme as it signs in', async () => {
    const { backend } = renderWithBackend(<App workspace={Probe} />, { scenario: 'protected' });
    await signIn(MOCK_PASSWORD);
    await screen.findByTestId('probe');
    // Change the stored settings, lock, and sign in again: they follow the profile in.
    await backend.handle('update_settings', {
      token: 'mock-session-1',
      settings: { language: 'zh-CN', theme: 'dark', defaultModel: null, defaultParams: { temperature: null, enableThinking: null, enableSearch: false, systemPrompt: null, tools: [], toolChoice: null, responseFormat: 'text', seed: null, stop: [], maxTokens: null }, readAloud: false, voice: null },
    });
    fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
    fireEvent.change(await screen.findByTestId('unlock-password'), { target: { value: MOCK_PASSWORD } });
    fireEvent.click(screen.getByTestId('unlock-submit'));
    await screen.findByTestId('probe');
    expect(i18n.language).toBe('zh-CN');
    expect(document.documentElement.dataset.theme).toBe('dark');
  });
});

describe('login', () => {
  it('says a wrong password plainly and lets the right one in', async () => {
    const { container } = renderWithBackend(<App workspace={Probe} />, { scenario: 'protected' });
    expect(await screen.findByTestId('login-screen')).toBeTruthy();
    expect(screen.getAllByTestId('profile-option')).toHaveLength(2);
    fireEvent.click(screen.getByText('Lin Wei'));

    await signIn('not it');
    const error = await screen.findByTestId('login-error');
    expect(error.dataset.errorCode).toBe('wrong_password');
    expect(error.textContent).toContain('That password is not right');
    expect((screen.getByTestId<HTMLInputElement>('login-password')).value).toBe('');

    await signIn(MOCK_PASSWORD);
    await screen.findByTestId('probe');
    expect(gate(container)).toBe('ready');
  });

  it('shows the wait after too many attempts and keeps the button off until then', async () => {
    renderWithBackend(<App workspace={Probe} />, { scenario: 'protected' });
    await screen.findByTestId('login-screen');
    fireEvent.click(screen.getByText('Sam'));
    for (let i = 0; i < 5; i++) {
      await signIn('guess');
      await screen.findByTestId('login-error');
      await waitFor(() => expect(screen.getByTestId('login-submit')).toHaveProperty('textContent', 'Sign in'));
    }
    const error = screen.getByTestId('login-error');
    expect(error.dataset.errorCode).toBe('login_throttled');
    expect(error.textContent).toMatch(/Try again in (29|30) seconds/);
    expect(screen.getByTestId('login-submit')).toHaveProperty('disabled', true);
  });

  it('explains a forgotten password: only the admin can remove the profile', async () => {
    renderWithBackend(<App workspace={Probe} />, { scenario: 'protected' });
    const note = await screen.findByTestId('forgotten-password');
    expect(note.textContent).toContain('Only the admin of this computer can remove the profile');
    expect(note.textContent).toContain('No one can read a profile without its password');
  });
});

describe('lock', () => {
  it('locks when a call finds the session expired, drops the token, and unlocks with the password', async () => {
    const { backend, container } = renderWithBackend(<App workspace={Probe} />, { scenario: 'protected' });
    await signIn(MOCK_PASSWORD);
    await screen.findByTestId('probe');

    backend.expireSessions();
    fireEvent.click(screen.getByText('call'));
    const lock = await screen.findByTestId('lock-screen');
    expect(lock.dataset.lockReason).toBe('expired');
    expect(gate(container)).toBe('locked');
    expect(screen.queryByTestId('toast')).toBeNull();
    // The token is gone: a call now carries none.
    await appStatus().catch(() => null);
    expect(backend.calls.at(-1)?.args.token).toBe('');

    fireEvent.change(screen.getByTestId('unlock-password'), { target: { value: MOCK_PASSWORD } });
    fireEvent.click(screen.getByTestId('unlock-submit'));
    await screen.findByTestId('probe');
    fireEvent.click(screen.getByText('call'));
    await waitFor(() => expect(screen.getByTestId('probe-result').textContent).toBe('ok'));
  });

  it('locks on Ctrl+L and offers the other profile', async () => {
    renderWithBackend(<App workspace={Probe} />, { scenario: 'protected' });
    await signIn(MOCK_PASSWORD);
    await screen.findByTestId('probe');
    fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
    expect((await screen.findByTestId('lock-screen')).dataset.lockReason).toBe('manual');
    fireEvent.click(screen.getByTestId('switch-profile'));
    expect(await screen.findByTestId('login-screen')).toBeTruthy();
  });

  it('takes Ctrl+L from the very commit that shows the workspace', async () => {
    renderWithBackend(<App workspace={Probe} />, { scenario: 'protected' });
    // The press lands in the mutation observer's microtask, before React's passive effects run:
    // the earliest moment a person (or a key-repeat) could press it.
    const pressed = new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        if (!document.querySelector('[data-testid="probe"]')) return;
        observer.disconnect();
        fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
        resolve();
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
    await signIn(MOCK_PASSWORD);
    await pressed;
    const lock = await screen.findByTestId('lock-screen', {}, { timeout: 2000 });
    expect(lock.dataset.lockReason).toBe('manual');
  });

  it('refreshes the session while the user is active and locks once idle', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { backend } = renderWithBackend(<App workspace={Probe} />, { scenario: 'protected', sessionMinutes: 15 });
    await signIn(MOCK_PASSWORD);
    await screen.findByTestId('probe');

    // Active: a key press now and then keeps the session going past its first minute.
    for (let i = 0; i < 3; i++) {
      await act(() => vi.advanceTimersByTimeAsync(30_000));
      fireEvent.keyDown(document.body, { key: 'a' });
    }
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(commandsCalled(backend, 'refresh_session').length).toBeGreaterThan(0);
    expect(screen.queryByTestId('lock-screen')).toBeNull();

    // Idle for the device's 15 minutes: locked.
    await act(() => vi.advanceTimersByTimeAsync(15 * 60_000));
    expect((await screen.findByTestId('lock-screen')).dataset.lockReason).toBe('idle');
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import { resetAssistants } from '../../state/useAssistants';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';
import { SettingsScreen } from '../SettingsScreen';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

afterEach(() => {
  cleanup();
  clearMocks();
  resetAssistants();
  delete document.documentElement.dataset.theme;
});

describe('appearance', () => {
  it('switches the language at once and keeps it with the profile', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    fireEvent.click(await screen.findByTestId('language-zh-CN'));
    await waitFor(() => expect(i18n.language).toBe('zh-CN'));
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(await screen.findByRole('heading', { level: 1, name: '设置' })).toBeTruthy();
    await waitFor(() => expect(commandsCalled(backend, 'update_settings').at(-1)).toMatchObject({ settings: { language: 'zh-CN' } }));

    fireEvent.click(screen.getByTestId('language-system'));
    await waitFor(() => expect(i18n.language).toBe('en')); // jsdom's navigator speaks English
  });

  it('sets the theme on <html> and removes it for the system theme', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    fireEvent.click(await screen.findByTestId('theme-dark'));
    expect(document.documentElement.dataset.theme).toBe('dark');
    await waitFor(() => expect(commandsCalled(backend, 'update_settings').at(-1)).toMatchObject({ settings: { theme: 'dark' } }));
    fireEvent.click(screen.getByTestId('theme-light'));
    expect(document.documentElement.dataset.theme).toBe('light');
    fireEvent.click(screen.getByTestId('theme-system'));
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it('puts the last saved choice back when saving fails', async () => {
    const notify = vi.fn();
    const { backend } = renderWithBackend(<SettingsScreen notify={notify} />);
    const dark = await screen.findByTestId('theme-dark');
    backend.failNext('update_settings', { code: 'storage', message: 'read-only', dashscopeCode: null, requestId: null, retryAfterMs: null });
    fireEvent.click(dark);
    await waitFor(() => expect(notify).toHaveBeenCalledWith(expect.objectContaining({ code: 'storage' })));
    expect(screen.getByTestId('theme-system')).toHaveProperty('checked', true);
  });
});

describe('keys and data', () => {
  it('shows only the masked key and stores a new one for the chosen slot', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    expect((await screen.findByTestId('key-label')).textContent).toBe('sk-…a1b2');
    fireEvent.change(screen.getByTestId('key-region'), { target: { value: 'virginia' } });
    const input = screen.getByTestId<HTMLInputElement>('api-key-input');
    input.value = 'sk-us00000000000000d00d';
    fireEvent.input(input);
    fireEvent.click(screen.getByTestId('api-key-save'));
    expect(input.value).toBe('');
    await screen.findByTestId('key-message');
    expect(backend.storedKeyLabels()).toMatchObject({ 'us-east-1': 'sk-…d00d' });
  });

  it('restores a backup only after saying a snapshot is taken first', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    const [row] = await screen.findAllByTestId('backup-row');
    fireEvent.click(within(row).getByTestId('restore-backup'));
    expect(within(row).getByTestId('restore-backup-confirm').textContent).toContain('A snapshot of your current data is taken first');
    expect(commandsCalled(backend, 'restore_backup')).toHaveLength(0);
    fireEvent.click(within(row).getByTestId('restore-backup-yes'));
    expect((await screen.findByTestId('restored')).textContent).toContain('before-restore');
  });

  it('imports a file and reports what was added and skipped', async () => {
    renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    const picker = await screen.findByTestId('import-file');
    const doc = { format: 'bailian-desk-export', version: 1, conversations: [{ id: 'imported-1', title: 'From elsewhere', messages: [{ id: 'm1' }, { id: 'm2' }] }] };
    fireEvent.change(picker, { target: { files: [new File([JSON.stringify(doc)], 'export.json', { type: 'application/json' })] } });
    expect((await screen.findByTestId('import-report')).textContent).toBe(
      'Imported 1 conversations and 2 messages; 0 conversations and 0 messages were already here.',
    );
  });
});

describe('where requests go', () => {
  it('lists every region\'s key, masked, and moves requests to the chosen region', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    const rows = await screen.findAllByTestId('region-key');
    expect(rows.map((r) => r.dataset.slot)).toEqual(['cn-beijing', 'ap-southeast-1', 'us-east-1']);
    expect(within(rows[0]).getByTestId('region-key-label').textContent).toBe('sk-…a1b2');
    expect(rows[0].textContent).toContain('in use');
    expect(within(rows[1]).getByTestId('region-key-label').textContent).toBe('None set');
    expect(screen.getByTestId('endpoint-base-url').textContent).toBe('https://dashscope.aliyuncs.com');

    fireEvent.change(screen.getByTestId('endpoint-region'), { target: { value: 'singapore' } });
    fireEvent.click(screen.getByTestId('endpoint-save'));
    await waitFor(() => expect(commandsCalled(backend, 'set_endpoint')).toEqual([expect.objectContaining({ region: 'ap-southeast-1', workspace: null })]));
    await waitFor(() => expect(screen.getByTestId('endpoint-base-url').textContent).toBe('https://dashscope-intl.aliyuncs.com'));
    // Singapore has no key yet: said, and the key form below now starts there.
    expect((await screen.findByTestId('endpoint-no-key')).textContent).toContain('Singapore');
    expect(screen.getByTestId<HTMLSelectElement>('key-region').value).toBe('singapore');
    await waitFor(() => expect(screen.getAllByTestId('region-key')[1].textContent).toContain('in use'));
  });

  it('sends a workspace along with its region', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    fireEvent.change(await screen.findByTestId('endpoint-workspace'), { target: { value: 'ws-prod-01' } });
    fireEvent.click(screen.getByTestId('endpoint-save'));
    await waitFor(() => expect(commandsCalled(backend, 'set_endpoint')).toEqual([expect.objectContaining({ region: 'cn-beijing', workspace: 'ws-prod-01' })]));
    await waitFor(() => expect(screen.getByTestId('endpoint-base-url').textContent).toBe('https://ws-prod-01.cn-beijing.maas.aliyuncs.com'));
  });

  it('says the environment decides, and offers no choice, when it does', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />, { endpointFromEnvironment: true });
    expect((await screen.findByTestId('endpoint-environment')).textContent).toContain('Set by the environment');
    expect(screen.getByTestId('endpoint-region').matches(':disabled')).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>('endpoint-save').disabled).toBe(true);
    expect(commandsCalled(backend, 'set_endpoint')).toHaveLength(0);
  });
});

describe('assistants', () => {
  it('adds an assistant by app id and name, and removes it', async () => {
    const { backend } = renderWithBackend(<SettingsScreen notify={vi.fn()} />);
    expect((await screen.findAllByTestId('assistant-row')).map((r) => r.textContent)).toEqual([expect.stringContaining('HR policy helper')]);
    fireEvent.change(screen.getByTestId('assistant-app-id'), { target: { value: 'not an id!' } });
    expect(screen.getByTestId<HTMLButtonElement>('assistant-add').disabled).toBe(true);
    fireEvent.change(screen.getByTestId('assistant-app-id'), { target: { value: 'c0ffee42' } });
    fireEvent.change(screen.getByTestId('assistant-name'), { target: { value: 'Release helper' } });
    fireEvent.click(screen.getByTestId('assistant-add'));
    await waitFor(() => expect(screen.getAllByTestId('assistant-row')).toHaveLength(2));
    expect(commandsCalled(backend, 'add_assistant')).toEqual([expect.objectContaining({ appId: 'c0ffee42', name: 'Release helper' })]);

    fireEvent.click(within(screen.getAllByTestId('assistant-row')[0]).getByTestId('assistant-remove'));
    await waitFor(() => expect(screen.getAllByTestId('assistant-row')).toHaveLength(1));
    expect(commandsCalled(backend, 'remove_assistant')).toEqual([expect.objectContaining({ appId: '8f3c2d1e9b7a4c6d' })]);
  });
});


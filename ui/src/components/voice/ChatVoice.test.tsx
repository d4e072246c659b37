// @vitest-environment jsdom
// The chat's voice and assistants on the whole app (mock backend): replies read aloud as they
// stream, one reply read on request, and an assistant chosen in the model list.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setSessionToken } from '../../api/desk';
import type { SendRequest } from '../../api/types';
import { App } from '../../App';
import i18n from '../../i18n';
import { fakeOutput } from '../../testing/fakeAudio';
import { stubListLayout } from '../../testing/fixtures';
import { commandsCalled, renderWithBackend } from '../../testing/renderWithBackend';
import { setAudioContextFactory } from '../../voice/speechOutput';

let restoreLayout: () => void = () => undefined;

beforeEach(async () => {
  await i18n.changeLanguage('en');
  restoreLayout = stubListLayout();
});

afterEach(() => {
  cleanup();
  clearMocks();
  restoreLayout();
  setSessionToken(null);
  setAudioContextFactory(null);
});

function send(text: string) {
  const input = screen.getByTestId('composer-input');
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

describe('reading replies aloud', () => {
  it('sends with send_message_read_aloud when the setting is on and plays the chunks back to back', async () => {
    const audio = fakeOutput();
    setAudioContextFactory(() => audio.output);
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    backend.setSettings({ readAloud: true, voice: 'longwan' });
    await screen.findByTestId('composer-input');
    // The workspace reads the settings once; wait until it has.
    await waitFor(() => expect(commandsCalled(backend, 'get_settings').length).toBeGreaterThan(1));

    send('Tell me a story. Make it short.');
    await screen.findByTestId('speech-bar');
    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.dataset.status).toBe('complete'));

    const [call] = commandsCalled(backend, 'send_message_read_aloud');
    expect(call).toMatchObject({ voice: 'longwan', request: { prompt: 'Tell me a story. Make it short.' } });
    expect(commandsCalled(backend, 'send_message')).toHaveLength(0);
    // Every sentence's audio was scheduled right after the one before it.
    expect(audio.sources.length).toBeGreaterThan(1);
    for (let i = 1; i < audio.sources.length; i++) {
      const before = audio.sources[i - 1];
      expect(audio.sources[i].startedAt).toBeCloseTo(before.startedAt! + before.buffer!.duration, 9);
    }
    fireEvent.click(screen.getByTestId('stop-reading'));
    expect(audio.sources.every((s) => s.stopped)).toBe(true);
    await waitFor(() => expect(screen.queryByTestId('speech-bar')).toBeNull());
  });

  it('reads a regenerated reply aloud as it streams too', async () => {
    const audio = fakeOutput();
    setAudioContextFactory(() => audio.output);
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    backend.setSettings({ readAloud: true, voice: 'longwan' });
    await screen.findByTestId('composer-input');
    await waitFor(() => expect(commandsCalled(backend, 'get_settings').length).toBeGreaterThan(1));
    send('Tell me a story. Make it short.');
    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.dataset.status).toBe('complete'));
    fireEvent.click(await screen.findByTestId('stop-reading'));
    await waitFor(() => expect(screen.queryByTestId('speech-bar')).toBeNull());
    const heardBefore = audio.sources.length;

    const [reply] = screen.getAllByTestId('message').slice(-1);
    fireEvent.click(within(reply).getByTestId('regenerate'));
    await screen.findByTestId('speech-bar');
    await waitFor(() => expect(commandsCalled(backend, 'regenerate_reply_read_aloud')).toHaveLength(1));
    expect(commandsCalled(backend, 'regenerate_reply_read_aloud')[0]).toMatchObject({ voice: 'longwan' });
    expect(commandsCalled(backend, 'regenerate_reply')).toHaveLength(0);
    await waitFor(() => expect(audio.sources.length).toBeGreaterThan(heardBefore));
  });

  it('sends with send_message when the setting is off', async () => {
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    await screen.findByTestId('composer-input');
    await waitFor(() => expect(commandsCalled(backend, 'get_settings').length).toBeGreaterThan(1));
    send('Hello');
    await waitFor(() => expect(commandsCalled(backend, 'send_message')).toHaveLength(1));
    expect(commandsCalled(backend, 'send_message_read_aloud')).toHaveLength(0);
  });

  it('reads one reply on request and stops it', async () => {
    const audio = fakeOutput();
    setAudioContextFactory(() => audio.output);
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    fireEvent.click((await screen.findAllByTestId('conversation-item')).find((el) => el.textContent?.includes('Quicksort'))!);
    const reply = await waitFor(() => screen.getAllByTestId('message').find((m) => m.dataset.role === 'assistant')!);
    const button = within(reply).getByTestId('read-aloud');
    fireEvent.click(button);
    await waitFor(() => expect(button.dataset.state).toBe('playing'));
    const [call] = commandsCalled(backend, 'speak');
    // Read as words: no Markdown marks, no code.
    expect(String(call.text)).toContain('Here is an in-place quicksort over a mutable slice.');
    expect(String(call.text)).toContain('It runs in O(n log n) on average');
    expect(String(call.text)).not.toContain('pub fn');
    expect(audio.sources).toHaveLength(1);
    fireEvent.click(button);
    expect(audio.sources[0].stopped).toBe(true);
    await waitFor(() => expect(button.dataset.state).toBe('idle'));
  });
});

describe('assistants in the model list', () => {
  it('sends app:<id> as the model and offers no attachments', async () => {
    const { backend } = renderWithBackend(<App />, { scenario: 'ready' });
    const picker = await screen.findByTestId<HTMLSelectElement>('model-picker');
    const option = await within(picker).findByRole('option', { name: 'HR policy helper' });
    expect(option.closest('optgroup')?.label).toBe('Assistants');
    expect(screen.queryByTestId('attach-button')).toBeNull();
    fireEvent.change(picker, { target: { value: 'app:8f3c2d1e9b7a4c6d' } });
    expect(picker.value).toBe('app:8f3c2d1e9b7a4c6d');

    send('How many days of annual leave do I get?');
    await screen.findByText(/section 4\.2 of the Employee Handbook/);
    const request = commandsCalled(backend, 'send_message')[0].request as SendRequest;
    expect(request.model).toBe('app:8f3c2d1e9b7a4c6d');
    // The app's name stands for its id, and its references are documents.
    const reply = screen.getAllByTestId('message').at(-1)!;
    expect(within(reply).getByText('HR policy helper')).toBeTruthy();
    expect(within(reply).getByTestId('search-sources').textContent).toContain('2 documents');
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { createRef } from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import { installMockBackend, type MockBackend } from '../../testing/mockBackend';
import { commandsCalled } from '../../testing/renderWithBackend';
import { base64ToBytes } from '../../voice/audioData';
import type * as Recorder from '../../voice/recorder';
import { MicError, startRecording } from '../../voice/recorder';
import { Composer } from '../Composer';

// The microphone is the webview's; here a recording is a second of samples, or a refusal.
vi.mock('../../voice/recorder', async (importOriginal) => ({
  ...(await importOriginal<typeof Recorder>()),
  startRecording: vi.fn(),
}));

const recorded = vi.mocked(startRecording);

function oneSecond() {
  recorded.mockResolvedValue({ stop: () => Promise.resolve(new Float32Array(16_000).fill(0.1)), cancel: vi.fn() });
}

let backend: MockBackend;

function renderComposer() {
  backend = installMockBackend({ streamDelayMs: 0 });
  render(
    <I18nextProvider i18n={i18n}>
      <Composer
        streaming={false}
        busyElsewhere={false}
        demo={false}
        acceptsImages={false}
        onSend={() => Promise.resolve('started')}
        onStop={() => undefined}
        inputRef={createRef<HTMLTextAreaElement>()}
      />
    </I18nextProvider>,
  );
  return screen.getByTestId<HTMLTextAreaElement>('composer-input');
}

beforeEach(() => i18n.changeLanguage('en'));
afterEach(() => {
  cleanup();
  clearMocks();
  recorded.mockReset();
});

describe('dictation', () => {
  it('records while the button is held and inserts the words at the caret', async () => {
    oneSecond();
    const input = renderComposer();
    fireEvent.change(input, { target: { value: 'Please  today.' } });
    input.setSelectionRange(7, 7);
    const mic = screen.getByTestId('dictate-button');

    fireEvent.keyDown(mic, { key: ' ' });
    await waitFor(() => expect(mic.getAttribute('aria-pressed')).toBe('true'));
    expect(screen.getByTestId('voice-status').textContent).toContain('Listening');
    fireEvent.keyUp(mic, { key: ' ' });

    await waitFor(() => expect(input.value).toBe('Please Remind me to send the release notes to the team on Friday. today.'));
    // The caret follows the inserted words, ready for more typing.
    expect(input.selectionStart).toBe('Please Remind me to send the release notes to the team on Friday.'.length);
    const [call] = commandsCalled(backend, 'transcribe_audio');
    expect(call.fileName).toBe('dictation.wav');
    const wav = base64ToBytes(String(call.base64));
    expect(String.fromCharCode(...wav.subarray(0, 4))).toBe('RIFF');
    expect(new DataView(wav.buffer).getUint32(24, true)).toBe(16_000);
    expect(wav.length).toBe(44 + 16_000 * 2);
  });

  it('follows the pointer: press to record, release to transcribe', async () => {
    oneSecond();
    const input = renderComposer();
    const mic = screen.getByTestId('dictate-button');
    fireEvent.pointerDown(mic, { button: 0, pointerId: 1 });
    await waitFor(() => expect(mic.getAttribute('aria-pressed')).toBe('true'));
    fireEvent.pointerUp(mic, { button: 0, pointerId: 1 });
    await waitFor(() => expect(input.value).toBe('Remind me to send the release notes to the team on Friday.'));
  });

  it('says clearly when the microphone is refused or missing', async () => {
    recorded.mockRejectedValueOnce(new MicError('denied'));
    renderComposer();
    const mic = screen.getByTestId('dictate-button');
    fireEvent.keyDown(mic, { key: 'Enter' });
    expect((await screen.findByTestId('voice-problem')).textContent).toContain('Access to the microphone was refused');
    fireEvent.keyUp(mic, { key: 'Enter' });

    recorded.mockRejectedValueOnce(new MicError('noMicrophone'));
    fireEvent.keyDown(mic, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('voice-problem').dataset.problem).toBe('noMicrophone'));
    expect(screen.getByTestId('voice-problem').textContent).toContain('No microphone was found');
    expect(commandsCalled(backend, 'transcribe_audio')).toHaveLength(0);
  });

  it('tells a tap from speech and sends nothing for it', async () => {
    recorded.mockResolvedValue({ stop: () => Promise.resolve(new Float32Array(800)), cancel: vi.fn() });
    renderComposer();
    const mic = screen.getByTestId('dictate-button');
    fireEvent.keyDown(mic, { key: ' ' });
    await waitFor(() => expect(mic.getAttribute('aria-pressed')).toBe('true'));
    fireEvent.keyUp(mic, { key: ' ' });
    expect((await screen.findByTestId('voice-problem')).dataset.problem).toBe('tooShort');
    expect(commandsCalled(backend, 'transcribe_audio')).toHaveLength(0);
  });

  it('transcribes a picked audio file into the message', async () => {
    const input = renderComposer();
    const file = new File([new Uint8Array([0x49, 0x44, 0x33, 1, 2, 3])], 'memo.mp3', { type: 'audio/mpeg' });
    fireEvent.change(screen.getByTestId('transcribe-file-input'), { target: { files: [file] } });
    await waitFor(() => expect(input.value).toBe('今天下午三点开会，讨论新版本的发布计划。'));
    expect(commandsCalled(backend, 'transcribe_audio')[0]).toMatchObject({ fileName: 'memo.mp3', base64: 'SUQzAQID' });

    fireEvent.change(screen.getByTestId('transcribe-file-input'), { target: { files: [new File(['x'], 'notes.txt', { type: 'text/plain' })] } });
    expect((await screen.findByTestId('voice-problem')).dataset.problem).toBe('notAudio');
  });
});

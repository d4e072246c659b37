// @vitest-environment jsdom
// Live dictation on the composer, with the mock backend's real-time recognition and a fake
// microphone: getUserMedia, an AudioContext at 48 kHz and the capture worklet are stand-ins whose
// audio the test hands over block by block.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { createRef } from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import { installMockBackend, mockError, type MockBackend } from '../../testing/mockBackend';
import { commandsCalled } from '../../testing/renderWithBackend';
import { base64ToBytes } from '../../voice/audioData';
import { Composer } from '../Composer';

interface FakeMic {
  tracks: { stop: ReturnType<typeof vi.fn> }[];
  getUserMedia: ReturnType<typeof vi.fn>;
  worklets: FakeWorkletNode[];
  contexts: FakeContext[];
}

class FakeNode {
  connect = vi.fn();
  disconnect = vi.fn();
}

class FakeWorkletNode extends FakeNode {
  port: { onmessage: ((event: { data: Float32Array[] }) => void) | null } = { onmessage: null };
  constructor(
    readonly context: FakeContext,
    readonly name: string,
  ) {
    super();
    mic.worklets.push(this);
  }
}

class FakeContext {
  sampleRate = 48_000;
  state = 'running';
  destination = new FakeNode();
  audioWorklet = { addModule: vi.fn(() => Promise.resolve()) };
  close = vi.fn(() => Promise.resolve());
  resume = vi.fn(() => Promise.resolve());
  constructor() {
    mic.contexts.push(this);
  }
  createMediaStreamSource() {
    return new FakeNode();
  }
  createGain() {
    return Object.assign(new FakeNode(), { gain: { value: 1 } });
  }
}

let mic: FakeMic;
let backend: MockBackend;

function installMic(refusal?: DOMException) {
  const tracks = [{ stop: vi.fn() }];
  mic = {
    tracks,
    getUserMedia: vi.fn(() => (refusal ? Promise.reject(refusal) : Promise.resolve({ getTracks: () => tracks }))),
    worklets: [],
    contexts: [],
  };
  Object.defineProperty(navigator, 'mediaDevices', { configurable: true, value: { getUserMedia: mic.getUserMedia } });
  vi.stubGlobal('AudioContext', FakeContext);
  vi.stubGlobal('AudioWorkletNode', FakeWorkletNode);
}

/** `ms` of stereo audio at 48 kHz from the worklet, in blocks of 20 ms. */
function speak(ms: number) {
  const node = mic.worklets[0];
  act(() => {
    for (let at = 0; at < ms; at += 20) {
      const block = new Float32Array(960).fill(0.2);
      node.port.onmessage?.({ data: [block, block.slice()] });
    }
  });
}

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

async function press() {
  const button = screen.getByTestId('dictate-button');
  const before = commandsCalled(backend, 'start_live_transcription').length;
  fireEvent.keyDown(button, { key: ' ' });
  await waitFor(() => expect(button.dataset.phase).toBe('recording'));
  await waitFor(() => expect(commandsCalled(backend, 'start_live_transcription')).toHaveLength(before + 1));
  return button;
}

beforeEach(() => i18n.changeLanguage('en'));
afterEach(() => {
  cleanup();
  clearMocks();
  vi.unstubAllGlobals();
});

describe('live dictation', () => {
  it('streams 100 ms pieces of 16 kHz PCM and shows the words as they are recognised', async () => {
    installMic();
    const input = renderComposer();
    fireEvent.change(input, { target: { value: 'Please  today.' } });
    input.setSelectionRange(7, 7);
    const button = await press();
    expect(commandsCalled(backend, 'start_live_transcription')[0]).toMatchObject({ sampleRate: 16_000, languageHints: ['en', 'zh'] });
    expect(mic.contexts[0].audioWorklet.addModule).toHaveBeenCalledTimes(1);

    // The sentence being spoken shows as it is revised…
    speak(300);
    await waitFor(() => expect(input.value).toBe('Please Remind me to today.'));
    expect(input.readOnly).toBe(true);
    // …and settles; the next one starts after it.
    speak(1100);
    await waitFor(() => expect(input.value, input.value).toBe('Please Remind me to send the release notes to the team on Friday. Also book today.'));

    // Every piece is 100 ms of 16-bit mono PCM at 16 kHz (48 kHz stereo in).
    const pushes = commandsCalled(backend, 'push_live_audio');
    expect(pushes).toHaveLength(14);
    for (const push of pushes) expect(base64ToBytes(String(push.pcmBase64)).length).toBe(3200);
    // 0.2 on both channels stays 0.2 through the downmix and the resampler: 0.2 · 32767 = 6553.
    const first = base64ToBytes(String(pushes[0].pcmBase64));
    expect(new DataView(first.buffer).getInt16(0, true)).toBe(6553);

    // Release: the last sentence is settled, the microphone released.
    fireEvent.keyUp(button, { key: ' ' });
    await waitFor(() => expect(button.dataset.phase).toBe('idle'));
    expect(input.value).toBe('Please Remind me to send the release notes to the team on Friday. Also book a room for the review. today.');
    expect(commandsCalled(backend, 'finish_live_transcription')).toHaveLength(1);
    expect(mic.tracks[0].stop).toHaveBeenCalled();
    expect(mic.contexts[0].close).toHaveBeenCalled();
    expect(input.readOnly).toBe(false);
    expect(input.selectionStart).toBe('Please Remind me to send the release notes to the team on Friday. Also book a room for the review.'.length);
  });

  it('Escape cancels: the words go, the session is cancelled, the microphone released', async () => {
    installMic();
    const input = renderComposer();
    fireEvent.change(input, { target: { value: 'Draft' } });
    input.setSelectionRange(5, 5);
    await press();
    speak(300);
    await waitFor(() => expect(input.value).toBe('Draft Remind me to'));
    fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(input.value).toBe('Draft'));
    const [cancelled] = commandsCalled(backend, 'cancel_live_transcription');
    expect(cancelled.sessionId).toBe(commandsCalled(backend, 'push_live_audio')[0].sessionId);
    expect(commandsCalled(backend, 'finish_live_transcription')).toHaveLength(0);
    expect(mic.tracks[0].stop).toHaveBeenCalled();
    expect(screen.getByTestId('dictate-button').dataset.phase).toBe('idle');
    // Nothing more is sent for it.
    const pushed = commandsCalled(backend, 'push_live_audio').length;
    speak(200);
    expect(commandsCalled(backend, 'push_live_audio')).toHaveLength(pushed);
  });

  it('a failed session keeps the settled sentence and explains the error', async () => {
    installMic();
    const input = renderComposer();
    const button = await press();
    backend.failNext('live_transcription', mockError('quota_exhausted', 'Free quota exhausted'));
    // The fault applies to the next session: cancel this one and start again.
    fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(button.dataset.phase).toBe('idle'));
    mic.worklets = [];
    await press();
    speak(1400);
    const problem = await screen.findByTestId('voice-problem');
    expect(problem.dataset.errorCode).toBe('quota_exhausted');
    expect(problem.textContent).toContain('Live dictation stopped');
    expect(problem.textContent).toContain('kept in your message');
    expect(input.value).toBe('Remind me to send the release notes to the team on Friday.');
    expect(button.dataset.phase).toBe('idle');
    expect(mic.tracks[0].stop).toHaveBeenCalled();
    expect(commandsCalled(backend, 'finish_live_transcription')).toHaveLength(0);
  });

  it('says clearly when the microphone is refused, and closes the session it opened', async () => {
    installMic(new DOMException('denied', 'NotAllowedError'));
    const input = renderComposer();
    fireEvent.keyDown(screen.getByTestId('dictate-button'), { key: 'Enter' });
    const problem = await screen.findByTestId('voice-problem');
    expect(problem.dataset.problem).toBe('denied');
    expect(problem.textContent).toContain('Access to the microphone was refused');
    await waitFor(() => expect(commandsCalled(backend, 'cancel_live_transcription')).toHaveLength(1));
    expect(commandsCalled(backend, 'push_live_audio')).toHaveLength(0);
    expect(input.value).toBe('');
  });

  it('explains a session the core refuses to open', async () => {
    installMic();
    renderComposer();
    backend.failNext('start_live_transcription', mockError('missing_api_key', 'no API key is configured'));
    fireEvent.keyDown(screen.getByTestId('dictate-button'), { key: 'Enter' });
    const problem = await screen.findByTestId('voice-problem');
    expect(problem.dataset.errorCode).toBe('missing_api_key');
    expect(problem.textContent).not.toContain('kept in your message');
    await waitFor(() => expect(mic.tracks[0].stop).toHaveBeenCalled());
  });

  it('transcribes a picked audio file into the message', async () => {
    installMic();
    const input = renderComposer();
    const file = new File([new Uint8Array([0x49, 0x44, 0x33, 1, 2, 3])], 'memo.mp3', { type: 'audio/mpeg' });
    fireEvent.change(screen.getByTestId('transcribe-file-input'), { target: { files: [file] } });
    await waitFor(() => expect(input.value).toBe('今天下午三点开会，讨论新版本的发布计划。'));
    expect(commandsCalled(backend, 'transcribe_audio')[0]).toMatchObject({ fileName: 'memo.mp3', base64: 'SUQzAQID' });

    fireEvent.change(screen.getByTestId('transcribe-file-input'), { target: { files: [new File(['x'], 'notes.txt', { type: 'text/plain' })] } });
    expect((await screen.findByTestId('voice-problem')).dataset.problem).toBe('notAudio');
  });
});

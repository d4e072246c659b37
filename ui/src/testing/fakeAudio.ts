import { vi } from 'vitest';
import type { AudioOutput } from '../voice/pcmPlayer';

interface FakeSource {
  buffer: { duration: number; samples: Float32Array } | null;
  startedAt: number | null;
  stopped: boolean;
  onended: (() => void) | null;
  connect: () => void;
  disconnect: () => void;
  start: (at: number) => void;
  stop: () => void;
}

/** An AudioContext whose clock the test moves and whose sources it can end. */
export function fakeOutput() {
  const sources: FakeSource[] = [];
  const output = {
    currentTime: 0,
    state: 'running' as AudioContextState,
    destination: {} as AudioNode,
    createBuffer(_channels: number, length: number, sampleRate: number) {
      const samples = new Float32Array(length);
      return { duration: length / sampleRate, samples, getChannelData: () => samples } as unknown as AudioBuffer;
    },
    createBufferSource() {
      const source: FakeSource = {
        buffer: null,
        startedAt: null,
        stopped: false,
        onended: null,
        connect: vi.fn(),
        disconnect: vi.fn(),
        start(at: number) {
          source.startedAt = at;
        },
        stop() {
          source.stopped = true;
        },
      };
      sources.push(source);
      return source as unknown as AudioBufferSourceNode;
    },
    // Any clip decodes to one second of silence.
    decodeAudioData: vi.fn(() => Promise.resolve(output.createBuffer(1, 22_050, 22_050))),
    resume: vi.fn(() => Promise.resolve()),
  };
  return { output: output as unknown as AudioOutput & { currentTime: number }, sources };
}


// Gapless playback of audio that arrives in pieces (read-aloud PCM while a reply streams) and of
// whole clips (a reply read aloud on request), on one AudioContext.

/** The part of an AudioContext the player uses; tests hand in a fake one. */
export interface AudioOutput {
  readonly currentTime: number;
  readonly destination: AudioNode;
  readonly state: AudioContextState;
  createBuffer(channels: number, length: number, sampleRate: number): AudioBuffer;
  createBufferSource(): AudioBufferSourceNode;
  decodeAudioData(data: ArrayBuffer): Promise<AudioBuffer>;
  resume(): Promise<void>;
}

/** Headroom before the first piece after silence, so it never starts in the past. */
export const START_LEAD_SECONDS = 0.06;

/** 16-bit little-endian PCM bytes as float samples; an odd trailing byte is returned apart. */
export function pcm16ToFloat(bytes: Uint8Array): { samples: Float32Array; rest: Uint8Array | null } {
  const whole = bytes.length - (bytes.length % 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, whole);
  const samples = new Float32Array(whole / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 0x8000;
  return { samples, rest: whole < bytes.length ? bytes.slice(whole) : null };
}

/**
 * Schedules buffers back to back: each one starts exactly where the one before it ends (or a
 * moment from now, after silence), so pieces of one reply play without gaps or overlaps however
 * unevenly they arrive. `stop` silences what plays and forgets what is queued.
 */
export class PcmPlayer {
  private nextStart = 0;
  private readonly sources = new Set<AudioBufferSourceNode>();
  private carry: Uint8Array | null = null;

  constructor(
    private readonly output: AudioOutput,
    private readonly sampleRate: number,
    /** Everything scheduled has finished playing. */
    private readonly onDrained: () => void = () => undefined,
  ) {}

  get playing(): boolean {
    return this.sources.size > 0;
  }

  /** Raw PCM bytes (16-bit little-endian mono at the player's rate); returns the start time. */
  pushPcm(bytes: Uint8Array): number | null {
    const joined = this.carry ? concatBytes(this.carry, bytes) : bytes;
    const { samples, rest } = pcm16ToFloat(joined);
    this.carry = rest;
    if (samples.length === 0) return null;
    const buffer = this.output.createBuffer(1, samples.length, this.sampleRate);
    buffer.getChannelData(0).set(samples);
    return this.schedule(buffer);
  }

  /** A decoded clip, after whatever is queued. */
  schedule(buffer: AudioBuffer): number {
    const source = this.output.createBufferSource();
    source.buffer = buffer;
    source.connect(this.output.destination);
    const at = Math.max(this.nextStart, this.output.currentTime + START_LEAD_SECONDS);
    source.start(at);
    this.nextStart = at + buffer.duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      source.disconnect();
      if (this.sources.size === 0) this.onDrained();
    };
    return at;
  }

  stop(): void {
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // Already stopped.
      }
      source.disconnect();
    }
    this.sources.clear();
    this.nextStart = 0;
    this.carry = null;
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

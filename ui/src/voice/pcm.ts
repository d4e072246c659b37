// Live dictation's audio path, as pure functions: the microphone's channels mixed to mono,
// resampled to 16 kHz piece by piece (the pieces join without a seam), and encoded as 16-bit
// little-endian PCM in 100 ms chunks for `push_live_audio`.

/** What real-time recognition is given. */
export const LIVE_SAMPLE_RATE = 16_000;
/** 100 ms of audio at LIVE_SAMPLE_RATE: the size of each pushed piece. */
export const LIVE_CHUNK_SAMPLES = LIVE_SAMPLE_RATE / 10;

/** The average of the channels, sample by sample (the shortest channel sets the length). */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0].slice();
  const length = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const channel of channels) sum += channel[i];
    out[i] = sum / channels.length;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Where a stream of pieces is in the resampling. Rates are kept reduced (48000/16000 → 3/1). */
export interface ResampleState {
  readonly from: number;
  readonly to: number;
  /** Absolute index of the first sample of `pending`. */
  readonly consumed: number;
  /** Output samples produced so far. */
  readonly produced: number;
  /** Input samples a later output still needs. */
  readonly pending: Float32Array;
}

export function resampleState(fromRate: number, toRate: number): ResampleState {
  if (!(fromRate > 0 && toRate > 0) || !Number.isInteger(fromRate) || !Number.isInteger(toRate)) {
    throw new RangeError(`sample rates must be positive integers (${fromRate} → ${toRate})`);
  }
  const d = gcd(fromRate, toRate);
  return { from: fromRate / d, to: toRate / d, consumed: 0, produced: 0, pending: new Float32Array(0) };
}

function joined(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Resamples the next piece of a stream. Going down (48 or 44.1 kHz to 16 kHz) each output sample
 * is the mean of the input it spans, edge samples weighted by the part inside it (an area
 * average: it keeps most of the aliasing out without a long filter); going up it interpolates
 * linearly. Feeding a signal in pieces of any lengths gives exactly what feeding it whole gives.
 */
export function resamplePiece(state: ResampleState, input: Float32Array): { state: ResampleState; output: Float32Array } {
  const { from, to } = state;
  const buffer = joined(state.pending, input);
  const base = state.consumed;
  const available = base + buffer.length;
  if (from === to) {
    return { state: { ...state, consumed: available, produced: state.produced + buffer.length, pending: new Float32Array(0) }, output: buffer.slice() };
  }
  const out: number[] = [];
  let k = state.produced;
  if (from > to) {
    // Output k spans input [k·from/to, (k+1)·from/to); measured in 1/to of an input sample, input
    // sample j spans [j·to, (j+1)·to), so every weight is a whole number.
    while ((k + 1) * from <= available * to) {
      const start = k * from;
      const end = start + from;
      let sum = 0;
      for (let j = Math.floor(start / to); j * to < end; j++) {
        const weight = Math.min(end, (j + 1) * to) - Math.max(start, j * to);
        sum += weight * buffer[j - base];
      }
      out.push(sum / from);
      k++;
    }
  } else {
    // Output k sits at input position k·from/to, between two samples.
    while (Math.floor((k * from) / to) + 1 < available) {
      const left = Math.floor((k * from) / to);
      const frac = (k * from - left * to) / to;
      out.push(buffer[left - base] * (1 - frac) + buffer[left + 1 - base] * frac);
      k++;
    }
  }
  // Keep only the input the next output starts in.
  const keepFrom = Math.min(available, Math.floor((k * from) / to));
  return {
    state: { from, to, consumed: keepFrom, produced: k, pending: buffer.slice(keepFrom - base) },
    output: Float32Array.from(out),
  };
}

/** Whole-signal resampling (one piece). */
export function resampleAll(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  return resamplePiece(resampleState(fromRate, toRate), samples).output;
}

/** Float samples (-1…1, clipped) as 16-bit signed little-endian PCM. */
export function encodePcm16le(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, Number.isNaN(samples[i]) ? 0 : samples[i]));
    view.setInt16(i * 2, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true);
  }
  return bytes;
}

/** Cuts `pending` + `incoming` into whole chunks of `size` samples; what is left waits. */
export function splitChunks(pending: Float32Array, incoming: Float32Array, size: number): { chunks: Float32Array[]; rest: Float32Array } {
  const all = joined(pending, incoming);
  const chunks: Float32Array[] = [];
  let at = 0;
  for (; at + size <= all.length; at += size) chunks.push(all.slice(at, at + size));
  return { chunks, rest: all.slice(at) };
}

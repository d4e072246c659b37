import { describe, expect, it } from 'vitest';
import { downmix, encodePcm16le, LIVE_CHUNK_SAMPLES, resampleAll, resamplePiece, resampleState, splitChunks } from './pcm';

const f32 = (...values: number[]) => Float32Array.from(values);
const close = (actual: Float32Array, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i], `sample ${i}`).toBeCloseTo(value, 6));
};

/** A signal fed in pieces of the given lengths, the outputs joined. */
function inPieces(signal: Float32Array, from: number, to: number, lengths: number[]): Float32Array {
  let state = resampleState(from, to);
  const out: number[] = [];
  let at = 0;
  for (let i = 0; at < signal.length; i++) {
    const length = lengths[i % lengths.length];
    const step = resamplePiece(state, signal.subarray(at, at + length));
    state = step.state;
    out.push(...step.output);
    at += length;
  }
  return Float32Array.from(out);
}

describe('downmix', () => {
  it('averages the channels sample by sample', () => {
    close(downmix([f32(1, 0.5, -1), f32(0, 0.5, 1)]), [0.5, 0.5, 0]);
  });
  it('keeps mono as it is and cuts to the shortest channel', () => {
    close(downmix([f32(0.25, -0.25)]), [0.25, -0.25]);
    close(downmix([f32(1, 1, 1), f32(0, 0)]), [0.5, 0.5]);
    expect(downmix([]).length).toBe(0);
  });
});

describe('resampling to 16 kHz', () => {
  it('48 kHz: each output is the mean of three inputs', () => {
    close(resampleAll(f32(3, 6, 9, 0, 0, 3, 1, 1, 1), 48_000, 16_000), [6, 1, 1]);
  });

  it('48 kHz: a trailing part of an output is held back until the rest arrives', () => {
    let state = resampleState(48_000, 16_000);
    let step = resamplePiece(state, f32(3, 6, 9, 0, 0));
    close(step.output, [6]);
    state = step.state;
    step = resamplePiece(state, f32(3, 1));
    close(step.output, [1]);
    expect(step.state.pending.length).toBe(1);
  });

  it('44.1 kHz: outputs weigh the inputs at their edges by the part inside (441/160 per output)', () => {
    const x = [1, 2, 3, 4, 5, 6];
    // Output 0 spans [0, 2.75625): x0, x1 whole, 0.75625 of x2 → (160·1 + 160·2 + 121·3) / 441.
    // Output 1 spans [2.75625, 5.5125): 0.24375 of x2, x3, x4, 0.5125 of x5.
    close(resampleAll(f32(...x), 44_100, 16_000), [(160 * 1 + 160 * 2 + 121 * 3) / 441, (39 * 3 + 160 * 4 + 160 * 5 + 82 * 6) / 441]);
  });

  it('keeps a constant signal constant and the length in proportion', () => {
    const out = resampleAll(new Float32Array(44_100).fill(0.5), 44_100, 16_000);
    expect(out.length).toBe(16_000);
    expect(Math.max(...out)).toBeCloseTo(0.5, 6);
    expect(Math.min(...out)).toBeCloseTo(0.5, 6);
    expect(resampleAll(new Float32Array(48_000), 48_000, 16_000).length).toBe(16_000);
  });

  it.each([
    [48_000, [1, 7, 128, 333]],
    [44_100, [5, 128, 1, 441, 97]],
    [22_050, [3, 10]],
    [8_000, [1, 2, 3]],
  ])('gives the same samples whether %i Hz input comes whole or in odd-length pieces', (rate, lengths) => {
    const signal = Float32Array.from({ length: 2_001 }, (_, i) => Math.sin(i / 7) * 0.8);
    const whole = resampleAll(signal, rate, 16_000);
    const pieces = inPieces(signal, rate, 16_000, lengths);
    expect(pieces.length).toBe(whole.length);
    pieces.forEach((value, i) => expect(value, `sample ${i}`).toBeCloseTo(whole[i], 5));
  });

  it('8 kHz up to 16 kHz: interpolates halfway between samples', () => {
    close(resampleAll(f32(0, 1, 0, -1), 8_000, 16_000), [0, 0.5, 1, 0.5, 0, -0.5]);
  });

  it('16 kHz passes through untouched', () => {
    close(resampleAll(f32(0.1, -0.2, 0.3), 16_000, 16_000), [0.1, -0.2, 0.3]);
  });

  it('refuses a rate that is not a positive integer', () => {
    expect(() => resampleState(0, 16_000)).toThrow(RangeError);
    expect(() => resampleState(44_100.5, 16_000)).toThrow(RangeError);
  });
});

describe('encodePcm16le', () => {
  it('writes 16-bit signed little-endian samples, clipped', () => {
    const bytes = encodePcm16le(f32(0, 1, -1, 0.5, -0.5, 2, -3, Number.NaN));
    expect([...bytes]).toEqual([
      0x00, 0x00, // 0
      0xff, 0x7f, // 1 → 32767
      0x00, 0x80, // -1 → -32768
      0x00, 0x40, // 0.5 → 16384 (0.5 · 32767 rounds up)
      0x00, 0xc0, // -0.5 → -16384
      0xff, 0x7f, // 2 clips to 32767
      0x00, 0x80, // -3 clips to -32768
      0x00, 0x00, // NaN is silence
    ]);
  });

  it('handles an odd number of samples (two bytes each)', () => {
    const bytes = encodePcm16le(f32(0.25, -0.25, 0.001));
    expect(bytes.length).toBe(6);
    const view = new DataView(bytes.buffer);
    expect([view.getInt16(0, true), view.getInt16(2, true), view.getInt16(4, true)]).toEqual([8192, -8192, 33]);
  });
});

describe('splitChunks', () => {
  it('cuts 100 ms pieces and keeps the rest for the next call', () => {
    const first = splitChunks(new Float32Array(0), new Float32Array(LIVE_CHUNK_SAMPLES + 7).fill(0.1), LIVE_CHUNK_SAMPLES);
    expect(first.chunks).toHaveLength(1);
    expect(first.chunks[0].length).toBe(1600);
    expect(first.rest.length).toBe(7);
    const second = splitChunks(first.rest, new Float32Array(1593), LIVE_CHUNK_SAMPLES);
    expect(second.chunks).toHaveLength(1);
    expect(second.chunks[0][6]).toBeCloseTo(0.1, 6);
    expect(second.chunks[0][7]).toBe(0);
    expect(second.rest.length).toBe(0);
  });
});

// Audio of the mock backend: soft tones standing in for synthesised speech.
import { READ_ALOUD_PCM_SAMPLE_RATE } from '../api/types';
import { encodeWav } from '../voice/audioData';

/** A quiet tone with faded ends (no clicks), as 16-bit signed samples. */
export function toneSamples(seconds: number, frequency: number, sampleRate = READ_ALOUD_PCM_SAMPLE_RATE): Int16Array {
  const length = Math.max(1, Math.round(seconds * sampleRate));
  const fade = Math.min(length / 2, Math.round(0.01 * sampleRate));
  const samples = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const envelope = Math.min(1, i / fade, (length - 1 - i) / fade);
    samples[i] = Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * envelope * 0.12 * 0x7fff);
  }
  return samples;
}

/** Samples as little-endian bytes, the read-aloud channel's format. */
export function pcmBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i], true);
  return bytes;
}

/** How long a piece of text takes to say: roughly 14 characters a second. */
export function spokenSeconds(text: string): number {
  return Math.min(6, Math.max(0.08, text.trim().length / 14));
}

/** A WAV clip for `speak`, as long as the text would take to say (at most a few seconds). */
export function speechWav(text: string): Uint8Array {
  const seconds = Math.min(4, spokenSeconds(text));
  return encodeWav(toneSamples(seconds, 220 + (text.length % 5) * 40, 16_000), 16_000);
}

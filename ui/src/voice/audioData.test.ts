import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, encodeWav } from './audioData';
import { insertAtCaret } from './insertText';
import { speakableText } from './speakable';

function ascii(bytes: Uint8Array, from: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(from, from + length));
}

describe('encodeWav', () => {
  it('writes a canonical RIFF/WAVE header for 16-bit mono PCM', () => {
    const samples = new Int16Array([0, 1000, -1000, 32767, -32768]);
    const wav = encodeWav(samples, 16_000);
    const view = new DataView(wav.buffer);
    expect(wav.length).toBe(44 + samples.length * 2);
    expect(ascii(wav, 0, 4)).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(wav.length - 8);
    expect(ascii(wav, 8, 4)).toBe('WAVE');
    expect(ascii(wav, 12, 4)).toBe('fmt ');
    expect(view.getUint32(16, true)).toBe(16);
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(1); // mono
    expect(view.getUint32(24, true)).toBe(16_000);
    expect(view.getUint32(28, true)).toBe(32_000); // bytes per second
    expect(view.getUint16(32, true)).toBe(2); // block align
    expect(view.getUint16(34, true)).toBe(16); // bits per sample
    expect(ascii(wav, 36, 4)).toBe('data');
    expect(view.getUint32(40, true)).toBe(samples.length * 2);
  });

  it('holds every sample, little-endian, in order', () => {
    const samples = new Int16Array(16_000).map((_, i) => (i % 200) - 100);
    const wav = encodeWav(samples, 16_000);
    const view = new DataView(wav.buffer);
    const count = view.getUint32(40, true) / 2;
    expect(count).toBe(16_000);
    const back = Array.from({ length: count }, (_, i) => view.getInt16(44 + i * 2, true));
    expect(back).toEqual([...samples]);
  });
});

describe('base64', () => {
  it('round-trips base64', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251);
    expect([...base64ToBytes(bytesToBase64(bytes))]).toEqual([...bytes]);
  });
});

describe('insertAtCaret', () => {
  it('puts words at the caret with the spaces English needs', () => {
    expect(insertAtCaret('Hello world', 'big', 5, 5)).toEqual({ text: 'Hello big world', caret: 9 });
    expect(insertAtCaret('', 'Hi there', 0, 0)).toEqual({ text: 'Hi there', caret: 8 });
    expect(insertAtCaret('Say .', 'hello', 4, 4)).toEqual({ text: 'Say hello.', caret: 9 });
  });

  it('replaces a selection and never spaces Chinese', () => {
    expect(insertAtCaret('Hello cruel world', 'kind', 6, 11)).toEqual({ text: 'Hello kind world', caret: 10 });
    expect(insertAtCaret('你好世界', '朋友', 2, 2)).toEqual({ text: '你好朋友世界', caret: 4 });
  });
});

describe('speakableText', () => {
  it('reads the words, not the markup or the code', () => {
    const text = speakableText('## Title\n\n**Bold** and [a link](https://x.y) [1].\n\n```rust\nfn main() {}\n```\n\n- item `code`');
    expect(text).toBe('Title\n\nBold and a link.\n\nitem code');
  });
});

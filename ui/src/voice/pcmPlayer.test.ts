// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { READ_ALOUD_PCM_SAMPLE_RATE } from '../api/types';
import { bytesToBase64 } from './audioData';
import { fakeOutput } from '../testing/fakeAudio';
import { PcmPlayer, START_LEAD_SECONDS, pcm16ToFloat } from './pcmPlayer';
import { beginReplySpeech, endReplySpeech, replySpeechChunk, setAudioContextFactory, speechState, stopSpeech } from './speechOutput';

/** `seconds` of 16-bit PCM at the read-aloud rate. */
function pcm(seconds: number, value = 1000): Uint8Array {
  const bytes = new Uint8Array(Math.round(seconds * READ_ALOUD_PCM_SAMPLE_RATE) * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < bytes.length / 2; i++) view.setInt16(i * 2, value, true);
  return bytes;
}

afterEach(() => setAudioContextFactory(null));

describe('pcm16ToFloat', () => {
  it('reads little-endian samples and keeps an odd byte apart', () => {
    const { samples, rest } = pcm16ToFloat(new Uint8Array([0x00, 0x40, 0x00, 0xc0, 0x7f]));
    expect([...samples]).toEqual([0.5, -0.5]);
    expect([...(rest ?? [])]).toEqual([0x7f]);
  });
});

describe('PcmPlayer', () => {
  it('starts each chunk exactly where the one before it ends', () => {
    const { output, sources } = fakeOutput();
    const player = new PcmPlayer(output, READ_ALOUD_PCM_SAMPLE_RATE);
    output.currentTime = 1;
    const first = player.pushPcm(pcm(0.5));
    output.currentTime = 1.2; // the second chunk arrives while the first still plays
    const second = player.pushPcm(pcm(0.2));
    const third = player.pushPcm(pcm(1));
    expect(first).toBeCloseTo(1 + START_LEAD_SECONDS, 9);
    expect(second).toBeCloseTo(first! + 0.5, 9);
    expect(third).toBeCloseTo(second! + 0.2, 9);
    expect(sources.map((s) => s.startedAt)).toEqual([first, second, third]);
    expect(sources[0].buffer?.samples[0]).toBeCloseTo(1000 / 0x8000, 6);
  });

  it('starts a chunk after silence a moment from now, not in the past', () => {
    const { output } = fakeOutput();
    const player = new PcmPlayer(output, READ_ALOUD_PCM_SAMPLE_RATE);
    player.pushPcm(pcm(0.1));
    output.currentTime = 5;
    expect(player.pushPcm(pcm(0.1))).toBeCloseTo(5 + START_LEAD_SECONDS, 9);
  });

  it('joins a sample split across two chunks', () => {
    const { output, sources } = fakeOutput();
    const player = new PcmPlayer(output, READ_ALOUD_PCM_SAMPLE_RATE);
    const bytes = pcm(0.001, 0x1234);
    expect(player.pushPcm(bytes.subarray(0, 3))).not.toBeNull();
    player.pushPcm(bytes.subarray(3));
    const samples = sources.flatMap((s) => [...(s.buffer?.samples ?? [])]);
    expect(samples).toHaveLength(bytes.length / 2);
    expect(samples.every((s) => Math.abs(s - 0x1234 / 0x8000) < 1e-9)).toBe(true);
  });

  it('stop silences what plays and clears the queue', () => {
    const { output, sources } = fakeOutput();
    const drained = vi.fn();
    const player = new PcmPlayer(output, READ_ALOUD_PCM_SAMPLE_RATE, drained);
    player.pushPcm(pcm(2));
    player.pushPcm(pcm(2));
    expect(player.playing).toBe(true);
    player.stop();
    expect(sources.every((s) => s.stopped)).toBe(true);
    expect(player.playing).toBe(false);
    expect(drained).not.toHaveBeenCalled();
    // Nothing queued is left: the next chunk starts now, not after the 4 s that were dropped.
    output.currentTime = 0.5;
    expect(player.pushPcm(pcm(0.1))).toBeCloseTo(0.5 + START_LEAD_SECONDS, 9);
  });

  it('says when everything scheduled has played', () => {
    const { output, sources } = fakeOutput();
    const drained = vi.fn();
    const player = new PcmPlayer(output, READ_ALOUD_PCM_SAMPLE_RATE, drained);
    player.pushPcm(pcm(0.1));
    player.pushPcm(pcm(0.1));
    sources[0].onended?.();
    expect(drained).not.toHaveBeenCalled();
    sources[1].onended?.();
    expect(drained).toHaveBeenCalledTimes(1);
  });
});

describe('reading a reply aloud', () => {
  it('plays the chunks while the reply streams and stops on request', () => {
    const { output, sources } = fakeOutput();
    setAudioContextFactory(() => output);
    beginReplySpeech();
    expect(speechState().source).toEqual({ kind: 'reply' });
    replySpeechChunk(bytesToBase64(pcm(0.3)));
    replySpeechChunk(bytesToBase64(pcm(0.3)));
    expect(sources).toHaveLength(2);
    expect(sources[1].startedAt).toBeCloseTo(sources[0].startedAt! + 0.3, 9);
    // The reply ends while its audio still plays: reading goes on.
    endReplySpeech(null);
    expect(speechState().source).toEqual({ kind: 'reply' });
    stopSpeech();
    expect(sources.every((s) => s.stopped)).toBe(true);
    expect(speechState().source).toBeNull();
    // Chunks of a stopped reading are dropped.
    replySpeechChunk(bytesToBase64(pcm(0.3)));
    expect(sources).toHaveLength(2);
  });

  it('reports a reading that failed apart from the reply', () => {
    const { output } = fakeOutput();
    setAudioContextFactory(() => output);
    beginReplySpeech();
    endReplySpeech({ code: 'server_error', message: 'tts down', dashscopeCode: null, requestId: null, retryAfterMs: null });
    expect(speechState()).toMatchObject({ source: null, problem: { kind: 'speech', error: { code: 'server_error' } } });
  });
});

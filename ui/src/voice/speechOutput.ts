import { useSyncExternalStore } from 'react';
import type { BinaryData, DeskError } from '../api/types';
import { READ_ALOUD_PCM_SAMPLE_RATE } from '../api/types';
import { base64ToBytes } from './audioData';
import { PcmPlayer, type AudioOutput } from './pcmPlayer';

/** What is being read aloud: one message on request, or the reply that is streaming. */
export type SpeechSource = { kind: 'message'; messageId: string } | { kind: 'reply' };

export type SpeechProblem =
  /** This webview has no Web Audio. */
  | { kind: 'unsupported' }
  /** The audio could not be decoded or played. */
  | { kind: 'playback' }
  /** Synthesis failed (the error doctor explains the code). */
  | { kind: 'speech'; error: DeskError };

export interface SpeechState {
  /** Set from the moment reading starts (or is asked for) until it ends or is stopped. */
  source: SpeechSource | null;
  /** A message whose audio is being synthesised. */
  preparing: string | null;
  problem: SpeechProblem | null;
}

const idle: SpeechState = { source: null, preparing: null, problem: null };
let state: SpeechState = idle;
const listeners = new Set<() => void>();

function set(patch: Partial<SpeechState>) {
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

type ContextFactory = () => AudioOutput | null;

function browserContext(): AudioOutput | null {
  const Context =
    typeof window === 'undefined'
      ? undefined
      : (window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext);
  return Context ? new Context() : null;
}

let createContext: ContextFactory = browserContext;
let output: AudioOutput | null = null;
let player: PcmPlayer | null = null;
// Bumped by every stop and every new reading, so a clip decoded late never plays over a newer one.
let generation = 0;

/** Tests swap in a fake AudioContext (and reset the player). */
export function setAudioContextFactory(factory: ContextFactory | null): void {
  player?.stop();
  createContext = factory ?? browserContext;
  output = null;
  player = null;
  state = idle;
}

function ensurePlayer(): PcmPlayer | null {
  if (player) return player;
  try {
    output = createContext();
  } catch {
    output = null;
  }
  if (!output) return null;
  player = new PcmPlayer(output, READ_ALOUD_PCM_SAMPLE_RATE, () => {
    // Reading the reply ends with the last piece only once the reply has ended too.
    if (state.source?.kind === 'message' || !replyOpen) set({ source: null });
  });
  return player;
}

let replyOpen = false;

/**
 * Opens (or wakes) the audio output. Call it from the click or key press that asks for audio:
 * webviews only let a page start sound in answer to the person.
 */
export function primeSpeech(): boolean {
  const ready = ensurePlayer() !== null;
  if (output && output.state === 'suspended') void output.resume().catch(() => undefined);
  return ready;
}

export function stopSpeech(): void {
  generation++;
  player?.stop();
  replyOpen = false;
  set({ source: null, preparing: null });
}

export function dismissSpeechProblem(): void {
  set({ problem: null });
}

// --- the streaming reply --------------------------------------------------------------------

/** A reply that will be read aloud as it streams is about to be sent. */
export function beginReplySpeech(): void {
  stopSpeech();
  replyOpen = true;
  const ready = primeSpeech();
  set({ source: { kind: 'reply' }, problem: ready ? null : { kind: 'unsupported' } });
}

/** One base64 chunk of the reply's PCM, in order. */
export function replySpeechChunk(pcmBase64: string): void {
  if (!replyOpen || !player) return;
  try {
    player.pushPcm(base64ToBytes(pcmBase64));
  } catch {
    set({ problem: { kind: 'playback' } });
  }
}

/** The reply ended: reading goes on until its last piece has played. */
export function endReplySpeech(error: DeskError | null): void {
  if (!replyOpen) return;
  replyOpen = false;
  const patch: Partial<SpeechState> = error ? { problem: { kind: 'speech', error } } : {};
  if (!player?.playing) patch.source = null;
  set(patch);
}

// --- one message on request -------------------------------------------------------------------

/** Synthesises (through `load`) and plays a message; stops whatever was reading before. */
export async function readMessage(messageId: string, load: () => Promise<BinaryData>): Promise<void> {
  stopSpeech();
  const mine = generation;
  if (!primeSpeech()) {
    set({ problem: { kind: 'unsupported' } });
    return;
  }
  set({ preparing: messageId, problem: null });
  let data: BinaryData;
  try {
    data = await load();
  } catch (error) {
    if (mine === generation) set({ preparing: null, problem: { kind: 'speech', error: error as DeskError } });
    return;
  }
  if (mine !== generation || !output || !player) return;
  try {
    const bytes = base64ToBytes(data.base64);
    const buffer = await output.decodeAudioData(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    if (mine !== generation) return;
    player.schedule(buffer);
    set({ preparing: null, source: { kind: 'message', messageId } });
  } catch {
    if (mine === generation) set({ preparing: null, problem: { kind: 'playback' } });
  }
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function speechState(): SpeechState {
  return state;
}

export function useSpeechOutput(): SpeechState {
  return useSyncExternalStore(subscribe, speechState, speechState);
}

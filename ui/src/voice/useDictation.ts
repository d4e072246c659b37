import { useCallback, useEffect, useRef, useState } from 'react';
import { transcribeAudio } from '../api/desk';
import { toDeskError } from '../api/deskError';
import type { DeskError } from '../api/types';
import { bytesToBase64, DICTATION_SAMPLE_RATE, encodeWav, floatToInt16 } from './audioData';
import { MicError, startRecording, type MicProblem, type Recording } from './recorder';

export type DictationPhase = 'idle' | 'starting' | 'recording' | 'transcribing';

export type DictationProblem =
  | { kind: 'mic'; problem: MicProblem }
  /** Released before anything could be said. */
  | { kind: 'tooShort' }
  /** Recognition found no words. */
  | { kind: 'nothingHeard' }
  | { kind: 'transcription'; error: DeskError };

/** Under this, a press was a tap, not speech. */
const MIN_SECONDS = 0.4;
/** Push-to-talk, not a meeting recorder: a held button ends itself after this. */
export const MAX_DICTATION_SECONDS = 120;

export interface Dictation {
  phase: DictationPhase;
  problem: DictationProblem | null;
  /** Loudness of the microphone while recording, 0…1. */
  level: number;
  /** Press: start recording. */
  start: () => void;
  /** Release: stop, transcribe, hand the text over. */
  finish: () => void;
  cancel: () => void;
  dismissProblem: () => void;
}

/**
 * Push-to-talk dictation: the microphone records while held, then the recording goes to
 * `transcribe_audio` as a 16 kHz mono WAV and the words to `onText`.
 */
export function useDictation(onText: (text: string) => void): Dictation {
  const [phase, setPhase] = useState<DictationPhase>('idle');
  const [problem, setProblem] = useState<DictationProblem | null>(null);
  const [level, setLevel] = useState(0);
  const recording = useRef<Recording | null>(null);
  const released = useRef(false);
  const phaseRef = useRef<DictationPhase>('idle');
  const limit = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onTextRef = useRef(onText);
  const live = useRef(true);

  useEffect(() => {
    onTextRef.current = onText;
  }, [onText]);

  const move = (next: DictationPhase) => {
    phaseRef.current = next;
    if (live.current) setPhase(next);
  };

  const clearLimit = () => {
    if (limit.current !== null) clearTimeout(limit.current);
    limit.current = null;
  };

  const transcribe = useCallback(async (current: Recording) => {
    clearLimit();
    move('transcribing');
    setLevel(0);
    try {
      const samples = await current.stop();
      if (samples.length < MIN_SECONDS * DICTATION_SAMPLE_RATE) {
        if (live.current) setProblem({ kind: 'tooShort' });
        return;
      }
      const wav = encodeWav(floatToInt16(samples), DICTATION_SAMPLE_RATE);
      const transcript = await transcribeAudio('dictation.wav', bytesToBase64(wav));
      const text = transcript.text.trim();
      if (!live.current) return;
      if (text === '') setProblem({ kind: 'nothingHeard' });
      else onTextRef.current(text);
    } catch (error) {
      if (live.current) setProblem({ kind: 'transcription', error: toDeskError(error) });
    } finally {
      move('idle');
    }
  }, []);

  const finish = useCallback(() => {
    if (phaseRef.current === 'starting') {
      released.current = true;
      return;
    }
    const current = recording.current;
    if (phaseRef.current !== 'recording' || !current) return;
    recording.current = null;
    void transcribe(current);
  }, [transcribe]);

  const start = useCallback(() => {
    if (phaseRef.current !== 'idle') return;
    released.current = false;
    setProblem(null);
    move('starting');
    startRecording({ onLevel: (value) => live.current && setLevel(value) }).then(
      (started) => {
        if (!live.current) {
          started.cancel();
          return;
        }
        recording.current = started;
        move('recording');
        limit.current = setTimeout(finish, MAX_DICTATION_SECONDS * 1000);
        // Let go while the webview was still opening the microphone (or asking for it).
        if (released.current) finish();
      },
      (error: unknown) => {
        move('idle');
        if (live.current) setProblem({ kind: 'mic', problem: error instanceof MicError ? error.problem : 'failed' });
      },
    );
  }, [finish]);

  const cancel = useCallback(() => {
    clearLimit();
    recording.current?.cancel();
    recording.current = null;
    released.current = true;
    if (phaseRef.current === 'recording') move('idle');
    setLevel(0);
  }, []);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
      clearLimit();
      recording.current?.cancel();
      recording.current = null;
    };
  }, []);

  const dismissProblem = useCallback(() => setProblem(null), []);

  return { phase, problem, level, start, finish, cancel, dismissProblem };
}

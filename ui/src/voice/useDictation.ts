import { useCallback, useEffect, useRef, useState } from 'react';
import { cancelLiveTranscription, finishLiveTranscription, pushLiveAudio, startLiveTranscription } from '../api/desk';
import { toDeskError } from '../api/deskError';
import type { DeskError, LiveTranscriptEvent } from '../api/types';
import { bytesToBase64 } from './audioData';
import { insertAtCaret } from './insertText';
import { startLiveCapture, type LiveCapture } from './liveCapture';
import { LIVE_SAMPLE_RATE } from './pcm';
import { MicError, type MicProblem } from './microphone';

export type DictationPhase = 'idle' | 'starting' | 'recording' | 'transcribing';

export type DictationProblem =
  | { kind: 'mic'; problem: MicProblem }
  /** Recognition found no words. */
  | { kind: 'nothingHeard' }
  /** Recognition failed (a `failed` event, or a refused command); what was settled is kept. */
  | { kind: 'transcription'; error: DeskError; kept: boolean };

/** Push-to-talk, not a meeting recorder: a held button ends itself after this. */
export const MAX_DICTATION_SECONDS = 120;

/** What the words so far are: settled sentences, and the sentence being spoken (revised as it goes). */
export interface DictatedText {
  settled: string;
  partial: string;
  /** The dictation is over: `settled` is all of it. */
  final: boolean;
}

export interface DictationHandlers {
  /** Dictation starts: the composer notes where the words go. */
  onBegin: () => void;
  /** The words so far (replacing what the last call gave). */
  onText: (text: DictatedText) => void;
  /** Escape (or the pointer was lost): the words are dropped. */
  onCancel: () => void;
}

export interface Dictation {
  phase: DictationPhase;
  problem: DictationProblem | null;
  /** Loudness of the microphone while recording, 0…1. */
  level: number;
  /** Press: open the microphone and a live recognition session. */
  start: () => void;
  /** Release: end the audio, wait for the last sentences. */
  finish: () => void;
  /** Drop everything (Escape). */
  cancel: () => void;
  dismissProblem: () => void;
}

/** Two sentences, spaced as typed text would be (none between Chinese ones). */
export function joinSpoken(left: string, right: string): string {
  if (left === '') return right;
  if (right === '') return left;
  return insertAtCaret(left, right, left.length, left.length).text;
}

/** Recognition hints in the order of the interface language (people dictate in it, mostly). */
function languageHints(language: string): string[] {
  return language.toLowerCase().startsWith('zh') ? ['zh', 'en'] : ['en', 'zh'];
}

/** One dictation from press to the end. Mutable on purpose: channel callbacks fill it in. */
interface Live {
  sessionId: string | null;
  capture: LiveCapture | null;
  /** Base64 PCM waiting for the session id, or for the push before it. */
  queue: string[];
  pushing: boolean;
  /** Released: once the queue is empty the session is finished. */
  finishing: boolean;
  released: boolean;
  over: boolean;
  settled: string;
  partial: string;
}

/**
 * Live push-to-talk dictation: while the button is held the microphone streams 100 ms pieces of
 * 16 kHz PCM to a real-time recognition session; the sentence being spoken shows in the composer
 * as it is revised, settled sentences stay. Release finishes the session; Escape cancels it.
 */
export function useDictation(handlers: DictationHandlers, language = 'en'): Dictation {
  const [phase, setPhase] = useState<DictationPhase>('idle');
  const [problem, setProblem] = useState<DictationProblem | null>(null);
  const [level, setLevel] = useState(0);
  const phaseRef = useRef<DictationPhase>('idle');
  const current = useRef<Live | null>(null);
  const limit = useRef<ReturnType<typeof setTimeout> | null>(null);
  const handlersRef = useRef(handlers);
  const languageRef = useRef(language);
  const mounted = useRef(true);

  useEffect(() => {
    handlersRef.current = handlers;
    languageRef.current = language;
  }, [handlers, language]);

  const move = useCallback((next: DictationPhase) => {
    phaseRef.current = next;
    if (mounted.current) setPhase(next);
    if (next !== 'recording' && mounted.current) setLevel(0);
  }, []);

  const clearLimit = () => {
    if (limit.current !== null) clearTimeout(limit.current);
    limit.current = null;
  };

  /** The session ends: the microphone is released whatever the reason. */
  const close = useCallback((live: Live) => {
    live.over = true;
    live.queue = [];
    live.capture?.cancel();
    clearLimit();
    if (current.current === live) current.current = null;
  }, []);

  const show = useCallback((live: Live, final: boolean) => {
    if (current.current !== live && !final) return;
    if (mounted.current) handlersRef.current.onText({ settled: live.settled, partial: final ? '' : live.partial, final });
  }, []);

  /** Failed: keep what was settled, say why. */
  const fail = useCallback(
    (live: Live, reason: DictationProblem, cancelSession: boolean) => {
      if (live.over) return;
      close(live);
      if (cancelSession && live.sessionId) void cancelLiveTranscription(live.sessionId).catch(() => undefined);
      show(live, true);
      if (mounted.current) setProblem(reason);
      move('idle');
    },
    [close, move, show],
  );

  const complete = useCallback(
    (live: Live) => {
      const id = live.sessionId;
      if (!id || live.over) return;
      live.over = true;
      finishLiveTranscription(id).then(
        (transcript) => {
          // The whole transcript is the authority: it has the sentences the end of the audio settled.
          const text = transcript.text.trim();
          if (text !== '') live.settled = text;
          live.partial = '';
          show(live, true);
          if (live.settled.trim() === '' && mounted.current) setProblem({ kind: 'nothingHeard' });
          if (current.current === live) current.current = null;
          move('idle');
        },
        (error: unknown) => {
          live.over = false;
          fail(live, { kind: 'transcription', error: toDeskError(error), kept: live.settled !== '' }, false);
        },
      );
    },
    [fail, move, show],
  );

  /** Sends the queued audio one piece at a time, in order; finishes once released and drained. */
  const pump = useCallback(
    (live: Live) => {
      const step = () => {
        if (live.over || live.pushing || live.sessionId === null) return;
        const next = live.queue.shift();
        if (next === undefined) {
          if (live.finishing) complete(live);
          return;
        }
        live.pushing = true;
        pushLiveAudio(live.sessionId, next).then(
          () => {
            live.pushing = false;
            step();
          },
          (error: unknown) => {
            live.pushing = false;
            fail(live, { kind: 'transcription', error: toDeskError(error), kept: live.settled !== '' }, true);
          },
        );
      };
      step();
    },
    [complete, fail],
  );

  const onEvent = useCallback(
    (live: Live, event: LiveTranscriptEvent) => {
      if (live.over) return;
      switch (event.type) {
        case 'partial':
          live.partial = event.text;
          show(live, false);
          return;
        case 'sentence':
          live.settled = joinSpoken(live.settled, event.sentence.text.trim());
          live.partial = '';
          show(live, false);
          return;
        case 'failed':
          // The session is over on the core's side: nothing to cancel.
          fail(live, { kind: 'transcription', error: event.error, kept: live.settled !== '' }, false);
          return;
      }
    },
    [fail, show],
  );

  const finish = useCallback(() => {
    const live = current.current;
    if (!live || live.over || live.finishing) return;
    if (phaseRef.current === 'starting') {
      // Let go while the microphone was still opening (or being asked for).
      live.released = true;
      return;
    }
    clearLimit();
    live.finishing = true;
    move('transcribing');
    const capture = live.capture;
    void (capture ? capture.stop() : Promise.resolve()).then(() => pump(live));
  }, [move, pump]);

  const start = useCallback(() => {
    if (phaseRef.current !== 'idle') return;
    const live: Live = {
      sessionId: null,
      capture: null,
      queue: [],
      pushing: false,
      finishing: false,
      released: false,
      over: false,
      settled: '',
      partial: '',
    };
    current.current = live;
    setProblem(null);
    move('starting');
    handlersRef.current.onBegin();

    startLiveTranscription(LIVE_SAMPLE_RATE, languageHints(languageRef.current), (event) => onEvent(live, event)).then(
      (sessionId) => {
        live.sessionId = sessionId;
        // Cancelled or failed while it was opening: close it again.
        if (live.over) {
          void cancelLiveTranscription(sessionId).catch(() => undefined);
          return;
        }
        pump(live);
      },
      (error: unknown) => fail(live, { kind: 'transcription', error: toDeskError(error), kept: false }, false),
    );

    startLiveCapture({
      onChunk: (pcm) => {
        if (live.over) return;
        live.queue.push(bytesToBase64(pcm));
        pump(live);
      },
      onLevel: (value) => mounted.current && current.current === live && setLevel(value),
    }).then(
      (capture) => {
        if (live.over || !mounted.current) {
          capture.cancel();
          return;
        }
        live.capture = capture;
        move('recording');
        limit.current = setTimeout(finish, MAX_DICTATION_SECONDS * 1000);
        if (live.released) finish();
      },
      (error: unknown) => fail(live, { kind: 'mic', problem: error instanceof MicError ? error.problem : 'failed' }, true),
    );
  }, [fail, finish, move, onEvent, pump]);

  const cancel = useCallback(() => {
    const live = current.current;
    if (!live) return;
    close(live);
    if (live.sessionId) void cancelLiveTranscription(live.sessionId).catch(() => undefined);
    if (mounted.current) handlersRef.current.onCancel();
    move('idle');
  }, [close, move]);

  // Escape cancels while dictating, before anything else hears it (the chat's Escape stops a reply).
  const active = phase !== 'idle';
  useEffect(() => {
    if (!active) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopPropagation();
      cancel();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [active, cancel]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      const live = current.current;
      if (live) {
        close(live);
        if (live.sessionId) void cancelLiveTranscription(live.sessionId).catch(() => undefined);
      }
    };
  }, [close]);

  const dismissProblem = useCallback(() => setProblem(null), []);

  return { phase, problem, level, start, finish, cancel, dismissProblem };
}

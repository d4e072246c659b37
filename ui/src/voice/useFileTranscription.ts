import { useCallback, useEffect, useRef, useState } from 'react';
import { transcribeAudio } from '../api/desk';
import { toDeskError } from '../api/deskError';
import type { DeskError } from '../api/types';
import { fileToBase64 } from './audioData';

/** Bigger files are better sent as a recording's URL (the meetings screen). */
export const MAX_AUDIO_FILE_BYTES = 50 * 1024 * 1024;

export type FileTranscriptionProblem =
  | { kind: 'notAudio' }
  | { kind: 'tooLarge' }
  | { kind: 'nothingHeard' }
  | { kind: 'transcription'; error: DeskError };

const AUDIO_EXTENSIONS = /\.(wav|mp3|m4a|aac|flac|ogg|opus|amr|webm|mp4|wma)$/i;

export function isAudioFile(file: File): boolean {
  return file.type.startsWith('audio/') || AUDIO_EXTENSIONS.test(file.name);
}

/** An audio file picked by the person, transcribed into text for the composer. */
export function useFileTranscription(onText: (text: string) => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<FileTranscriptionProblem | null>(null);
  const onTextRef = useRef(onText);
  const live = useRef(true);

  useEffect(() => {
    onTextRef.current = onText;
  }, [onText]);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const transcribe = useCallback(async (file: File) => {
    setProblem(null);
    if (!isAudioFile(file)) return setProblem({ kind: 'notAudio' });
    if (file.size > MAX_AUDIO_FILE_BYTES) return setProblem({ kind: 'tooLarge' });
    setBusy(file.name);
    try {
      const transcript = await transcribeAudio(file.name, await fileToBase64(file));
      if (!live.current) return;
      const text = transcript.text.trim();
      if (text === '') setProblem({ kind: 'nothingHeard' });
      else onTextRef.current(text);
    } catch (error) {
      if (live.current) setProblem({ kind: 'transcription', error: toDeskError(error) });
    } finally {
      if (live.current) setBusy(null);
    }
  }, []);

  const dismissProblem = useCallback(() => setProblem(null), []);

  return { busy, problem, transcribe, dismissProblem };
}

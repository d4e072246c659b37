// The microphone's failures: why it could not be opened, as the screens name them.

/** Why the microphone could not be used. */
export type MicProblem = 'unsupported' | 'noMicrophone' | 'denied' | 'busy' | 'failed';

export class MicError extends Error {
  constructor(readonly problem: MicProblem) {
    super(`microphone: ${problem}`);
  }
}

/** The problem behind an error from getUserMedia (or anything else thrown while opening the microphone). */
export function micProblem(error: unknown): MicProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'noMicrophone';
    case 'NotReadableError':
    case 'AbortError':
    case 'TrackStartError':
      return 'busy';
    default:
      return 'failed';
  }
}

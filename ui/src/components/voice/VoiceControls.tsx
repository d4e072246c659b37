import type { TFunction } from 'i18next';
import { useEffect, useRef, type CSSProperties, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../errors/errorText';
import { ErrorExplanation } from '../ErrorExplanation';
import type { Dictation, DictationProblem } from '../../voice/useDictation';
import type { FileTranscriptionProblem } from '../../voice/useFileTranscription';
import { AudioFileIcon, CloseIcon, MicIcon } from '../icons';
import { shortcutLabel } from '../shortcuts';
import './voice.css';

/** Hold to dictate: Ctrl/⌘+Shift+M, held, anywhere on the chat. Escape cancels. */
export const DICTATION_KEYS = 'Mod+Shift+M';

function isDictationKey(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && event.shiftKey && !event.altKey && event.key.toLowerCase() === 'm';
}

/**
 * The push-to-talk button: recording while it is held (pointer, touch, Space or Enter), and while
 * Ctrl/⌘+Shift+M is held when the chat is on screen.
 */
export function DictationButton({ dictation, scope }: { dictation: Dictation; scope: RefObject<HTMLElement | null> }) {
  const { t } = useTranslation();
  const { phase, level, start, finish, cancel } = dictation;
  const holding = useRef(false);
  const label = t('voice.dictateLabel', { shortcut: shortcutLabel(DICTATION_KEYS) });

  useEffect(() => {
    const shown = () => scope.current !== null && scope.current.closest('[hidden]') === null;
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isDictationKey(event)) return;
      event.preventDefault();
      if (event.repeat || holding.current || !shown()) return;
      holding.current = true;
      start();
    };
    const onKeyUp = (event: KeyboardEvent) => {
      if (!holding.current) return;
      if (!['m', 'M', 'Shift', 'Control', 'Meta'].includes(event.key)) return;
      holding.current = false;
      finish();
    };
    // Leaving the window with the keys down never delivers their release.
    const onBlur = () => {
      if (!holding.current) return;
      holding.current = false;
      finish();
    };
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
    };
  }, [scope, start, finish]);

  const active = phase === 'starting' || phase === 'recording';
  return (
    <button
      type="button"
      className="icon-button composer-voice"
      data-testid="dictate-button"
      data-phase={phase}
      aria-label={label}
      title={label}
      aria-pressed={active}
      disabled={phase === 'transcribing'}
      style={{ '--level': level.toFixed(2) } as CSSProperties}
      onPointerDown={(event) => {
        if (event.button !== 0) return;
        try {
          event.currentTarget.setPointerCapture(event.pointerId);
        } catch {
          // Some webviews (and test DOMs) cannot capture; release still arrives on the button.
        }
        start();
      }}
      onPointerUp={finish}
      onPointerCancel={cancel}
      onKeyDown={(event) => {
        if (event.key !== ' ' && event.key !== 'Enter') return;
        event.preventDefault();
        if (!event.repeat) start();
      }}
      onKeyUp={(event) => {
        if (event.key !== ' ' && event.key !== 'Enter') return;
        event.preventDefault();
        finish();
      }}
      // A long press on a touch screen must not open the context menu.
      onContextMenu={(event) => event.preventDefault()}
    >
      <MicIcon />
    </button>
  );
}

/** Picks an audio file and puts its transcript in the composer. */
export function AudioFileButton({ busy, onFile }: { busy: boolean; onFile: (file: File) => void }) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="icon-button composer-voice"
        data-testid="transcribe-file-button"
        aria-label={t('voice.transcribeFile')}
        title={t('voice.transcribeFile')}
        aria-busy={busy || undefined}
        disabled={busy}
        onClick={() => input.current?.click()}
      >
        <AudioFileIcon />
      </button>
      <input
        ref={input}
        type="file"
        accept="audio/*,.wav,.mp3,.m4a,.aac,.flac,.ogg,.opus,.amr"
        hidden
        data-testid="transcribe-file-input"
        aria-label={t('voice.transcribeFile')}
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) onFile(file);
        }}
      />
    </>
  );
}

type VoiceProblem = DictationProblem | FileTranscriptionProblem;

/** What dictation or a file transcription is doing, or why it did not work. */
export function VoiceStatus(props: {
  phase: Dictation['phase'];
  fileBusy: string | null;
  problem: VoiceProblem | null;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  const { phase, fileBusy, problem, onDismiss } = props;

  let message: string | null = null;
  if (phase === 'starting') message = t('voice.starting');
  else if (phase === 'recording') message = t('voice.listening');
  else if (phase === 'transcribing') message = t('voice.transcribing');
  else if (fileBusy) message = t('voice.transcribingFile', { name: fileBusy });

  if (message) {
    return (
      <p className="composer-voice-status" role="status" data-testid="voice-status" data-phase={fileBusy ? 'file' : phase}>
        {phase === 'recording' ? <span className="voice-dot" aria-hidden="true" /> : null}
        {message}
      </p>
    );
  }
  if (!problem) return null;
  // Live recognition failed: the error doctor says why; what was settled stays in the message.
  if (problem.kind === 'transcription' && 'kept' in problem) {
    return (
      <div className="composer-voice-status composer-voice-status--problem composer-voice-doctor" role="alert" data-testid="voice-problem" data-problem="transcription" data-error-code={problem.error.code}>
        <div className="composer-voice-doctor-body">
          <p className="problem-label">{t('voice.liveFailed')}</p>
          <ErrorExplanation code={problem.error.code} detail={problem.error.message} requestId={problem.error.requestId} />
          {problem.kept ? <p className="fine-print">{t('voice.kept')}</p> : null}
        </div>
        <button type="button" className="icon-button icon-button--small" aria-label={t('voice.dismiss')} onClick={onDismiss}>
          <CloseIcon />
        </button>
      </div>
    );
  }
  return (
    <div className="composer-voice-status composer-voice-status--problem" role="alert" data-testid="voice-problem" data-problem={problemKey(problem)}>
      <span>{problemText(t, problem)}</span>
      <button type="button" className="icon-button icon-button--small" aria-label={t('voice.dismiss')} onClick={onDismiss}>
        <CloseIcon />
      </button>
    </div>
  );
}

function problemKey(problem: VoiceProblem): string {
  return problem.kind === 'mic' ? problem.problem : problem.kind;
}

function problemText(t: TFunction, problem: VoiceProblem): string {
  switch (problem.kind) {
    case 'mic':
      return t(`voice.problem.${problem.problem}`);
    case 'transcription':
      return t('voice.problem.transcription', { reason: errorText(t, problem.error.code).title });
    case 'nothingHeard':
      return t('voice.problem.nothingHeard');
    case 'notAudio':
      return t('voice.problem.notAudio');
    case 'tooLarge':
      return t('voice.problem.tooLarge');
  }
}

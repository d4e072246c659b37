import {
  memo,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
  type Ref,
  type RefObject,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { NewAttachment } from '../api/types';
import {
  ACCEPTED_IMAGE_TYPES,
  MAX_ATTACHMENTS,
  filesOf,
  readImageFiles,
  type AttachmentProblem,
  type PendingAttachment,
} from '../state/attachmentFiles';
import { clearPendingDraft, usePendingDraft } from '../state/chatDraft';
import type { SendResult } from '../state/useChatSession';
import { insertAtCaret } from '../voice/insertText';
import { joinSpoken, useDictation, type DictationHandlers } from '../voice/useDictation';
import { useFileTranscription } from '../voice/useFileTranscription';
import { AttachIcon, CloseIcon, SendIcon, StopIcon } from './icons';
import { AudioFileButton, DictationButton, VoiceStatus } from './voice/VoiceControls';
import { mark, timedRender } from '../perf/trace';

/** Lets the chat hand over files dropped anywhere on it. */
export interface ComposerHandle {
  addFiles: (files: File[]) => void;
}

interface Props {
  /** A reply is streaming in this conversation: the button stops it. */
  streaming: boolean;
  /** A reply is streaming in another conversation: sending waits for it. */
  busyElsewhere: boolean;
  demo: boolean;
  /** The chosen model reads images: the attach button, drops and pastes are offered. */
  acceptsImages: boolean;
  onSend: (prompt: string, attachments: NewAttachment[]) => Promise<SendResult>;
  /** Checks a prompt before it goes: a problem is shown under the input and nothing is sent. */
  checkPrompt?: (prompt: string) => 'jsonMissing' | null;
  onStop: () => void;
  /** Shared with the app so shortcuts can focus the input. */
  inputRef: RefObject<HTMLTextAreaElement | null>;
  handleRef?: Ref<ComposerHandle>;
}

const MAX_HEIGHT_PX = 240;

/**
 * Holds the draft (text and images) itself so typing re-renders only the composer, never the
 * message history.
 */
function ComposerView({ streaming, busyElsewhere, demo, acceptsImages, onSend, checkPrompt, onStop, inputRef, handleRef }: Props) {
  const { t, i18n } = useTranslation();
  const [draft, setDraft] = useState('');
  const [promptProblem, setPromptProblem] = useState<'jsonMissing' | null>(null);
  const [attachments, setAttachments] = useState<PendingAttachment[]>([]);
  const [problem, setProblem] = useState<AttachmentProblem | 'noImages' | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const form = useRef<HTMLFormElement>(null);
  // Where the caret goes once dictated words are in the draft.
  const caret = useRef<number | null>(null);

  useLayoutEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
    el.style.overflowY = el.scrollHeight > MAX_HEIGHT_PX ? 'auto' : 'hidden';
    if (caret.current !== null) {
      el.focus();
      el.setSelectionRange(caret.current, caret.current);
      caret.current = null;
    }
  }, [draft, inputRef]);

  // Dictated or transcribed words go in at the caret, replacing a selection.
  const insertText = useCallback(
    (words: string) => {
      const el = inputRef.current;
      setDraft((current) => {
        const inserted = insertAtCaret(current, words, el?.selectionStart ?? current.length, el?.selectionEnd ?? current.length);
        caret.current = inserted.caret;
        return inserted.text;
      });
    },
    [inputRef],
  );
  // Text another screen started a new chat with (a transcript) becomes the draft.
  const pendingDraft = usePendingDraft();
  const [takenDraft, setTakenDraft] = useState(0);
  if (pendingDraft && pendingDraft.nonce !== takenDraft) {
    setTakenDraft(pendingDraft.nonce);
    setDraft(pendingDraft.text);
  }
  useEffect(() => {
    if (takenDraft !== 0) clearPendingDraft(takenDraft);
  }, [takenDraft]);

  // Live dictation writes into the draft where the caret was when it began: the settled
  // sentences, then the one being spoken, replaced as the recogniser revises it.
  const draftRef = useRef(draft);
  useLayoutEffect(() => {
    draftRef.current = draft;
  }, [draft]);
  const anchor = useRef<{ base: string; start: number; end: number } | null>(null);
  const dictationHandlers = useMemo<DictationHandlers>(
    () => ({
      onBegin: () => {
        const base = draftRef.current;
        const el = inputRef.current;
        anchor.current = { base, start: el?.selectionStart ?? base.length, end: el?.selectionEnd ?? base.length };
      },
      onText: ({ settled, partial, final }) => {
        const at = anchor.current;
        if (!at) return;
        const words = joinSpoken(settled, partial);
        const inserted = words === '' ? { text: at.base, caret: at.start } : insertAtCaret(at.base, words, at.start, at.end);
        setDraft(inserted.text);
        if (final) {
          caret.current = inserted.caret;
          anchor.current = null;
        }
      },
      onCancel: () => {
        const at = anchor.current;
        anchor.current = null;
        if (at) setDraft(at.base);
      },
    }),
    [inputRef],
  );
  const dictation = useDictation(dictationHandlers, i18n.language);
  const dictating = dictation.phase !== 'idle';
  const audioFile = useFileTranscription(insertText);

  const addFiles = (files: File[]) => {
    if (files.length === 0) return;
    if (!acceptsImages) {
      setProblem('noImages');
      return;
    }
    void readImageFiles(files, MAX_ATTACHMENTS - attachments.length).then((read) => {
      setAttachments((current) => [...current, ...read.attachments].slice(0, MAX_ATTACHMENTS));
      setProblem(read.problems[0] ?? null);
    });
  };

  useImperativeHandle(handleRef, () => ({ addFiles }));

  const sendable = !streaming && !busyElsewhere;
  // Images stay in the draft but are not sent to a model that cannot read them.
  const outgoing = acceptsImages ? attachments : [];

  const submit = () => {
    mark('submit');
    if (!sendable || dictating) return;
    if (draft.trim() === '' && outgoing.length === 0) return;
    const refused = checkPrompt?.(draft) ?? null;
    setPromptProblem(refused);
    if (refused) return;
    const prompt = draft;
    const sent = attachments;
    setDraft('');
    setAttachments([]);
    setProblem(null);
    const payload = outgoing.map(({ mime, base64 }) => ({ mime, base64 }));
    void onSend(prompt, payload).then((result) => {
      // Give the draft back if the backend refused it, unless a new one was started meanwhile.
      if (result !== 'rejected') return;
      setDraft((current) => (current === '' ? prompt : current));
      setAttachments((current) => (current.length === 0 ? sent : current));
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms a Chinese IME candidate must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = filesOf(event.clipboardData);
    if (files.length === 0) return;
    event.preventDefault();
    addFiles(files);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };

  const remove = (key: string) => setAttachments((current) => current.filter((a) => a.key !== key));
  const empty = draft.trim() === '' && outgoing.length === 0;

  return (
    <form className="composer" onSubmit={onSubmit} ref={form}>
      {attachments.length > 0 ? (
        <ul className="composer-attachments" aria-label={t('attachments.pending')} data-testid="pending-attachments">
          {attachments.map((a) => (
            <li key={a.key} className="composer-attachment" data-unsent={!acceptsImages || undefined}>
              <img src={a.previewUrl} alt={a.name} />
              <button
                type="button"
                className="icon-button icon-button--small composer-attachment-remove"
                aria-label={t('attachments.remove', { name: a.name })}
                onClick={() => remove(a.key)}
              >
                <CloseIcon />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {problem ? (
        <p className="composer-problem" role="status" data-testid="attachment-problem">
          {t(`attachments.problem.${problem}`)}
        </p>
      ) : null}
      {promptProblem ? (
        <p className="composer-problem" role="alert" data-testid="prompt-problem">
          {t(`composer.${promptProblem}`)}
        </p>
      ) : null}
      <VoiceStatus
        phase={dictation.phase}
        fileBusy={audioFile.busy}
        problem={dictation.problem ?? audioFile.problem}
        onDismiss={() => {
          dictation.dismissProblem();
          audioFile.dismissProblem();
        }}
      />
      <div className="composer-box">
        {acceptsImages ? (
          <>
            <button
              type="button"
              className="icon-button composer-attach"
              data-testid="attach-button"
              aria-label={t('attachments.add')}
              title={t('attachments.add')}
              onClick={() => fileInput.current?.click()}
            >
              <AttachIcon />
            </button>
            <input
              ref={fileInput}
              type="file"
              accept={ACCEPTED_IMAGE_TYPES.join(',')}
              multiple
              hidden
              data-testid="attach-input"
              aria-label={t('attachments.add')}
              onChange={(event) => {
                addFiles([...(event.target.files ?? [])]);
                event.target.value = '';
              }}
            />
          </>
        ) : null}
        <textarea
          ref={inputRef}
          className="composer-input"
          data-testid="composer-input"
          aria-label={t('composer.inputLabel')}
          placeholder={demo ? t('composer.placeholderDemo') : t('composer.placeholder')}
          rows={1}
          value={draft}
          readOnly={dictating}
          aria-busy={dictating || undefined}
          data-dictating={dictating || undefined}
          onChange={(event) => {
            setDraft(event.target.value);
            if (promptProblem) setPromptProblem(null);
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <DictationButton dictation={dictation} scope={form} />
        <AudioFileButton busy={audioFile.busy !== null} onFile={(file) => void audioFile.transcribe(file)} />
        {streaming ? (
          <button
            type="button"
            className="icon-button composer-action composer-action--stop"
            data-testid="stop-button"
            aria-label={t('composer.stopLabel')}
            title={t('composer.stopLabel')}
            onClick={onStop}
          >
            <StopIcon />
          </button>
        ) : (
          <button
            type="submit"
            className="icon-button composer-action"
            data-testid="send-button"
            aria-label={t('composer.sendLabel')}
            title={busyElsewhere ? t('composer.busyElsewhere') : t('composer.sendLabel')}
            disabled={busyElsewhere}
            data-empty={empty || undefined}
          >
            <SendIcon />
          </button>
        )}
      </div>
      {busyElsewhere ? (
        <p className="composer-hint fine-print" role="status">
          {t('composer.busyElsewhere')}
        </p>
      ) : (
        <p className="composer-hint fine-print" aria-hidden="true">
          {acceptsImages ? t('composer.hintImages') : t('composer.hint')}
        </p>
      )}
    </form>
  );
}

export const Composer = memo(timedRender('composer', ComposerView));

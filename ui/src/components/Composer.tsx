import { memo, useLayoutEffect, useState, type FormEvent, type KeyboardEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { SendResult } from '../state/useChatSession';
import { SendIcon, StopIcon } from './icons';

interface Props {
  /** A reply is streaming in this conversation: the button stops it. */
  streaming: boolean;
  /** A reply is streaming in another conversation: sending waits for it. */
  busyElsewhere: boolean;
  demo: boolean;
  onSend: (prompt: string) => Promise<SendResult>;
  onStop: () => void;
  /** Shared with the app so shortcuts can focus the input. */
  inputRef: RefObject<HTMLTextAreaElement | null>;
}

const MAX_HEIGHT_PX = 240;

/**
 * Holds the draft text itself so typing re-renders only the composer, never the
 * message history.
 */
function ComposerView({ streaming, busyElsewhere, demo, onSend, onStop, inputRef }: Props) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');

  useLayoutEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
    el.style.overflowY = el.scrollHeight > MAX_HEIGHT_PX ? 'auto' : 'hidden';
  }, [draft, inputRef]);

  const submit = () => {
    if (streaming || busyElsewhere) return;
    const prompt = draft;
    setDraft('');
    void onSend(prompt).then((result) => {
      // Give the text back if the backend refused it, unless a new draft was started meanwhile.
      if (result === 'rejected') setDraft((current) => (current === '' ? prompt : current));
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms a Chinese IME candidate must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      <div className="composer-box">
        <textarea
          ref={inputRef}
          className="composer-input"
          data-testid="composer-input"
          aria-label={t('composer.inputLabel')}
          placeholder={demo ? t('composer.placeholderDemo') : t('composer.placeholder')}
          rows={1}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
        />
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
            data-empty={draft.trim() === '' || undefined}
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
          {t('composer.hint')}
        </p>
      )}
    </form>
  );
}

export const Composer = memo(ComposerView);

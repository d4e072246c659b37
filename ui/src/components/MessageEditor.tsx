import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  initial: string;
  onSubmit: (text: string) => void;
  onCancel: () => void;
}

/** Edits a sent prompt in place; sending makes a new branch and keeps the old one. */
export function MessageEditor({ initial, onSubmit, onCancel }: Props) {
  const { t } = useTranslation();
  const [text, setText] = useState(initial);
  const input = useRef<HTMLTextAreaElement>(null);

  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 320)}px`;
  }, [text]);

  useLayoutEffect(() => {
    const el = input.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const submit = () => {
    if (text.trim() !== '') onSubmit(text);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape') {
      // Escape leaves the editor here; it must not also stop a stream or close a drawer.
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    }
  };

  return (
    <div className="message-editor" data-testid="message-editor">
      <textarea
        ref={input}
        className="message-editor-input"
        aria-label={t('message.editLabel')}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="message-editor-actions">
        <button type="button" className="text-button" onClick={onCancel}>
          {t('message.cancelEdit')}
        </button>
        <button type="button" className="primary-button primary-button--small" data-testid="edit-send" onClick={submit} disabled={text.trim() === ''}>
          {t('message.sendEdit')}
        </button>
      </div>
    </div>
  );
}

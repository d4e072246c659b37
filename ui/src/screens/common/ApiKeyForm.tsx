import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { setApiKey } from '../../api/desk';
import type { ApiKeyStatus, DeskError } from '../../api/types';
import { Problem } from './ui';

interface Props {
  slot: string;
  disabled?: boolean;
  submitLabel: string;
  onSaved: (status: ApiKeyStatus) => void;
}

/**
 * The key's only way in. The field is uncontrolled and emptied the moment it is read, so the key
 * never sits in React state, props or a re-render; it leaves JS with the call to the core.
 */
export function ApiKeyForm({ slot, disabled, submitLabel, onSaved }: Props) {
  const { t } = useTranslation();
  const field = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const [empty, setEmpty] = useState(true);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = field.current;
    if (!input || input.value.trim() === '') return;
    const pending = setApiKey(slot, input.value);
    input.value = '';
    setEmpty(true);
    setBusy(true);
    setError(null);
    try {
      onSaved(await pending);
    } catch (reason) {
      setError(reason as DeskError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="sc-key-form" onSubmit={(e) => void submit(e)}>
      <label className="sc-field">
        <span>{t('apiKeys.keyLabel')}</span>
        <input
          ref={field}
          type="password"
          name="api-key"
          autoComplete="off"
          spellCheck={false}
          placeholder="sk-…"
          data-testid="api-key-input"
          disabled={disabled || busy}
          onInput={(e) => setEmpty(e.currentTarget.value.trim() === '')}
        />
        <small className="sc-hint">{t('apiKeys.keyHint')}</small>
      </label>
      {error ? <Problem error={error} /> : null}
      <button
        type="submit"
        className="primary-button"
        data-testid="api-key-save"
        disabled={disabled || busy || empty}
        aria-busy={busy || undefined}
      >
        {busy ? t('apiKeys.saving') : submitLabel}
      </button>
    </form>
  );
}

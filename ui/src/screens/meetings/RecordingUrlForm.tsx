import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeskError } from '../../api/types';
import { Problem } from '../common/ui';
import { isRecordingUrl } from './format';

/** What the URL is handed to: a Tingwu meeting or a Paraformer file transcription. */
export type RecordingKind = 'meeting' | 'transcription';

const NAMESPACE = { meeting: 'meetings', transcription: 'transcriptions' } as const;
const PLACEHOLDER: Record<RecordingKind, string> = {
  meeting: 'https://…/weekly-sync.mp3',
  transcription: 'https://…/interview.mp3',
};

/** A recording's public URL, handed to the service that fetches it. */
export function RecordingUrlForm({ kind, onSubmit }: { kind: RecordingKind; onSubmit: (fileUrl: string) => Promise<DeskError | null> }) {
  const { t } = useTranslation();
  const ns = NAMESPACE[kind];
  const hintId = useId();
  const [url, setUrl] = useState('');
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const valid = isRecordingUrl(url);
  const invalid = touched && url.trim() !== '' && !valid;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!valid) return;
    setError(null);
    // The form is free again as soon as the job exists; its progress shows in the list.
    const pending = onSubmit(url.trim());
    setUrl('');
    setTouched(false);
    const refused = await pending;
    if (refused) {
      setError(refused);
      setUrl((current) => (current === '' ? url.trim() : current));
    }
  };

  return (
    <form className="sc-card mt-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${kind}-form-title`} noValidate>
      <h2 id={`${kind}-form-title`} className="sc-section-title">
        {t(`${ns}.form.title`)}
      </h2>
      <label className="sc-field">
        <span>{t(`${ns}.form.url`)}</span>
        <input
          type="url"
          inputMode="url"
          value={url}
          spellCheck={false}
          autoComplete="off"
          placeholder={PLACEHOLDER[kind]}
          aria-invalid={invalid || undefined}
          aria-describedby={hintId}
          data-testid={`${kind}-url`}
          onChange={(e) => setUrl(e.target.value)}
          onBlur={() => setTouched(true)}
        />
        <small id={hintId} className={invalid ? 'sc-field-error' : 'sc-hint'}>
          {invalid ? t(`${ns}.form.invalid`) : t(`${ns}.form.hint`)}
        </small>
      </label>
      {error ? <Problem error={error} /> : null}
      <button type="submit" className="primary-button" data-testid={`${kind}-submit`} disabled={!valid}>
        {t(`${ns}.form.submit`)}
      </button>
    </form>
  );
}

import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeskError } from '../../api/types';
import { Problem } from '../common/ui';
import { isRecordingUrl } from './format';

/** A recording's public URL, handed to Tingwu. */
export function MeetingForm({ onSubmit }: { onSubmit: (fileUrl: string) => Promise<DeskError | null> }) {
  const { t } = useTranslation();
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
    // The form is free again as soon as Tingwu has the job; progress shows in the list.
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
    <form className="sc-card mt-form" onSubmit={(e) => void submit(e)} aria-labelledby="meeting-form-title" noValidate>
      <h2 id="meeting-form-title" className="sc-section-title">
        {t('meetings.form.title')}
      </h2>
      <label className="sc-field">
        <span>{t('meetings.form.url')}</span>
        <input
          type="url"
          inputMode="url"
          value={url}
          spellCheck={false}
          autoComplete="off"
          placeholder="https://…/weekly-sync.mp3"
          aria-invalid={invalid || undefined}
          aria-describedby={hintId}
          data-testid="meeting-url"
          onChange={(e) => setUrl(e.target.value)}
          onBlur={() => setTouched(true)}
        />
        <small id={hintId} className={invalid ? 'sc-field-error' : 'sc-hint'}>
          {invalid ? t('meetings.form.invalid') : t('meetings.form.hint')}
        </small>
      </label>
      {error ? <Problem error={error} /> : null}
      <button type="submit" className="primary-button" data-testid="meeting-submit" disabled={!valid}>
        {t('meetings.form.submit')}
      </button>
    </form>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { addAssistant, listAssistants, removeAssistant } from '../../api/desk';
import type { DeskError } from '../../api/types';
import { assistantsChanged, refreshAssistants, useAssistants } from '../../state/useAssistants';
import { formatDate } from '../common/format';
import { Notice, Problem, Section } from '../common/ui';

/** What Bailian shows as an app's id. */
const APP_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Bailian Apps (agents, workflows) to chat with from the model picker. */
export function AssistantsSection({ notify }: { notify: (error: DeskError) => void }) {
  const { t, i18n } = useTranslation();
  const assistants = useAssistants();
  const [appId, setAppId] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const idInvalid = appId.trim() !== '' && !APP_ID.test(appId.trim());
  const ready = APP_ID.test(appId.trim()) && name.trim() !== '';

  // The list as it is now, whatever the chat loaded earlier.
  useEffect(() => {
    void refreshAssistants();
  }, []);

  const reload = async () => assistantsChanged(await listAssistants());

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const added = await addAssistant(appId.trim(), name.trim());
      setAppId('');
      setName('');
      setMessage(t('assistants.added', { name: added.name }));
      await reload();
    } catch (reason) {
      setError(reason as DeskError);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string, label: string) => {
    setMessage(null);
    try {
      await removeAssistant(id);
      setMessage(t('assistants.removed', { name: label }));
      await reload();
    } catch (reason) {
      notify(reason as DeskError);
    }
  };

  return (
    <Section id="assistants" title={t('assistants.title')} description={t('assistants.description')}>
      {assistants.length === 0 ? (
        <p className="sc-muted" data-testid="assistants-empty">
          {t('assistants.empty')}
        </p>
      ) : (
        <ul className="sc-list" aria-label={t('assistants.title')}>
          {assistants.map((a) => (
            <li key={a.appId} className="sc-list-item" data-testid="assistant-row">
              <div className="sc-list-main">
                <p className="sc-strong">{a.name}</p>
                <p className="sc-fine">
                  <span className="sc-mono">{a.appId}</span> · {t('assistants.since', { date: formatDate(a.addedAt, i18n.language) })}
                </p>
              </div>
              <button
                type="button"
                className="sc-button sc-button--small"
                data-testid="assistant-remove"
                aria-label={t('assistants.removeLabel', { name: a.name })}
                onClick={() => void remove(a.appId, a.name)}
              >
                {t('assistants.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {message ? <Notice tone="ok" testId="assistant-message">{message}</Notice> : null}
      <h3 className="sc-subtitle">{t('assistants.addTitle')}</h3>
      <form className="sc-form" onSubmit={(e) => void add(e)}>
        <div className="sc-field-row">
          <label className="sc-field">
            <span>{t('assistants.appId')}</span>
            <input
              type="text"
              value={appId}
              spellCheck={false}
              autoComplete="off"
              placeholder="a1b2c3d4e5f6…"
              aria-invalid={idInvalid || undefined}
              data-testid="assistant-app-id"
              onChange={(e) => setAppId(e.target.value)}
            />
            <small className={idInvalid ? 'sc-field-error' : 'sc-hint'}>{idInvalid ? t('assistants.appIdInvalid') : t('assistants.appIdHint')}</small>
          </label>
          <label className="sc-field">
            <span>{t('assistants.name')}</span>
            <input
              type="text"
              value={name}
              maxLength={80}
              placeholder={t('assistants.namePlaceholder')}
              data-testid="assistant-name"
              onChange={(e) => setName(e.target.value)}
            />
          </label>
        </div>
        {error ? <Problem error={error} /> : null}
        <div className="sc-actions">
          <button type="submit" className="primary-button" data-testid="assistant-add" disabled={!ready || busy} aria-busy={busy || undefined}>
            {t('assistants.add')}
          </button>
        </div>
      </form>
    </Section>
  );
}

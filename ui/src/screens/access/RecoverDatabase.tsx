import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listBackups, restoreBackup } from '../../api/desk';
import type { BackupInfo, DeskError } from '../../api/types';
import { ErrorExplanation } from '../../components/ErrorExplanation';
import { formatDateTime } from '../common/format';
import { Problem } from '../common/ui';
import '../screens.css';

interface Props {
  error: DeskError;
  /** Opens the profile again once a backup is back in place. */
  onRestored: () => void;
}

/**
 * The profile's history database is damaged (`database_corrupt`): nothing was opened or deleted.
 * Instead of an empty app, this offers the latest backup first (the damaged file is kept aside by
 * the restore, so choosing one loses nothing that can still be read).
 */
export function RecoverDatabase({ error, onRestored }: Props) {
  const { t, i18n } = useTranslation();
  const [backups, setBackups] = useState<BackupInfo[] | null>(null);
  const [listError, setListError] = useState<DeskError | null>(null);
  const [restoring, setRestoring] = useState<string | null>(null);
  const [restoreError, setRestoreError] = useState<DeskError | null>(null);

  useEffect(() => {
    listBackups().then(
      (found) => setBackups([...found].sort((a, b) => b.createdAt - a.createdAt)),
      (reason: DeskError) => setListError(reason),
    );
  }, []);

  const restore = async (backup: BackupInfo) => {
    setRestoring(backup.path);
    setRestoreError(null);
    try {
      await restoreBackup(backup.path);
      onRestored();
    } catch (reason) {
      setRestoreError(reason as DeskError);
      setRestoring(null);
    }
  };

  const [latest, ...older] = backups ?? [];
  return (
    <main className="sc-gate sc-gate--wide" data-testid="recover-database">
      <section className="sc-gate-card" aria-labelledby="recover-title">
        <h1 id="recover-title">{t('recover.title')}</h1>
        <ErrorExplanation code={error.code} detail={error.message} requestId={error.requestId} />
        {listError ? <Problem error={listError} /> : null}
        {backups === null && !listError ? <p className="sc-muted">{t('recover.looking')}</p> : null}
        {backups !== null && latest === undefined ? <p data-testid="recover-none">{t('recover.none')}</p> : null}
        {latest ? (
          <>
            <p>{t('recover.offer')}</p>
            <button
              type="button"
              className="primary-button"
              data-testid="restore-latest"
              disabled={restoring !== null}
              onClick={() => void restore(latest)}
            >
              {restoring === latest.path
                ? t('recover.restoring')
                : t('recover.restoreLatest', { when: formatDateTime(latest.createdAt, i18n.language) })}
            </button>
            <p className="sc-fine">{t('recover.keptAside')}</p>
          </>
        ) : null}
        {older.length ? (
          <details>
            <summary>{t('recover.older', { count: older.length })}</summary>
            <ul className="sc-list">
              {older.map((backup) => (
                <li key={backup.path}>
                  <button
                    type="button"
                    className="sc-link-button"
                    disabled={restoring !== null}
                    onClick={() => void restore(backup)}
                  >
                    {formatDateTime(backup.createdAt, i18n.language)}
                  </button>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
        {restoreError ? <Problem error={restoreError} /> : null}
      </section>
    </main>
  );
}

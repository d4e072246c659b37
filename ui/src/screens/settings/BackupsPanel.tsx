import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { backupNow, listBackups, restoreBackup } from '../../api/desk';
import type { BackupInfo, DeskError, RestoreReport } from '../../api/types';
import { ConfirmAction } from '../common/ConfirmAction';
import { formatBytes, formatDateTime } from '../common/format';
import { Notice } from '../common/ui';

const SHOWN = 6;

export function BackupsPanel({ notify }: { notify: (error: DeskError) => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const [backups, setBackups] = useState<BackupInfo[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [restored, setRestored] = useState<RestoreReport | null>(null);
  const [showAll, setShowAll] = useState(false);

  const load = useCallback(
    () =>
      listBackups().then(
        (list) => setBackups([...list].sort((a, b) => b.createdAt - a.createdAt)),
        (error: DeskError) => notify(error),
      ),
    [notify],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const makeBackup = async () => {
    setBusy(true);
    try {
      await backupNow();
      await load();
    } catch (error) {
      notify(error as DeskError);
    } finally {
      setBusy(false);
    }
  };

  const restore = async (path: string) => {
    try {
      setRestored(await restoreBackup(path));
      await load();
    } catch (error) {
      notify(error as DeskError);
    }
  };

  const shown = backups && !showAll ? backups.slice(0, SHOWN) : backups;

  return (
    <div className="sc-subsection" data-testid="backups">
      <div className="sc-subsection-head">
        <h3 className="sc-subtitle">{t('settings.data.backups')}</h3>
        <button type="button" className="sc-button" disabled={busy} aria-busy={busy || undefined} onClick={() => void makeBackup()} data-testid="backup-now">
          {busy ? t('settings.data.backingUp') : t('settings.data.backupNow')}
        </button>
      </div>
      <p className="sc-fine">{t('settings.data.backupsHint')}</p>
      {restored ? (
        <Notice tone="ok" testId="restored">
          <p>{t('settings.data.restored')}</p>
          {restored.snapshot ? <p className="sc-fine">{t('settings.data.snapshotAt', { path: restored.snapshot })}</p> : null}
          {restored.replacedFile ? <p className="sc-fine">{t('settings.data.replacedKept', { path: restored.replacedFile })}</p> : null}
          <button type="button" className="sc-button sc-button--small" onClick={() => window.location.reload()}>
            {t('settings.data.reload')}
          </button>
        </Notice>
      ) : null}
      {backups?.length === 0 ? <p className="sc-muted">{t('settings.data.noBackups')}</p> : null}
      {shown && shown.length > 0 ? (
        <ul className="sc-list">
          {shown.map((b) => (
            <li key={b.path} className="sc-list-item" data-testid="backup-row">
              <div className="sc-list-main">
                <p className="sc-strong">{formatDateTime(b.createdAt, locale)}</p>
                <p className="sc-fine sc-mono sc-ellipsis" title={b.path}>
                  {formatBytes(b.sizeBytes, locale)} · {b.path.split('/').pop()}
                </p>
              </div>
              <ConfirmAction
                label={t('settings.data.restore')}
                confirmLabel={t('settings.data.restoreConfirm')}
                testId="restore-backup"
                warning={
                  <>
                    <p className="sc-strong">{t('settings.data.restoreTitle', { date: formatDateTime(b.createdAt, locale) })}</p>
                    <p>{t('settings.data.restoreWarning')}</p>
                  </>
                }
                onConfirm={() => restore(b.path)}
              />
            </li>
          ))}
        </ul>
      ) : null}
      {backups && backups.length > SHOWN ? (
        <button type="button" className="sc-link-button" onClick={() => setShowAll((v) => !v)}>
          {showAll ? t('settings.data.showFewer') : t('settings.data.showAll', { count: backups.length })}
        </button>
      ) : null}
    </div>
  );
}

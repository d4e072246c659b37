import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { logsFolder } from '../../api/desk';
import type { DeskError } from '../../api/types';
import { SemanticIndex } from '../../components/search/SemanticIndex';
import { CopyablePath } from '../common/CopyablePath';
import { Section } from '../common/ui';
import { BackupsPanel } from './BackupsPanel';
import { ExportImportPanel } from './ExportImportPanel';

export function DataSection({ dataDir, notify }: { dataDir: string | null; notify: (error: DeskError) => void }) {
  const { t } = useTranslation();
  const [logs, setLogs] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    logsFolder().then(
      (path) => live && setLogs(path),
      (error: DeskError) => live && notify(error),
    );
    return () => {
      live = false;
    };
  }, [notify]);

  return (
    <Section id="data" title={t('settings.data.title')}>
      {dataDir ? (
        <div className="sc-field">
          <span>{t('settings.data.folder')}</span>
          <CopyablePath path={dataDir} testId="data-folder" />
        </div>
      ) : null}
      {logs ? (
        <div className="sc-field">
          <span>{t('settings.data.logs')}</span>
          <CopyablePath path={logs} testId="logs-folder" />
          <small className="sc-hint">{t('settings.data.logsHint')}</small>
        </div>
      ) : null}
      <div className="sc-subsection" data-testid="semantic-settings">
        <h3 className="sc-subtitle">{t('semantic.title')}</h3>
        <p className="sc-fine">{t('semantic.description')}</p>
        <SemanticIndex />
      </div>
      <BackupsPanel notify={notify} />
      <ExportImportPanel notify={notify} />
    </Section>
  );
}

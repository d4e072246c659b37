import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { exportData, importData } from '../../api/desk';
import { toDeskError } from '../../api/deskError';
import type { DeskError, ImportReport } from '../../api/types';
import { fileDate, saveText } from '../common/download';
import { Notice, Problem } from '../common/ui';

/** `Blob.text()` where it exists, FileReader elsewhere (older WebViews, jsdom). */
function readText(file: File): Promise<string> {
  if (typeof file.text === 'function') return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsText(file);
  });
}

export function ExportImportPanel({ notify }: { notify: (error: DeskError) => void }) {
  const { t } = useTranslation();
  const [exporting, setExporting] = useState<'json' | 'markdown' | null>(null);
  const [savedPath, setSavedPath] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [importError, setImportError] = useState<DeskError | null>(null);
  const picker = useRef<HTMLInputElement>(null);

  const exportAll = async (format: 'json' | 'markdown') => {
    setExporting(format);
    try {
      const text = await exportData(null, format);
      const name = `bailian-desk-${fileDate()}.${format === 'json' ? 'json' : 'md'}`;
      setSavedPath(await saveText(name, text, format === 'json' ? 'application/json' : 'text/markdown;charset=utf-8'));
    } catch (error) {
      notify(error as DeskError);
    } finally {
      setExporting(null);
    }
  };

  const importFile = async (file: File) => {
    setImporting(true);
    setReport(null);
    setImportError(null);
    try {
      setReport(await importData(await readText(file)));
    } catch (error) {
      setImportError(toDeskError(error));
    } finally {
      setImporting(false);
      if (picker.current) picker.current.value = '';
    }
  };

  return (
    <div className="sc-subsection" data-testid="export-import">
      <h3 className="sc-subtitle">{t('settings.data.exportTitle')}</h3>
      <p className="sc-fine">{t('settings.data.exportHint')}</p>
      <div className="sc-actions">
        <button type="button" className="sc-button" disabled={exporting !== null} onClick={() => void exportAll('json')} data-testid="export-json">
          {exporting === 'json' ? t('settings.data.exporting') : t('settings.data.exportJson')}
        </button>
        <button type="button" className="sc-button" disabled={exporting !== null} onClick={() => void exportAll('markdown')} data-testid="export-markdown">
          {exporting === 'markdown' ? t('settings.data.exporting') : t('settings.data.exportMarkdown')}
        </button>
      </div>
      {savedPath ? (
        <p className="sc-fine" role="status" data-testid="saved-path">
          {t('files.savedTo', { path: savedPath })}
        </p>
      ) : null}
      <h3 className="sc-subtitle">{t('settings.data.importTitle')}</h3>
      <p className="sc-fine">{t('settings.data.importHint')}</p>
      <label className="sc-button sc-file-button" aria-disabled={importing || undefined}>
        <input
          ref={picker}
          type="file"
          accept=".json,application/json"
          className="sr-only"
          disabled={importing}
          data-testid="import-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void importFile(file);
          }}
        />
        {importing ? t('settings.data.importing') : t('settings.data.importChoose')}
      </label>
      {report ? (
        <Notice tone="ok" testId="import-report">
          {t('settings.data.importReport', {
            added: report.conversationsAdded,
            skipped: report.conversationsSkipped,
            messages: report.messagesAdded,
            messagesSkipped: report.messagesSkipped,
          })}
        </Notice>
      ) : null}
      {importError ? <Problem error={importError} /> : null}
    </div>
  );
}

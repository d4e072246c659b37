import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A folder or file path: selectable, and copied with one click (the app opens no file manager). */
export function CopyablePath({ path, testId }: { path: string; testId?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(path).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div className="sc-path">
      <code className="sc-mono" data-testid={testId}>
        {path}
      </code>
      <button type="button" className="sc-button sc-button--small" onClick={copy} onBlur={() => setCopied(false)}>
        {copied ? t('settings.copied') : t('settings.copy')}
      </button>
    </div>
  );
}

import { useTranslation } from 'react-i18next';
import { Section } from '../common/ui';

/** Visible so people know it is coming; nothing in it works until the server exists. */
export function SyncSection() {
  const { t } = useTranslation();
  return (
    <Section id="sync" title={t('settings.sync.title')} disabled>
      <p className="sc-muted">{t('settings.sync.body')}</p>
      <label className="sc-field">
        <span>{t('settings.sync.server')}</span>
        <input type="url" disabled placeholder="https://sync.example.com" />
      </label>
      <button type="button" className="sc-button" disabled>
        {t('settings.sync.connect')}
      </button>
    </Section>
  );
}

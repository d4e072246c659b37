import { useTranslation } from 'react-i18next';
import { SparkIcon } from './icons';

export function DemoBanner() {
  const { t } = useTranslation();
  return (
    <div className="demo-banner" data-testid="demo-banner" role="status">
      <SparkIcon size={16} />
      <span>{t('banner.demo')}</span>
    </div>
  );
}

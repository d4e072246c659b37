import { useTranslation } from 'react-i18next';
import { SparkIcon } from './icons';

interface Props {
  /** False outside the desktop app, where there is no backend to start the demo. */
  backendAvailable: boolean;
  demoStarting: boolean;
  onStartDemo: () => void;
}

export function WelcomePanel({ backendAvailable, demoStarting, onStartDemo }: Props) {
  const { t } = useTranslation();
  return (
    <main className="welcome">
      <section className="welcome-card" aria-labelledby="welcome-title">
        <h1 id="welcome-title">{t('welcome.title')}</h1>
        <p>{t('welcome.noKey')}</p>
        <p className="welcome-setup">{t('welcome.setKey')}</p>
        <button
          type="button"
          className="primary-button"
          data-testid="start-demo"
          aria-label={t('welcome.demoButton')}
          disabled={!backendAvailable || demoStarting}
          aria-busy={demoStarting || undefined}
          onClick={onStartDemo}
        >
          <SparkIcon size={18} />
          <span>{demoStarting ? t('welcome.startingDemo') : t('welcome.demoButton')}</span>
        </button>
        <p className="fine-print">{t('welcome.demoHint')}</p>
        {backendAvailable ? null : (
          <p className="welcome-warning" role="note" data-testid="not-in-app">
            {t('welcome.notInApp')}
          </p>
        )}
      </section>
    </main>
  );
}

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { testConnection } from '../../api/desk';
import type { ConnectionCheck, DeskError } from '../../api/types';
import { Notice, Problem } from '../common/ui';

interface Props {
  keyLabel: string | null;
  onChangeKey: () => void;
  onFinish: () => Promise<void>;
}

/** Lists models with the new key: the cheapest call that proves key, region and network. */
export function ConnectionStep({ keyLabel, onChangeKey, onFinish }: Props) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState<DeskError | null>(null);
  const [finishing, setFinishing] = useState(false);

  const test = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await testConnection();
      setCheck(result);
      setError(result.error);
    } catch (reason) {
      setCheck(null);
      setError(reason as DeskError);
    } finally {
      setBusy(false);
    }
  };

  const finish = async () => {
    setFinishing(true);
    try {
      await onFinish();
    } finally {
      setFinishing(false);
    }
  };

  return (
    <div className="sc-step" data-testid="onboarding-test">
      <h2>{t('onboarding.test.title')}</h2>
      {keyLabel ? <p className="sc-muted">{t('onboarding.test.saved', { label: keyLabel })}</p> : null}
      {check?.ok ? (
        <Notice tone="ok" testId="connection-ok">
          {t('onboarding.test.ok', { count: check.modelCount })}
        </Notice>
      ) : null}
      {error ? <Problem error={error} /> : null}
      <div className="sc-actions">
        {check?.ok ? (
          <button
            type="button"
            className="primary-button"
            data-testid="onboarding-finish"
            disabled={finishing}
            onClick={() => void finish()}
          >
            {t('onboarding.test.finish')}
          </button>
        ) : (
          <button
            type="button"
            className="primary-button"
            data-testid="connection-test"
            disabled={busy}
            aria-busy={busy || undefined}
            onClick={() => void test()}
          >
            {busy ? t('onboarding.test.testing') : error ? t('onboarding.test.again') : t('onboarding.test.run')}
          </button>
        )}
        <button type="button" className="sc-button" onClick={onChangeKey}>
          {t('onboarding.test.changeKey')}
        </button>
      </div>
    </div>
  );
}

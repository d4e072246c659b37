import { useTranslation } from 'react-i18next';

/** There is no reset: say so plainly, before anyone goes looking for one. */
export function ForgottenPassword() {
  const { t } = useTranslation();
  return (
    <details className="sc-forgot" data-testid="forgotten-password">
      <summary>{t('login.forgotTitle')}</summary>
      <p>{t('login.forgotAdmin')}</p>
      <p>{t('login.forgotPrivacy')}</p>
    </details>
  );
}

import { useTranslation } from 'react-i18next';
import type { DeskError } from '../../api/types';
import { useNow } from '../../state/useNow';
import { Problem } from '../common/ui';

interface Props {
  error: DeskError | null;
  throttledUntil: number | null;
}

/** Why a login failed: a wrong password and a throttle get plain words, anything else the doctor's. */
export function LoginFeedback({ error, throttledUntil }: Props) {
  const { t } = useTranslation();
  const now = useNow(1000);
  if (!error) return null;
  if (error.code === 'wrong_password') {
    return (
      <p className="sc-field-error" role="alert" data-testid="login-error" data-error-code={error.code}>
        {t('login.wrongPassword')}
      </p>
    );
  }
  if (error.code === 'login_throttled') {
    // The clock ticks once a second, so it may lag the refusal a little: never show more than the
    // core said.
    const told = Math.ceil((error.retryAfterMs ?? 0) / 1000);
    const seconds = Math.max(0, Math.min(told, Math.ceil(((throttledUntil ?? now) - now) / 1000)));
    return (
      <p className="sc-field-error" role="alert" data-testid="login-error" data-error-code={error.code}>
        {seconds > 0 ? t('login.throttled', { count: seconds }) : t('login.throttleOver')}
      </p>
    );
  }
  return <Problem error={error} />;
}

/** True while the core still refuses logins. */
export function useStillThrottled(throttledUntil: number | null): boolean {
  const now = useNow(1000);
  return throttledUntil !== null && throttledUntil > now;
}

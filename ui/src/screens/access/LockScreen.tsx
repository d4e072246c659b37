import { useEffect, useRef, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProfileSummary, Session } from '../../api/types';
import type { LockReason } from '../../state/session';
import { ForgottenPassword } from './ForgottenPassword';
import { LoginFeedback, useStillThrottled } from './LoginFeedback';
import { useLoginAttempt } from './useLoginAttempt';
import '../screens.css';

interface Props {
  profile: ProfileSummary;
  reason: LockReason;
  /** More than one profile: offer to sign in as someone else. */
  canSwitch: boolean;
  onUnlocked: (session: Session) => Promise<void>;
  onSwitchProfile: () => void;
}

export function LockScreen({ profile, reason, canSwitch, onUnlocked, onSwitchProfile }: Props) {
  const { t } = useTranslation();
  const { busy, error, throttledUntil, attempt, clearError } = useLoginAttempt();
  const throttled = useStillThrottled(throttledUntil);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => passwordRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const field = passwordRef.current;
    const password = field?.value ?? '';
    if (field) field.value = '';
    const session = await attempt(profile.id, password);
    if (session) await onUnlocked(session);
    else passwordRef.current?.focus();
  };

  return (
    <main className="sc-gate" data-testid="lock-screen" data-lock-reason={reason}>
      <form className="sc-gate-card" onSubmit={(e) => void submit(e)} aria-labelledby="lock-title">
        <span className="sc-avatar sc-avatar--large" aria-hidden="true">
          {profile.name.slice(0, 1).toUpperCase()}
        </span>
        <h1 id="lock-title">{t('login.lock.title', { name: profile.name })}</h1>
        <p className="sc-muted">{t(`login.lock.reason.${reason}`)}</p>
        <label className="sc-field">
          <span>{t('login.password')}</span>
          <input
            ref={passwordRef}
            type="password"
            name="password"
            autoComplete="current-password"
            data-testid="unlock-password"
            required
            onInput={clearError}
          />
        </label>
        <LoginFeedback error={error} throttledUntil={throttledUntil} />
        <div className="sc-actions">
          <button
            type="submit"
            className="primary-button"
            data-testid="unlock-submit"
            disabled={busy || throttled}
            aria-busy={busy || undefined}
          >
            {busy ? t('login.lock.unlocking') : t('login.lock.unlock')}
          </button>
          {canSwitch ? (
            <button type="button" className="sc-button" onClick={onSwitchProfile} data-testid="switch-profile">
              {t('login.lock.switchProfile')}
            </button>
          ) : null}
        </div>
        <ForgottenPassword />
      </form>
    </main>
  );
}

import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeviceStatus, Session } from '../../api/types';
import { ForgottenPassword } from './ForgottenPassword';
import { LoginFeedback, useStillThrottled } from './LoginFeedback';
import { useLoginAttempt } from './useLoginAttempt';
import '../screens.css';

interface Props {
  device: DeviceStatus;
  onSignedIn: (session: Session) => Promise<void>;
}

/** The profile picker and password login of a protected (or shared) device. */
export function LoginScreen({ device, onSignedIn }: Props) {
  const { t } = useTranslation();
  const { profiles } = device;
  // The first profile is chosen to start with: one click fewer for the usual person at this computer.
  const [chosenId, setChosenId] = useState(profiles[0]?.id ?? null);
  const chosen = profiles.find((p) => p.id === chosenId) ?? null;
  const { busy, error, throttledUntil, attempt, clearError } = useLoginAttempt();
  const throttled = useStillThrottled(throttledUntil);
  const passwordRef = useRef<HTMLInputElement>(null);
  const pickerId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen) return;
    const field = passwordRef.current;
    const password = chosen.hasPassword ? (field?.value ?? '') : null;
    // The password stays in the field no longer than the call needs it.
    if (field) field.value = '';
    const session = await attempt(chosen.id, password);
    if (session) await onSignedIn(session);
    else passwordRef.current?.focus();
  };

  return (
    <main className="sc-gate" data-testid="login-screen">
      <form className="sc-gate-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">{t('login.title')}</h1>
        <fieldset className="sc-profile-picker">
          <legend id={pickerId}>{t('login.chooseProfile')}</legend>
          {profiles.map((profile) => (
            <label key={profile.id} className="sc-profile-option" data-testid="profile-option">
              <input
                type="radio"
                name="profile"
                value={profile.id}
                checked={profile.id === chosenId}
                onChange={() => {
                  setChosenId(profile.id);
                  clearError();
                  passwordRef.current?.focus();
                }}
              />
              <span className="sc-avatar" aria-hidden="true">
                {profile.name.slice(0, 1).toUpperCase()}
              </span>
              <span className="sc-profile-name">{profile.name}</span>
              {profile.role === 'admin' ? <span className="sc-chip">{t('profiles.role.admin')}</span> : null}
            </label>
          ))}
        </fieldset>
        {chosen?.hasPassword !== false ? (
          <label className="sc-field">
            <span>{t('login.password')}</span>
            <input
              ref={passwordRef}
              type="password"
              name="password"
              autoComplete="current-password"
              data-testid="login-password"
              required
              disabled={!chosen}
              onInput={clearError}
            />
          </label>
        ) : null}
        <LoginFeedback error={error} throttledUntil={throttledUntil} />
        <button
          type="submit"
          className="primary-button"
          data-testid="login-submit"
          disabled={!chosen || busy || throttled}
          aria-busy={busy || undefined}
        >
          {busy ? t('login.signingIn') : t('login.signIn')}
        </button>
        <ForgottenPassword />
      </form>
    </main>
  );
}

import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { changePassword, deviceStatus, refreshSession } from '../../api/desk';
import type { DeskError } from '../../api/types';
import type { SessionControl } from '../../state/sessionContext';
import { Notice, Problem, Section } from '../common/ui';
import { PasswordFields, usePasswordFields, type PasswordProblem } from './PasswordFields';

/** The signed-in profile: its password, the lock, and signing out. */
export function ProfileSection({ control }: { control: SessionControl }) {
  const { t } = useTranslation();
  const { session, device } = control;
  const { profile } = session;
  const [changing, setChanging] = useState(false);
  const [done, setDone] = useState(false);

  return (
    <Section id="profile" title={t('settings.profile.title')}>
      <div className="sc-profile-card">
        <span className="sc-avatar" aria-hidden="true">
          {profile.name.slice(0, 1).toUpperCase()}
        </span>
        <div>
          <p className="sc-strong" data-testid="profile-name-shown">
            {profile.name}
          </p>
          <p className="sc-fine">
            {t(`profiles.role.${profile.role}`)}
            {profile.hasPassword ? '' : ` · ${t('settings.profile.noPassword')}`}
          </p>
        </div>
      </div>
      {!profile.hasPassword ? <Notice tone="warn">{t('settings.profile.unprotected')}</Notice> : null}
      {done ? <Notice tone="ok" testId="password-changed">{t('settings.profile.changed')}</Notice> : null}
      {changing ? (
        <ChangePasswordForm
          hasPassword={profile.hasPassword}
          onDone={async () => {
            setChanging(false);
            setDone(true);
            // The first password protects the device: both summaries change.
            const [nextDevice, nextSession] = await Promise.all([deviceStatus(), refreshSession()]);
            control.setDevice(nextDevice);
            control.setSession(nextSession);
          }}
          onCancel={() => setChanging(false)}
        />
      ) : (
        <div className="sc-actions">
          <button type="button" className="sc-button" data-testid="change-password" onClick={() => { setDone(false); setChanging(true); }}>
            {profile.hasPassword ? t('settings.profile.change') : t('settings.profile.setPassword')}
          </button>
          {profile.hasPassword ? (
            <button type="button" className="sc-button" data-testid="lock-now" onClick={() => control.lock('manual')}>
              {t('settings.profile.lock')}
              <kbd className="sc-kbd">{t('settings.profile.lockShortcut')}</kbd>
            </button>
          ) : null}
          {device.protected ? (
            <button type="button" className="sc-button" data-testid="log-out" onClick={() => void control.logout()}>
              {t('settings.profile.logout')}
            </button>
          ) : null}
        </div>
      )}
    </Section>
  );
}

function ChangePasswordForm({ hasPassword, onDone, onCancel }: { hasPassword: boolean; onDone: () => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const current = useRef<HTMLInputElement>(null);
  const [first, second, fields] = usePasswordFields();
  const [problem, setProblem] = useState<PasswordProblem>(null);
  const [error, setError] = useState<DeskError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { password, problem: found } = fields.take();
    setProblem(found);
    if (found) return;
    const old = current.current?.value ?? '';
    if (current.current) current.current.value = '';
    setBusy(true);
    setError(null);
    try {
      await changePassword(old, password);
      await onDone();
    } catch (reason) {
      setError(reason as DeskError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="sc-form" onSubmit={(e) => void submit(e)} data-testid="password-form">
      {hasPassword ? (
        <label className="sc-field">
          <span>{t('settings.profile.currentPassword')}</span>
          <input ref={current} type="password" autoComplete="current-password" required data-testid="password-current" />
        </label>
      ) : null}
      <PasswordFields first={first} second={second} problem={problem} onInput={() => setProblem(null)} testIdPrefix="password" />
      {error?.code === 'wrong_password' ? (
        <p className="sc-field-error" role="alert">
          {t('settings.profile.wrongCurrent')}
        </p>
      ) : error ? (
        <Problem error={error} />
      ) : null}
      <div className="sc-actions">
        <button type="submit" className="primary-button" disabled={busy} data-testid="password-save">
          {t('settings.profile.save')}
        </button>
        <button type="button" className="sc-button" onClick={onCancel}>
          {t('settings.cancel')}
        </button>
      </div>
    </form>
  );
}

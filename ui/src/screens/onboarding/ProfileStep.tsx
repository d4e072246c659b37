import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { createProfile, login } from '../../api/desk';
import type { DeskError, Session } from '../../api/types';
import { Problem } from '../common/ui';

export const MIN_PASSWORD_LENGTH = 8;

interface Props {
  defaultName: string;
  /** False on a device with no profile at all: someone has to own the data. */
  canSkip: boolean;
  onCreated: (session: Session) => Promise<void>;
  onSkip: () => void;
}

export function ProfileStep({ defaultName, canSkip, onCreated, onSkip }: Props) {
  const { t } = useTranslation();
  const [name, setName] = useState(defaultName);
  const [problem, setProblem] = useState<'short' | 'mismatch' | null>(null);
  const [error, setError] = useState<DeskError | null>(null);
  const [busy, setBusy] = useState(false);
  const password = useRef<HTMLInputElement>(null);
  const confirm = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const first = password.current?.value ?? '';
    const second = confirm.current?.value ?? '';
    const problemNow = first.length < MIN_PASSWORD_LENGTH ? 'short' : first !== second ? 'mismatch' : null;
    if (problemNow) {
      setProblem(problemNow);
      return;
    }
    if (password.current) password.current.value = '';
    if (confirm.current) confirm.current.value = '';
    setProblem(null);
    setError(null);
    setBusy(true);
    try {
      // The new admin profile takes over the first-use data; signing in to it replaces the
      // passwordless session.
      const created = await createProfile(name.trim(), first);
      await onCreated(await login(created.id, first));
    } catch (reason) {
      setError(reason as DeskError);
      setBusy(false);
    }
  };

  return (
    <form className="sc-step" onSubmit={(e) => void submit(e)} data-testid="onboarding-profile">
      <h2>{t('onboarding.profile.title')}</h2>
      <p className="sc-muted">{t('onboarding.profile.body')}</p>
      <label className="sc-field">
        <span>{t('onboarding.profile.name')}</span>
        <input
          type="text"
          value={name}
          required
          maxLength={60}
          autoComplete="username"
          data-testid="profile-name"
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label className="sc-field">
        <span>{t('onboarding.profile.password')}</span>
        <input
          ref={password}
          type="password"
          required
          autoComplete="new-password"
          data-testid="profile-password"
          aria-invalid={problem === 'short' || undefined}
          onInput={() => setProblem(null)}
        />
        <small className="sc-hint">{t('onboarding.profile.passwordHint', { count: MIN_PASSWORD_LENGTH })}</small>
      </label>
      <label className="sc-field">
        <span>{t('onboarding.profile.confirm')}</span>
        <input
          ref={confirm}
          type="password"
          required
          autoComplete="new-password"
          data-testid="profile-confirm"
          aria-invalid={problem === 'mismatch' || undefined}
          onInput={() => setProblem(null)}
        />
      </label>
      {problem ? (
        <p className="sc-field-error" role="alert">
          {problem === 'short'
            ? t('onboarding.profile.tooShort', { count: MIN_PASSWORD_LENGTH })
            : t('onboarding.profile.mismatch')}
        </p>
      ) : null}
      {error ? <Problem error={error} /> : null}
      <p className="sc-fine">{t('onboarding.profile.noRecovery')}</p>
      <div className="sc-actions">
        <button
          type="submit"
          className="primary-button"
          data-testid="profile-create"
          disabled={busy || name.trim() === ''}
          aria-busy={busy || undefined}
        >
          {busy ? t('onboarding.profile.creating') : t('onboarding.profile.create')}
        </button>
        {canSkip ? (
          <button type="button" className="sc-button" data-testid="profile-skip" onClick={onSkip}>
            {t('onboarding.profile.skip')}
          </button>
        ) : null}
      </div>
      {canSkip ? <p className="sc-fine">{t('onboarding.profile.skipHint')}</p> : null}
    </form>
  );
}

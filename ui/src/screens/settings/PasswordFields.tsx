import { useRef, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { MIN_PASSWORD_LENGTH } from '../onboarding/ProfileStep';

export type PasswordProblem = 'short' | 'mismatch' | null;

export interface PasswordFieldsHandle {
  /** Reads and empties both fields: the password leaves the DOM as soon as it is taken. */
  take: () => { password: string; problem: PasswordProblem };
}

/** A new password typed twice, uncontrolled so it never enters React state. */
export function usePasswordFields(): [RefObject<HTMLInputElement | null>, RefObject<HTMLInputElement | null>, PasswordFieldsHandle] {
  const first = useRef<HTMLInputElement>(null);
  const second = useRef<HTMLInputElement>(null);
  const handle: PasswordFieldsHandle = {
    take: () => {
      const password = first.current?.value ?? '';
      const repeat = second.current?.value ?? '';
      const problem: PasswordProblem = password.length < MIN_PASSWORD_LENGTH ? 'short' : password !== repeat ? 'mismatch' : null;
      if (!problem) {
        if (first.current) first.current.value = '';
        if (second.current) second.current.value = '';
      }
      return { password, problem };
    },
  };
  return [first, second, handle];
}

interface Props {
  first: RefObject<HTMLInputElement | null>;
  second: RefObject<HTMLInputElement | null>;
  problem: PasswordProblem;
  onInput: () => void;
  testIdPrefix: string;
}

export function PasswordFields({ first, second, problem, onInput, testIdPrefix }: Props) {
  const { t } = useTranslation();
  return (
    <>
      <label className="sc-field">
        <span>{t('settings.profile.newPassword')}</span>
        <input ref={first} type="password" autoComplete="new-password" required onInput={onInput} aria-invalid={problem === 'short' || undefined} data-testid={`${testIdPrefix}-new`} />
        <small className="sc-hint">{t('onboarding.profile.passwordHint', { count: MIN_PASSWORD_LENGTH })}</small>
      </label>
      <label className="sc-field">
        <span>{t('onboarding.profile.confirm')}</span>
        <input ref={second} type="password" autoComplete="new-password" required onInput={onInput} aria-invalid={problem === 'mismatch' || undefined} data-testid={`${testIdPrefix}-confirm`} />
      </label>
      {problem ? (
        <p className="sc-field-error" role="alert">
          {problem === 'short' ? t('onboarding.profile.tooShort', { count: MIN_PASSWORD_LENGTH }) : t('onboarding.profile.mismatch')}
        </p>
      ) : null}
    </>
  );
}

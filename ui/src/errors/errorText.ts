import type { TFunction } from 'i18next';
import type { ErrorCode } from '../api/types';

export interface ErrorText {
  /** What happened, in plain words. */
  title: string;
  /** What the person can do about it. */
  hint: string;
}

/** The human wording for an error code; the code itself is never shown. */
export function errorText(t: TFunction, code: ErrorCode): ErrorText {
  return { title: t(`errors.${code}.title`), hint: t(`errors.${code}.hint`) };
}

import { useCallback, useState } from 'react';
import { login } from '../../api/desk';
import type { DeskError, Session } from '../../api/types';

export interface LoginAttempt {
  busy: boolean;
  error: DeskError | null;
  /** Unix ms until which the core refuses logins (`login_throttled`), or null. */
  throttledUntil: number | null;
  attempt: (profileId: string, password: string | null) => Promise<Session | null>;
  clearError: () => void;
}

/** One login at a time; a refusal is kept to be shown, a throttle with the time it lasts. */
export function useLoginAttempt(): LoginAttempt {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const [throttledUntil, setThrottledUntil] = useState<number | null>(null);

  const attempt = useCallback(async (profileId: string, password: string | null) => {
    setBusy(true);
    setError(null);
    try {
      return await login(profileId, password);
    } catch (reason) {
      const failure = reason as DeskError;
      setError(failure);
      setThrottledUntil(
        failure.code === 'login_throttled' ? Date.now() + (failure.retryAfterMs ?? 30_000) : null,
      );
      return null;
    } finally {
      setBusy(false);
    }
  }, []);

  const clearError = useCallback(() => setError(null), []);

  return { busy, error, throttledUntil, attempt, clearError };
}

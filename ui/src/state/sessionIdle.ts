import { useEffect, useRef } from 'react';
import { refreshSession } from '../api/desk';
import type { Session } from '../api/types';
import { IDLE_CHECK_MS, idleAction, type LockReason } from './session';

// Moving the pointer counts: someone reading a long reply still moves the mouse now and then.
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

interface Options {
  session: Session;
  idleLockMinutes: number;
  onLock: (reason: LockReason) => void;
  onRefreshed: (session: Session) => void;
}

/**
 * Keeps the session alive while the user is active and locks once they have been idle for
 * `idleLockMinutes`. A failed refresh that lost the session locks through the session-lost
 * handler in desk.ts; any other failure is retried on the next check.
 */
export function useIdleLock({ session, idleLockMinutes, onLock, onRefreshed }: Options): void {
  const expiresAt = useRef(session.expiresAt);
  useEffect(() => {
    expiresAt.current = session.expiresAt;
  }, [session.expiresAt]);

  const callbacks = useRef({ onLock, onRefreshed });
  useEffect(() => {
    callbacks.current = { onLock, onRefreshed };
  }, [onLock, onRefreshed]);

  useEffect(() => {
    const started = Date.now();
    let lastActivity = started;
    let lastRefresh = started;
    let refreshing = false;
    let stopped = false;

    const markActive = () => {
      lastActivity = Date.now();
    };

    const check = () => {
      if (stopped) return;
      const now = Date.now();
      const action = idleAction({ now, lastActivity, lastRefresh, expiresAt: expiresAt.current, idleLockMinutes });
      if (action.kind === 'lock') {
        stopped = true;
        callbacks.current.onLock(action.reason);
      } else if (action.kind === 'refresh' && !refreshing) {
        refreshing = true;
        lastRefresh = now;
        refreshSession().then(
          (next) => {
            refreshing = false;
            // Known here at once, not only after the re-render the callback causes.
            expiresAt.current = next.expiresAt;
            if (!stopped) callbacks.current.onRefreshed(next);
          },
          () => {
            refreshing = false;
          },
        );
      }
    };

    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, markActive, { capture: true, passive: true });
    // Coming back to the window (or waking the machine) checks at once instead of up to a tick late.
    document.addEventListener('visibilitychange', check);
    const timer = setInterval(check, IDLE_CHECK_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', check);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, markActive, { capture: true });
    };
  }, [session.token, idleLockMinutes]);
}

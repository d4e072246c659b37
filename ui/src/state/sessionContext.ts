import { createContext, useContext } from 'react';
import type { AppStatus, DeviceStatus, Session } from '../api/types';
import type { LockReason } from './session';

/** The signed-in profile and what can be done with it, for the workspace and its screens. */
export interface SessionControl {
  session: Session;
  device: DeviceStatus;
  status: AppStatus;
  lock: (reason?: LockReason) => void;
  logout: () => Promise<void>;
  setDevice: (device: DeviceStatus) => void;
  setStatus: (status: AppStatus) => void;
  /** A refreshed session (after a password change the profile's summary changes too). */
  setSession: (session: Session) => void;
}

export const SessionContext = createContext<SessionControl | null>(null);

/** Null outside a signed-in app (a screen rendered alone in a test, say). */
export function useSession(): SessionControl | null {
  return useContext(SessionContext);
}

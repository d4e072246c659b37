import type { DeskError, DeviceStatus, ProfileSummary } from '../api/types';

/** How often the idle clock is read. Short enough that a lock is at most seconds late. */
export const IDLE_CHECK_MS = 5_000;
/** Refresh at least this long before the session runs out, so a slow call still lands in time. */
export const REFRESH_MARGIN_MS = 60_000;
/** An active user refreshes no more often than this: one call a minute is plenty. */
export const REFRESH_EVERY_MS = 60_000;

export type LockReason = 'manual' | 'idle' | 'expired';

export function isSessionLost(error: DeskError): boolean {
  return error.code === 'session_expired' || error.code === 'session_required';
}

/**
 * The profile to sign in without asking: on first use the device has one profile and no password
 * anywhere, so there is no one to ask for one.
 */
export function silentLoginProfile(device: DeviceStatus): ProfileSummary | null {
  if (device.protected || device.profiles.length !== 1) return null;
  const [only] = device.profiles;
  return only.hasPassword ? null : only;
}

export interface IdleClock {
  now: number;
  /** When the user last touched a key, the pointer or the screen. */
  lastActivity: number;
  /** When the session was last extended (or started). */
  lastRefresh: number;
  expiresAt: number;
  idleLockMinutes: number;
}

export type IdleAction = { kind: 'lock'; reason: LockReason } | { kind: 'refresh' } | { kind: 'none' };

/** What the idle watcher should do now: a pure function so the timing rules can be tested alone. */
export function idleAction(clock: IdleClock): IdleAction {
  const { now, lastActivity, lastRefresh, expiresAt, idleLockMinutes } = clock;
  if (now - lastActivity >= idleLockMinutes * 60_000) return { kind: 'lock', reason: 'idle' };
  // Past its expiry the session cannot be refreshed any more. An active user is refreshed well
  // before, so getting here means idleness, or a machine that slept through the expiry.
  if (now >= expiresAt) return { kind: 'lock', reason: lastActivity > lastRefresh ? 'expired' : 'idle' };
  const activeSinceRefresh = lastActivity > lastRefresh;
  const due = expiresAt - now <= REFRESH_MARGIN_MS || now - lastRefresh >= REFRESH_EVERY_MS;
  return activeSinceRefresh && due ? { kind: 'refresh' } : { kind: 'none' };
}

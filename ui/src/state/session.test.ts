import { describe, expect, it } from 'vitest';
import type { DeviceStatus, ProfileSummary } from '../api/types';
import { idleAction, silentLoginProfile } from './session';

const MIN = 60_000;
const clock = { now: 10 * MIN, lastActivity: 10 * MIN, lastRefresh: 9 * MIN, expiresAt: 24 * MIN, idleLockMinutes: 15 };

function profile(hasPassword: boolean): ProfileSummary {
  return { id: 'p', name: 'P', role: 'admin', hasPassword, createdAt: 0 };
}

function device(profiles: ProfileSummary[], isProtected: boolean): DeviceStatus {
  return { profiles, protected: isProtected, idleLockMinutes: 15, dataDir: '/d' };
}

describe('idleAction', () => {
  it('refreshes an active user once a minute or near the expiry', () => {
    expect(idleAction(clock)).toEqual({ kind: 'refresh' });
    expect(idleAction({ ...clock, lastRefresh: clock.now - 30_000 })).toEqual({ kind: 'none' });
    expect(idleAction({ ...clock, lastRefresh: clock.now - 30_000, expiresAt: clock.now + 30_000 })).toEqual({ kind: 'refresh' });
  });

  it('leaves an idle user alone until the idle time, then locks', () => {
    const idle = { ...clock, lastActivity: 5 * MIN, lastRefresh: 6 * MIN };
    expect(idleAction(idle)).toEqual({ kind: 'none' });
    expect(idleAction({ ...idle, now: 20 * MIN })).toEqual({ kind: 'lock', reason: 'idle' });
  });

  it('locks a session that ran out while the machine slept', () => {
    expect(idleAction({ ...clock, now: 25 * MIN, lastActivity: 24.5 * MIN })).toEqual({ kind: 'lock', reason: 'expired' });
  });
});

describe('silentLoginProfile', () => {
  it('signs in only the single passwordless profile of an unprotected device', () => {
    expect(silentLoginProfile(device([profile(false)], false))?.id).toBe('p');
    expect(silentLoginProfile(device([profile(true)], true))).toBeNull();
    expect(silentLoginProfile(device([profile(false), { ...profile(false), id: 'q' }], false))).toBeNull();
  });
});

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import {
  appStatus,
  deviceStatus,
  getSettings,
  login,
  logout as logoutCall,
  setSessionLostHandler,
  setSessionToken,
} from '../api/desk';
import { isInsideTauri } from '../api/tauriRuntime';
import type { AppStatus, DeskError, DeviceStatus, ProfileSummary, Session } from '../api/types';
import { applyAppearance } from '../screens/settings/appearance';
import { silentLoginProfile, type LockReason } from './session';

/** Where the app stands between start-up and the workspace. */
export type Gate =
  | { kind: 'loading' }
  /** Opened in a plain browser: there is no backend to ask. */
  | { kind: 'browser' }
  | { kind: 'failed'; error: DeskError }
  | { kind: 'login'; device: DeviceStatus }
  | { kind: 'locked'; device: DeviceStatus; profile: ProfileSummary; reason: LockReason }
  /** `session` is null only on a device with no profile at all, whose first step creates one. */
  | { kind: 'onboarding'; device: DeviceStatus; session: Session | null; status: AppStatus | null }
  | { kind: 'ready'; device: DeviceStatus; session: Session; status: AppStatus };

export interface SessionGate {
  gate: Gate;
  retry: () => void;
  /** A login or unlock succeeded. */
  signedIn: (session: Session) => Promise<void>;
  /** Onboarding created the first protected profile, or its key made the app ready. */
  replaceSession: (session: Session) => Promise<void>;
  finishSetup: (status: AppStatus) => void;
  lock: (reason: LockReason) => void;
  logout: () => Promise<void>;
  /** From the lock screen: back to the profile picker. */
  switchProfile: () => void;
  setDevice: (device: DeviceStatus) => void;
  setStatus: (status: AppStatus) => void;
  setSession: (session: Session) => void;
}

async function openSession(device: DeviceStatus, session: Session): Promise<Gate> {
  setSessionToken(session.token);
  const [status, settings] = await Promise.all([appStatus(), getSettings().catch(() => null)]);
  // A profile's language and theme are part of it: they follow it in, whoever used the app before.
  if (settings) await applyAppearance(settings);
  return status.mode === 'needs_setup'
    ? { kind: 'onboarding', device, session, status }
    : { kind: 'ready', device, session, status };
}

async function bootGate(): Promise<Gate> {
  const device = await deviceStatus();
  if (device.profiles.length === 0) return { kind: 'onboarding', device, session: null, status: null };
  const silent = silentLoginProfile(device);
  if (!silent) return { kind: 'login', device };
  return openSession(device, await login(silent.id, null));
}

const failed = (error: unknown): Gate => ({ kind: 'failed', error: error as DeskError });

/** The boot flow: device status, silent first-use login or the login screen, onboarding, lock. */
export function useSessionGate(): SessionGate {
  const [gate, setGate] = useState<Gate>(() => (isInsideTauri() ? { kind: 'loading' } : { kind: 'browser' }));
  const [attempt, setAttempt] = useState(0);
  // Each transition bumps the generation; an answer from an older one is dropped, so a slow boot
  // cannot overwrite a lock that happened meanwhile.
  const generation = useRef(0);
  const current = useRef(gate);
  // Updated in the commit itself: a lock (Ctrl+L, an expired call) arriving before passive
  // effects ran would otherwise read the previous gate and be ignored.
  useLayoutEffect(() => {
    current.current = gate;
  }, [gate]);

  const settle = useCallback((work: Promise<Gate>) => {
    const mine = ++generation.current;
    return work.then(
      (next) => {
        if (mine === generation.current) setGate(next);
      },
      (error: unknown) => {
        if (mine === generation.current) setGate(failed(error));
      },
    );
  }, []);

  useEffect(() => {
    if (!isInsideTauri()) return;
    void settle(bootGate());
  }, [attempt, settle]);

  const retry = useCallback(() => {
    generation.current++;
    setGate({ kind: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  const signedIn = useCallback(
    (session: Session) => {
      const g = current.current;
      if (!('device' in g)) return Promise.resolve();
      return settle(openSession(g.device, session));
    },
    [settle],
  );

  const replaceSession = useCallback(
    (session: Session) => settle(deviceStatus().then((device) => openSession(device, session))),
    [settle],
  );

  const finishSetup = useCallback((status: AppStatus) => {
    const g = current.current;
    if (g.kind !== 'onboarding' || g.session === null) return;
    generation.current++;
    setGate({ kind: 'ready', device: g.device, session: g.session, status });
  }, []);

  const relogging = useRef(false);
  const lock = useCallback(
    (reason: LockReason) => {
      const g = current.current;
      if ((g.kind !== 'ready' && g.kind !== 'onboarding') || g.session === null) return;
      const { profile } = g.session;
      if (profile.hasPassword) {
        setSessionToken(null);
        generation.current++;
        setGate({ kind: 'locked', device: g.device, profile, reason });
        return;
      }
      // Nothing to unlock with: a passwordless profile simply signs in again, once, however many
      // calls failed together.
      if (relogging.current) return;
      relogging.current = true;
      setSessionToken(null);
      login(profile.id, null).then(
        (session) => {
          relogging.current = false;
          setSessionToken(session.token);
          setGate((now) => (now.kind === 'ready' || now.kind === 'onboarding' ? { ...now, session } : now));
        },
        () => {
          // The profile got a password meanwhile (or is gone): start over from the device.
          relogging.current = false;
          void settle(bootGate());
        },
      );
    },
    [settle],
  );

  const logout = useCallback(async () => {
    await logoutCall().catch(() => null); // the token is dropped either way
    setSessionToken(null);
    await settle(bootGate());
  }, [settle]);

  const switchProfile = useCallback(() => {
    const g = current.current;
    if (g.kind !== 'locked') return;
    generation.current++;
    setGate({ kind: 'login', device: g.device });
  }, []);

  const setDevice = useCallback((device: DeviceStatus) => {
    setGate((g) => ('device' in g ? { ...g, device } : g));
  }, []);

  const setStatus = useCallback((status: AppStatus) => {
    setGate((g) => (g.kind === 'ready' || g.kind === 'onboarding' ? { ...g, status } : g));
  }, []);

  const setSession = useCallback((session: Session) => {
    setSessionToken(session.token);
    setGate((g) => (g.kind === 'ready' || g.kind === 'onboarding' ? { ...g, session } : g));
  }, []);

  useEffect(() => {
    setSessionLostHandler(() => lock('expired'));
    return () => setSessionLostHandler(null);
  }, [lock]);

  return {
    gate,
    retry,
    signedIn,
    replaceSession,
    finishSetup,
    lock,
    logout,
    switchProfile,
    setDevice,
    setStatus,
    setSession,
  };
}

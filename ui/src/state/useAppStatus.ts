import { useCallback, useEffect, useState } from 'react';
import { appStatus, startDemo } from '../api/desk';
import { isInsideTauri } from '../api/tauriRuntime';
import type { AppStatus, DeskError } from '../api/types';

export type Boot =
  | { phase: 'loading' }
  /** Opened in a plain browser: there is no backend to ask. */
  | { phase: 'browser' }
  | { phase: 'ready'; status: AppStatus }
  | { phase: 'failed'; error: DeskError };

export interface AppStatusControl {
  boot: Boot;
  demoStarting: boolean;
  retry: () => void;
  startDemo: () => Promise<void>;
}

export function useAppStatus(notify: (error: DeskError) => void): AppStatusControl {
  const [boot, setBoot] = useState<Boot>(() =>
    isInsideTauri() ? { phase: 'loading' } : { phase: 'browser' },
  );
  const [attempt, setAttempt] = useState(0);
  const [demoStarting, setDemoStarting] = useState(false);

  useEffect(() => {
    if (!isInsideTauri()) return;
    let current = true;
    appStatus().then(
      (status) => current && setBoot({ phase: 'ready', status }),
      (error: DeskError) => current && setBoot({ phase: 'failed', error }),
    );
    return () => {
      current = false;
    };
  }, [attempt]);

  const retry = useCallback(() => {
    setBoot({ phase: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  const beginDemo = useCallback(async () => {
    setDemoStarting(true);
    try {
      const status = await startDemo();
      setBoot({ phase: 'ready', status });
    } catch (error) {
      notify(error as DeskError);
    } finally {
      setDemoStarting(false);
    }
  }, [notify]);

  return { boot, demoStarting, retry, startDemo: beginDemo };
}

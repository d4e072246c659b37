import { useCallback, useLayoutEffect, useMemo, type ComponentType, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppStatus, DeskError, DeviceStatus, Session } from './api/types';
import { ErrorExplanation } from './components/ErrorExplanation';
import { Toasts } from './components/Toasts';
import { WelcomePanel } from './components/WelcomePanel';
import { Workspace } from './components/Workspace';
import { LockScreen } from './screens/access/LockScreen';
import { LoginScreen } from './screens/access/LoginScreen';
import { RecoverDatabase } from './screens/access/RecoverDatabase';
import { Onboarding } from './screens/onboarding/Onboarding';
import { isSessionLost, type LockReason } from './state/session';
import { SessionContext, type SessionControl } from './state/sessionContext';
import { useSessionGate, type Gate } from './state/sessionGate';
import { useIdleLock } from './state/sessionIdle';
import { useToasts } from './state/useToasts';

export interface WorkspaceProps {
  status: AppStatus;
  notify: (error: DeskError) => void;
}

interface Props {
  /** What a signed-in, set-up app shows; the chat workspace unless a harness swaps in one screen. */
  workspace?: ComponentType<WorkspaceProps>;
}

export function App({ workspace: Main = Workspace }: Props) {
  const { t } = useTranslation();
  const { toasts, notify: toast, dismiss } = useToasts();
  const control = useSessionGate();
  const { gate } = control;

  // A lost session shows the lock screen, which says why; a toast on top would only repeat it.
  const notify = useCallback(
    (error: DeskError) => {
      if (!isSessionLost(error)) toast(error);
    },
    [toast],
  );

  let body: ReactNode;
  switch (gate.kind) {
    case 'loading':
      body = (
        <div className="boot" role="status">
          {t('app.starting')}
        </div>
      );
      break;
    case 'browser':
      body = <WelcomePanel backendAvailable={false} demoStarting={false} onStartDemo={() => undefined} />;
      break;
    case 'failed':
      body =
        gate.error.code === 'database_corrupt' ? (
          <RecoverDatabase error={gate.error} onRestored={control.retry} />
        ) : (
          <BootFailure error={gate.error} onRetry={control.retry} />
        );
      break;
    case 'login':
      body = <LoginScreen device={gate.device} onSignedIn={control.signedIn} />;
      break;
    case 'locked':
      body = (
        <LockScreen
          profile={gate.profile}
          reason={gate.reason}
          canSwitch={gate.device.profiles.length > 1}
          onUnlocked={control.signedIn}
          onSwitchProfile={control.switchProfile}
        />
      );
      break;
    case 'onboarding': {
      const onboarding = (
        <Onboarding
          device={gate.device}
          session={gate.session}
          onSessionReplaced={control.replaceSession}
          onReady={control.finishSetup}
        />
      );
      body =
        gate.session === null ? (
          onboarding
        ) : (
          <SignedIn gate={{ ...gate, session: gate.session }} control={control} status={gate.status}>
            {onboarding}
          </SignedIn>
        );
      break;
    }
    case 'ready':
      body = (
        <SignedIn gate={gate} control={control} status={gate.status}>
          <Main status={gate.status} notify={notify} />
        </SignedIn>
      );
      break;
  }

  return (
    <div className="app" data-mode={modeOf(gate)} data-gate={gate.kind} data-runtime={gate.kind === 'browser' ? 'browser' : 'tauri'}>
      {body}
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}

/** `needs_setup` outside the app too: the welcome panel it shows is the setup screen. */
function modeOf(gate: Gate): AppStatus['mode'] | undefined {
  if (gate.kind === 'browser') return 'needs_setup';
  if (gate.kind === 'onboarding') return 'needs_setup';
  if (gate.kind === 'ready') return gate.status.mode;
  return undefined;
}

interface SignedInProps {
  gate: { device: DeviceStatus; session: Session };
  status: AppStatus | null;
  control: ReturnType<typeof useSessionGate>;
  children: ReactNode;
}

/** Everything a session needs while it lasts: the idle lock, Ctrl/Cmd+L, and the context. */
function SignedIn({ gate, status, control, children }: SignedInProps) {
  const { device, session } = gate;
  const { lock, logout, setDevice, setStatus, setSession } = control;
  const canLock = session.profile.hasPassword;

  useIdleLock({ session, idleLockMinutes: device.idleLockMinutes, onLock: lock, onRefreshed: setSession });

  // A layout effect, so the shortcut is live from the commit that shows the workspace:
  // a passive effect could run after the first key press.
  useLayoutEffect(() => {
    if (!canLock) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'l') {
        event.preventDefault();
        lock('manual');
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [canLock, lock]);

  const value = useMemo<SessionControl | null>(
    () =>
      status === null
        ? null
        : {
            session,
            device,
            status,
            lock: (reason: LockReason = 'manual') => lock(reason),
            logout,
            setDevice,
            setStatus,
            setSession,
          },
    [session, device, status, lock, logout, setDevice, setStatus, setSession],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function BootFailure({ error, onRetry }: { error: DeskError; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <main className="welcome">
      <section className="welcome-card" role="alert">
        <h1>{t('app.backendFailed')}</h1>
        <ErrorExplanation code={error.code} detail={error.message} requestId={error.requestId} />
        <button type="button" className="primary-button" onClick={onRetry} aria-label={t('app.retry')}>
          {t('app.retry')}
        </button>
      </section>
    </main>
  );
}

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { appStatus, getEndpoint, setEndpoint, startDemo } from '../../api/desk';
import type { AppStatus, DeskError, DeviceStatus, Session } from '../../api/types';
import { ApiKeyForm } from '../common/ApiKeyForm';
import { slotFor } from '../common/keySlots';
import { SlotPicker, slotChoiceValid, type SlotChoice } from '../common/SlotPicker';
import { Notice, Problem } from '../common/ui';
import { ConnectionStep } from './ConnectionStep';
import { ProfileStep } from './ProfileStep';
import '../screens.css';

type Step = 'profile' | 'region' | 'key' | 'test';

interface Props {
  device: DeviceStatus;
  /** Null only on a device with no profile yet. */
  session: Session | null;
  /** The new admin profile replaces the passwordless one of first use. */
  onSessionReplaced: (session: Session) => Promise<void>;
  onReady: (status: AppStatus) => void;
}

function firstStep(device: DeviceStatus, session: Session | null): Step {
  return session === null || (!device.protected && !session.profile.hasPassword) ? 'profile' : 'region';
}

/** First run: a protected profile (or not yet), the region, the key, a test; or the demo. */
export function Onboarding({ device, session, onSessionReplaced, onReady }: Props) {
  const { t } = useTranslation();
  const [step, setStep] = useState<Step>(() => firstStep(device, session));
  const [choice, setChoice] = useState<SlotChoice>({ region: 'beijing', workspace: null });
  const [keyLabel, setKeyLabel] = useState<string | null>(null);
  const [slotMismatch, setSlotMismatch] = useState<string | null>(null);
  const [demoBusy, setDemoBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const steps: Step[] = firstStep(device, session) === 'profile' ? ['profile', 'region', 'key', 'test'] : ['region', 'key', 'test'];

  const demo = async () => {
    setDemoBusy(true);
    setError(null);
    try {
      onReady(await startDemo());
    } catch (reason) {
      setError(reason as DeskError);
      setDemoBusy(false);
    }
  };

  const finish = async () => {
    setError(null);
    try {
      const status = await appStatus();
      if (status.mode === 'needs_setup') setError({ code: 'missing_api_key', message: '', dashscopeCode: null, requestId: null, retryAfterMs: null });
      else onReady(status);
    } catch (reason) {
      setError(reason as DeskError);
    }
  };

  // The profile's requests go to the chosen region (or workspace) from now on, unless the
  // environment fixed the endpoint, which the app cannot override.
  const chooseRegion = async () => {
    setError(null);
    try {
      const current = await getEndpoint();
      if (!current.fromEnvironment) await setEndpoint(slotFor(choice.region), choice.workspace?.trim() || null);
      setStep('key');
    } catch (reason) {
      setError(reason as DeskError);
    }
  };

  const index = steps.indexOf(step);

  return (
    <main className="sc-gate sc-gate--wide" data-testid="onboarding" data-step={step}>
      <div className="sc-gate-card">
        <h1>{t('onboarding.title')}</h1>
        <ol className="sc-stepper" aria-label={t('onboarding.progress')}>
          {steps.map((s, i) => (
            <li key={s} data-state={i < index ? 'done' : i === index ? 'current' : 'next'} aria-current={i === index ? 'step' : undefined}>
              {t(`onboarding.steps.${s}`)}
            </li>
          ))}
        </ol>

        {step === 'profile' ? (
          <ProfileStep
            defaultName={session?.profile.name ?? ''}
            canSkip={session !== null}
            onCreated={async (created) => {
              await onSessionReplaced(created);
              setStep('region');
            }}
            onSkip={() => setStep('region')}
          />
        ) : null}

        {step === 'region' ? (
          <div className="sc-step" data-testid="onboarding-region">
            <h2>{t('onboarding.region.title')}</h2>
            <p className="sc-muted">{t('onboarding.region.body')}</p>
            <SlotPicker variant="cards" value={choice} onChange={setChoice} />
            <div className="sc-actions">
              <button
                type="button"
                className="primary-button"
                data-testid="region-next"
                disabled={!slotChoiceValid(choice) || choice.workspace?.trim() === ''}
                onClick={() => void chooseRegion()}
              >
                {t('onboarding.next')}
              </button>
            </div>
          </div>
        ) : null}

        {step === 'key' ? (
          <div className="sc-step" data-testid="onboarding-key">
            <h2>{t('onboarding.key.title')}</h2>
            <p className="sc-muted">{t('onboarding.key.body')}</p>
            <ApiKeyForm
              slot={slotFor(choice.region, choice.workspace)}
              submitLabel={t('onboarding.key.save')}
              onSaved={(status) => {
                const wanted = slotFor(choice.region, choice.workspace);
                setKeyLabel(status.slot === wanted ? status.label : null);
                // The core uses the key of its configured slot; a key for another one is kept,
                // but the app cannot use it until that slot is configured.
                setSlotMismatch(status.slot === wanted ? null : status.slot);
                setStep('test');
              }}
            />
            <button type="button" className="sc-link-button" onClick={() => setStep('region')}>
              {t('onboarding.back')}
            </button>
          </div>
        ) : null}

        {step === 'test' ? (
          <>
            {slotMismatch ? (
              <Notice tone="warn" testId="slot-mismatch">
                {t('onboarding.key.otherSlot', { slot: slotMismatch })}
              </Notice>
            ) : null}
            <ConnectionStep keyLabel={keyLabel} onChangeKey={() => setStep('key')} onFinish={finish} />
          </>
        ) : null}

        {error ? <Problem error={error} /> : null}

        <aside className="sc-demo-offer" aria-labelledby="demo-offer-title">
          <h2 id="demo-offer-title">{t('onboarding.demo.title')}</h2>
          <p className="sc-muted">{t('onboarding.demo.body')}</p>
          <button
            type="button"
            className="sc-button"
            data-testid="start-demo"
            disabled={demoBusy}
            aria-busy={demoBusy || undefined}
            onClick={() => void demo()}
          >
            {demoBusy ? t('onboarding.demo.starting') : t('onboarding.demo.start')}
          </button>
        </aside>
      </div>
    </main>
  );
}

import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiKeyStatus, appStatus, removeApiKey, testConnection } from '../../api/desk';
import type { ApiKeyStatus, ConnectionCheck, DeskError } from '../../api/types';
import type { SessionControl } from '../../state/sessionContext';
import { ApiKeyForm } from '../common/ApiKeyForm';
import { ConfirmAction } from '../common/ConfirmAction';
import { slotFor, slotTarget } from '../common/keySlots';
import { SlotPicker, slotChoiceValid, type SlotChoice } from '../common/SlotPicker';
import { Notice, Problem, Section } from '../common/ui';
import { EndpointPanel } from './EndpointPanel';

function useSlotName() {
  const { t } = useTranslation();
  return (slot: string) => {
    const target = slotTarget(slot);
    if (target.kind === 'region') return t(`apiKeys.regions.${target.region}.name`);
    if (target.kind === 'workspace') return t('apiKeys.workspaceNamed', { id: target.id });
    return slot;
  };
}

/** The API key of each region or workspace: only ever its masked label. */
export function KeysSection({ control, notify }: { control: SessionControl | null; notify: (error: DeskError) => void }) {
  const { t } = useTranslation();
  const slotName = useSlotName();
  const [status, setStatus] = useState<ApiKeyStatus | null>(null);
  const [choice, setChoice] = useState<SlotChoice>({ region: 'beijing', workspace: null });
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [testError, setTestError] = useState<DeskError | null>(null);
  const [testing, setTesting] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    apiKeyStatus().then(
      (s) => {
        if (!live) return;
        setStatus(s);
        const target = slotTarget(s.slot);
        if (target.kind === 'region') setChoice({ region: target.region, workspace: null });
        if (target.kind === 'workspace') setChoice((c) => ({ ...c, workspace: target.id }));
      },
      (error: DeskError) => live && notify(error),
    );
    return () => {
      live = false;
    };
  }, [notify]);

  // A key set or removed for the configured slot takes the app live or back to setup.
  const syncStatus = async () => {
    const [keys, app] = await Promise.all([apiKeyStatus(), appStatus()]);
    setStatus(keys);
    control?.setStatus(app);
  };

  // Requests now go elsewhere: the key in use is another slot's, and setting a key starts there.
  // Without a key there, the app stays as it is until one is set below (not thrown back to setup).
  const endpointChanged = async () => {
    const keys = await apiKeyStatus();
    setStatus(keys);
    setMessage(null);
    const target = slotTarget(keys.slot);
    if (target.kind === 'region') setChoice({ region: target.region, workspace: null });
    if (target.kind === 'workspace') setChoice((c) => ({ ...c, workspace: target.id }));
    if (keys.configured) control?.setStatus(await appStatus());
  };

  const slot = slotChoiceValid(choice) && choice.workspace?.trim() !== '' ? slotFor(choice.region, choice.workspace) : null;

  const test = async () => {
    setTesting(true);
    setTestError(null);
    setCheck(null);
    try {
      const result = await testConnection();
      setCheck(result);
      setTestError(result.error);
    } catch (reason) {
      setTestError(reason as DeskError);
    } finally {
      setTesting(false);
    }
  };

  return (
    <Section id="keys" title={t('settings.keys.title')} description={t('settings.keys.description')}>
      {status ? (
        <div className="sc-key-status" data-testid="key-status">
          <dl className="sc-facts">
            <div>
              <dt>{t('settings.keys.inUse')}</dt>
              <dd>{slotName(status.slot)}</dd>
            </div>
            <div>
              <dt>{t('settings.keys.key')}</dt>
              <dd className="sc-mono" data-testid="key-label">
                {status.label ?? t('settings.keys.none')}
              </dd>
            </div>
            <div>
              <dt>{t('settings.keys.source')}</dt>
              <dd>{t(`settings.keys.sources.${status.source}`)}</dd>
            </div>
            <div>
              <dt>{t('settings.keys.store')}</dt>
              <dd>{status.store ? t(`settings.keys.stores.${status.store}`) : t('settings.keys.noStore')}</dd>
            </div>
          </dl>
          {status.source === 'environment' ? <Notice tone="info">{t('settings.keys.environment')}</Notice> : null}
          {status.storeError ? <Problem error={status.storeError} /> : null}
          <div className="sc-actions">
            <button type="button" className="sc-button" disabled={testing || !status.configured} onClick={() => void test()} data-testid="key-test">
              {testing ? t('onboarding.test.testing') : t('settings.keys.test')}
            </button>
          </div>
          {check?.ok ? <Notice tone="ok" testId="connection-ok">{t('onboarding.test.ok', { count: check.modelCount })}</Notice> : null}
          {testError ? <Problem error={testError} /> : null}
        </div>
      ) : null}

      <EndpointPanel keyStatus={status} onChanged={endpointChanged} notify={notify} />

      <h3 className="sc-subtitle">{t('settings.keys.setTitle')}</h3>
      <SlotPicker variant="compact" value={choice} onChange={setChoice} />
      {message ? <Notice tone="ok" testId="key-message">{message}</Notice> : null}
      {slot ? (
        <>
          <ApiKeyForm
            slot={slot}
            submitLabel={t('settings.keys.save', { slot: slotName(slot) })}
            onSaved={(saved) => {
              setMessage(t('settings.keys.saved', { slot: slotName(slot) }));
              setStatus(saved);
              void syncStatus().catch(notify);
            }}
          />
          <ConfirmAction
            label={t('settings.keys.remove', { slot: slotName(slot) })}
            confirmLabel={t('settings.keys.removeConfirm')}
            danger
            testId="key-remove"
            warning={<p>{t('settings.keys.removeWarning', { slot: slotName(slot) })}</p>}
            onConfirm={async () => {
              try {
                const removed = await removeApiKey(slot);
                setMessage(removed ? t('settings.keys.removed', { slot: slotName(slot) }) : t('settings.keys.nothingToRemove', { slot: slotName(slot) }));
                await syncStatus();
              } catch (error) {
                notify(error as DeskError);
              }
            }}
          />
        </>
      ) : null}
    </Section>
  );
}

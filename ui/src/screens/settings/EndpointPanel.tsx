import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { apiKeyStatuses, getEndpoint, setEndpoint } from '../../api/desk';
import type { ApiKeyStatus, DeskError, EndpointChoice, Region } from '../../api/types';
import { REGIONS, isWorkspaceId, slotFor, slotTarget } from '../common/keySlots';
import { Notice, Problem } from '../common/ui';

interface Props {
  /** The key status of the slot in use: when it changes (a key saved or removed), the list follows. */
  keyStatus: ApiKeyStatus | null;
  /** The endpoint moved: the key in use and the app's mode may have changed. */
  onChanged: () => Promise<void>;
  notify: (error: DeskError) => void;
}

/** Slots may carry the profile (`cn-beijing@<profile>`); the place is what counts. */
function sameSlot(a: string, b: string): boolean {
  return a.split('@')[0] === b.split('@')[0];
}

function regionOf(id: string | null): Region | null {
  if (id === null) return null;
  const target = slotTarget(id);
  return target.kind === 'region' ? target.region : null;
}

/** Where requests go (region and workspace), and every region's key, masked. */
export function EndpointPanel({ keyStatus, onChanged, notify }: Props) {
  const { t } = useTranslation();
  const [endpoint, setEndpointState] = useState<EndpointChoice | null>(null);
  const [statuses, setStatuses] = useState<ApiKeyStatus[] | null>(null);
  const [region, setRegion] = useState<Region>('beijing');
  const [workspace, setWorkspace] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    getEndpoint().then(
      (choice) => {
        if (!live) return;
        setEndpointState(choice);
        setRegion(regionOf(choice.region) ?? 'beijing');
        setWorkspace(choice.workspace);
      },
      (reason: DeskError) => live && notify(reason),
    );
    return () => {
      live = false;
    };
  }, [notify]);

  useEffect(() => {
    let live = true;
    apiKeyStatuses().then(
      (list) => live && setStatuses(list),
      (reason: DeskError) => live && notify(reason),
    );
    return () => {
      live = false;
    };
  }, [keyStatus, endpoint, notify]);

  const locked = endpoint?.fromEnvironment ?? true;
  const workspaceInvalid = workspace !== null && workspace.trim() !== '' && !isWorkspaceId(workspace);
  const chosenWorkspace = workspace === null || workspace.trim() === '' ? null : workspace.trim();
  const unchanged =
    endpoint !== null && regionOf(endpoint.region) === region && (endpoint.workspace ?? null) === chosenWorkspace;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (locked || workspaceInvalid || busy) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      setEndpointState(await setEndpoint(slotFor(region), chosenWorkspace));
      setSaved(true);
      await onChanged();
    } catch (reason) {
      setError(reason as DeskError);
    } finally {
      setBusy(false);
    }
  };

  const slotName = (slot: string) => {
    const target = slotTarget(slot);
    if (target.kind === 'region') return t(`apiKeys.regions.${target.region}.name`);
    if (target.kind === 'workspace') return t('apiKeys.workspaceNamed', { id: target.id });
    return slot;
  };

  return (
    <div className="sc-subsection" data-testid="endpoint-panel">
      <h3 className="sc-subtitle">{t('settings.endpoint.title')}</h3>
      {endpoint ? (
        <dl className="sc-facts">
          <div>
            <dt>{t('settings.endpoint.region')}</dt>
            <dd data-testid="endpoint-region-name">
              {regionOf(endpoint.region) ? t(`apiKeys.regions.${regionOf(endpoint.region)!}.name`) : t('settings.endpoint.custom')}
            </dd>
          </div>
          <div>
            <dt>{t('settings.endpoint.workspace')}</dt>
            <dd>{endpoint.workspace ?? t('settings.endpoint.noWorkspace')}</dd>
          </div>
          <div>
            <dt>{t('settings.endpoint.address')}</dt>
            <dd className="sc-mono" data-testid="endpoint-base-url">
              {endpoint.baseUrl}
            </dd>
          </div>
        </dl>
      ) : null}
      {endpoint?.fromEnvironment ? (
        <Notice tone="info" testId="endpoint-environment">
          {t('settings.endpoint.fromEnvironment')}
        </Notice>
      ) : null}
      <form className="sc-form" onSubmit={(e) => void save(e)} aria-label={t('settings.endpoint.title')}>
        <fieldset disabled={locked || busy} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <legend className="sr-only">{t('settings.endpoint.title')}</legend>
          <div className="sc-field-row">
            <label className="sc-field">
              <span>{t('settings.endpoint.region')}</span>
              <select value={region} data-testid="endpoint-region" onChange={(e) => setRegion(e.target.value as Region)}>
                {REGIONS.map((r) => (
                  <option key={r} value={r}>
                    {t(`apiKeys.regions.${r}.name`)} · {t(`apiKeys.regions.${r}.detail`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="sc-field">
              <span>{t('settings.endpoint.workspaceOptional')}</span>
              <input
                type="text"
                value={workspace ?? ''}
                spellCheck={false}
                autoComplete="off"
                placeholder="ws-…"
                aria-invalid={workspaceInvalid || undefined}
                data-testid="endpoint-workspace"
                onChange={(e) => setWorkspace(e.target.value === '' ? null : e.target.value)}
              />
              <small className={workspaceInvalid ? 'sc-field-error' : 'sc-hint'}>
                {workspaceInvalid ? t('apiKeys.workspaceInvalid') : t('settings.endpoint.workspaceHint')}
              </small>
            </label>
          </div>
        </fieldset>
        {error ? <Problem error={error} /> : null}
        <div className="sc-actions">
          <button
            type="submit"
            className="sc-button"
            data-testid="endpoint-save"
            disabled={locked || busy || workspaceInvalid || unchanged}
            aria-busy={busy || undefined}
          >
            {t('settings.endpoint.save')}
          </button>
          {saved && unchanged ? (
            <span className="sc-saved" role="status" data-testid="endpoint-saved">
              {t('settings.saved')}
            </span>
          ) : null}
        </div>
      </form>
      {saved && endpoint && keyStatus && sameSlot(keyStatus.slot, endpoint.keySlot) && !keyStatus.configured ? (
        <Notice tone="warn" testId="endpoint-no-key">
          {t('settings.endpoint.noKey', { slot: slotName(endpoint.keySlot) })}
        </Notice>
      ) : null}

      {statuses ? (
        <>
          <h3 className="sc-subtitle">{t('settings.endpoint.keysTitle')}</h3>
          <ul className="sc-list" data-testid="region-keys" aria-label={t('settings.endpoint.keysTitle')}>
            {statuses.map((s) => (
              <li key={s.slot} className="sc-list-item" data-testid="region-key" data-slot={s.slot}>
                <div className="sc-list-main">
                  <p className="sc-strong">
                    {slotName(s.slot)}
                    {endpoint && sameSlot(endpoint.keySlot, s.slot) ? <span className="sc-chip sc-chip--ok">{t('settings.endpoint.inUse')}</span> : null}
                  </p>
                  <p className="sc-fine">{t(`settings.keys.sources.${s.source}`)}</p>
                </div>
                <span className="sc-mono" data-testid="region-key-label">
                  {s.label ?? t('settings.keys.none')}
                </span>
                {s.storeError ? <Problem error={s.storeError} /> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { Region } from '../../api/types';
import { REGIONS, isWorkspaceId } from './keySlots';

export interface SlotChoice {
  region: Region;
  /** Null for the region's own key; text (possibly still being typed) for a workspace's. */
  workspace: string | null;
}

interface Props {
  value: SlotChoice;
  onChange: (value: SlotChoice) => void;
  /** Cards with explanations (onboarding) or a compact select (settings). */
  variant: 'cards' | 'compact';
}

export function slotChoiceValid(choice: SlotChoice): boolean {
  return choice.workspace === null || isWorkspaceId(choice.workspace);
}

/** Which key a key belongs to: a region's, or one workspace's within a region. */
export function SlotPicker({ value, onChange, variant }: Props) {
  const { t } = useTranslation();
  const name = useId();
  const workspaceInvalid = value.workspace !== null && value.workspace.trim() !== '' && !isWorkspaceId(value.workspace);

  return (
    <div className="sc-slot-picker" data-variant={variant}>
      {variant === 'cards' ? (
        <fieldset className="sc-choice-cards">
          <legend>{t('apiKeys.region')}</legend>
          {REGIONS.map((region) => (
            <label key={region} className="sc-choice-card" data-testid={`region-${region}`}>
              <input
                type="radio"
                name={name}
                value={region}
                checked={value.region === region}
                onChange={() => onChange({ ...value, region })}
              />
              <span className="sc-choice-title">{t(`apiKeys.regions.${region}.name`)}</span>
              <span className="sc-choice-detail">{t(`apiKeys.regions.${region}.detail`)}</span>
            </label>
          ))}
        </fieldset>
      ) : (
        <label className="sc-field">
          <span>{t('apiKeys.region')}</span>
          <select
            value={value.region}
            data-testid="key-region"
            onChange={(e) => onChange({ ...value, region: e.target.value as Region })}
          >
            {REGIONS.map((region) => (
              <option key={region} value={region}>
                {t(`apiKeys.regions.${region}.name`)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="sc-check">
        <input
          type="checkbox"
          checked={value.workspace !== null}
          data-testid="use-workspace"
          onChange={(e) => onChange({ ...value, workspace: e.target.checked ? '' : null })}
        />
        <span>{t('apiKeys.useWorkspace')}</span>
      </label>
      {value.workspace !== null ? (
        <label className="sc-field">
          <span>{t('apiKeys.workspaceId')}</span>
          <input
            type="text"
            value={value.workspace}
            spellCheck={false}
            autoComplete="off"
            placeholder="ws-…"
            aria-invalid={workspaceInvalid || undefined}
            data-testid="workspace-id"
            onChange={(e) => onChange({ ...value, workspace: e.target.value })}
          />
          <small className="sc-hint">{workspaceInvalid ? t('apiKeys.workspaceInvalid') : t('apiKeys.workspaceHint')}</small>
        </label>
      ) : null}
    </div>
  );
}

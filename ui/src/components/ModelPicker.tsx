import { memo, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { Assistant } from '../api/types';
import type { ModelGroup } from '../state/useModels';

interface Props {
  groups: readonly ModelGroup[];
  /** Bailian Apps, chosen as `app:<appId>` models. */
  assistants?: readonly Assistant[];
  value: string;
  onChange: (model: string) => void;
  selectRef?: Ref<HTMLSelectElement>;
}

/** The chat models by family, then the assistants; a model the list does not know (an old
 * conversation's) stays selectable. */
function ModelPickerView({ groups, assistants = [], value, onChange, selectRef }: Props) {
  const { t } = useTranslation();
  const known = groups.some((g) => g.models.some((m) => m.id === value)) || assistants.some((a) => a.model === value);
  const grouped = groups.length > 1 || assistants.length > 0;
  return (
    <select
      ref={selectRef}
      className="model-select"
      data-testid="model-picker"
      aria-label={t('chat.chooseModel')}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    >
      {known ? null : <option value={value}>{value}</option>}
      {groups.map((group) =>
        !grouped ? (
          group.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))
        ) : (
          <optgroup key={group.family} label={group.family}>
            {group.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </optgroup>
        ),
      )}
      {assistants.length > 0 ? (
        <optgroup label={t('assistants.group')} data-testid="assistant-options">
          {assistants.map((a) => (
            <option key={a.appId} value={a.model}>
              {a.name}
            </option>
          ))}
        </optgroup>
      ) : null}
    </select>
  );
}

export const ModelPicker = memo(ModelPickerView);

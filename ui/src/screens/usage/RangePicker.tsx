import { useTranslation } from 'react-i18next';
import type { RangePreset } from './dateRange';

const PRESETS: RangePreset[] = ['7d', '30d', 'month', 'custom'];

interface Props {
  preset: RangePreset;
  from: string;
  to: string;
  onPreset: (preset: RangePreset) => void;
  onCustom: (from: string, to: string) => void;
  invalid: boolean;
}

export function RangePicker({ preset, from, to, onPreset, onCustom, invalid }: Props) {
  const { t } = useTranslation();
  return (
    <div className="sc-range">
      <div className="sc-segmented" role="radiogroup" aria-label={t('usage.range.label')}>
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            role="radio"
            aria-checked={preset === p}
            data-testid={`range-${p}`}
            onClick={() => onPreset(p)}
          >
            {t(`usage.range.${p}`)}
          </button>
        ))}
      </div>
      {preset === 'custom' ? (
        <div className="sc-range-dates">
          <label className="sc-field sc-field--inline">
            <span>{t('usage.range.from')}</span>
            <input type="date" value={from} max={to || undefined} onChange={(e) => onCustom(e.target.value, to)} data-testid="range-from" />
          </label>
          <label className="sc-field sc-field--inline">
            <span>{t('usage.range.to')}</span>
            <input type="date" value={to} min={from || undefined} onChange={(e) => onCustom(from, e.target.value)} data-testid="range-to" />
          </label>
          {invalid ? <small className="sc-field-error">{t('usage.range.invalid')}</small> : null}
        </div>
      ) : null}
    </div>
  );
}

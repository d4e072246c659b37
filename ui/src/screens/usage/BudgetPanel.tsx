import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { budgetStatus, setBudget } from '../../api/desk';
import type { AtLimit, BudgetStatus, DeskError } from '../../api/types';
import { formatCny, formatDate } from '../common/format';
import { Problem } from '../common/ui';

interface Props {
  notify: (error: DeskError) => void;
}

/** This month's spending against the budget, and the budget itself. */
export function BudgetPanel({ notify }: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const [status, setStatus] = useState<BudgetStatus | null>(null);
  const [editing, setEditing] = useState(false);

  useEffect(() => {
    let live = true;
    budgetStatus().then(
      (s) => live && setStatus(s),
      (error: DeskError) => live && notify(error),
    );
    return () => {
      live = false;
    };
  }, [notify]);

  if (!status) return <section className="sc-card sc-budget" aria-busy="true" />;

  const percent = status.fraction === null ? null : Math.round(status.fraction * 100);
  return (
    <section className="sc-card sc-budget" aria-labelledby="budget-title" data-testid="budget" data-level={status.level}>
      <div className="sc-budget-head">
        <h2 id="budget-title" className="sc-section-title">
          {t('usage.budget.title')}
        </h2>
        <span className={`sc-chip sc-chip--${status.level}`} data-testid="budget-level">
          {t(`usage.budget.level.${status.level}`)}
        </span>
      </div>
      <p className="sc-budget-amount">
        {status.monthlyCny === null
          ? t('usage.budget.spentNoBudget', { spent: formatCny(status.spentCny, locale) })
          : t('usage.budget.spentOf', { spent: formatCny(status.spentCny, locale), budget: formatCny(status.monthlyCny, locale) })}
      </p>
      {percent !== null ? (
        <div
          className="sc-meter"
          role="meter"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.min(percent, 100)}
          aria-label={t('usage.budget.meter', { percent })}
          data-level={status.level}
        >
          <span style={{ width: `${Math.min(percent, 100)}%` }} />
        </div>
      ) : null}
      <p className="sc-fine">
        {t('usage.budget.period', { from: formatDate(status.monthStart, locale), to: formatDate(status.monthEnd - 1, locale) })}
        {status.monthlyCny !== null ? ` · ${t(`usage.budget.mode.${status.atLimit}`)}` : ''}
      </p>
      {editing ? (
        <BudgetForm
          status={status}
          onSaved={(next) => {
            setStatus(next);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <button type="button" className="sc-button" data-testid="budget-edit" onClick={() => setEditing(true)}>
          {status.monthlyCny === null ? t('usage.budget.set') : t('usage.budget.edit')}
        </button>
      )}
    </section>
  );
}

interface FormProps {
  status: BudgetStatus;
  onSaved: (status: BudgetStatus) => void;
  onCancel: () => void;
}

function BudgetForm({ status, onSaved, onCancel }: FormProps) {
  const { t } = useTranslation();
  const [amount, setAmount] = useState(status.monthlyCny === null ? '' : String(status.monthlyCny));
  const [atLimit, setAtLimit] = useState<AtLimit>(status.atLimit);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const value = Number(amount);
  const invalid = amount.trim() !== '' && !(Number.isFinite(value) && value > 0);

  const save = async (monthlyCny: number | null) => {
    setBusy(true);
    setError(null);
    try {
      onSaved(await setBudget(monthlyCny, atLimit));
    } catch (reason) {
      setError(reason as DeskError);
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (invalid || amount.trim() === '') return;
    void save(Math.round(value * 100) / 100);
  };

  return (
    <form className="sc-budget-form" onSubmit={submit} data-testid="budget-form">
      <label className="sc-field">
        <span>{t('usage.budget.amount')}</span>
        <input
          type="number"
          min="0.01"
          step="0.01"
          inputMode="decimal"
          value={amount}
          required
          aria-invalid={invalid || undefined}
          data-testid="budget-amount"
          onChange={(e) => setAmount(e.target.value)}
        />
        {invalid ? <small className="sc-field-error">{t('usage.budget.invalid')}</small> : null}
      </label>
      <fieldset className="sc-radio-row">
        <legend>{t('usage.budget.atLimit')}</legend>
        {(['block', 'warn'] as const).map((mode) => (
          <label key={mode} className="sc-check">
            <input type="radio" name="at-limit" value={mode} checked={atLimit === mode} onChange={() => setAtLimit(mode)} data-testid={`budget-${mode}`} />
            <span>{t(`usage.budget.mode.${mode}`)}</span>
          </label>
        ))}
      </fieldset>
      <p className="sc-fine">{t('usage.budget.explain')}</p>
      {error ? <Problem error={error} /> : null}
      <div className="sc-actions">
        <button type="submit" className="primary-button" disabled={busy || invalid || amount.trim() === ''} data-testid="budget-save">
          {t('usage.budget.save')}
        </button>
        {status.monthlyCny !== null ? (
          <button type="button" className="sc-button sc-button--danger" disabled={busy} data-testid="budget-remove" onClick={() => void save(null)}>
            {t('usage.budget.remove')}
          </button>
        ) : null}
        <button type="button" className="sc-button" onClick={onCancel}>
          {t('usage.budget.cancel')}
        </button>
      </div>
    </form>
  );
}

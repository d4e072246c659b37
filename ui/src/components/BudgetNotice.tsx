import { useTranslation } from 'react-i18next';
import type { BudgetStatus } from '../api/types';
import { formatCny } from '../format/money';
import { showScreen } from '../state/workspaceNavigation';
import { AlertIcon, CloseIcon } from './icons';

/** This month's spending reached 80 % of the budget (or passed it, in warn-only mode). */
export function BudgetNotice({ budget, onDismiss }: { budget: BudgetStatus; onDismiss: () => void }) {
  const { t, i18n } = useTranslation();
  const spent = formatCny(budget.spentCny, i18n.language);
  const limit = budget.monthlyCny === null ? null : formatCny(budget.monthlyCny, i18n.language);
  const percent = budget.fraction === null ? null : Math.round(budget.fraction * 100);
  const text =
    budget.level === 'exceeded'
      ? t('budget.exceeded', { spent, limit: limit ?? '' })
      : t('budget.warning', { percent: percent ?? 80, spent, limit: limit ?? '' });
  return (
    <div className="budget-notice" role="status" data-testid="budget-notice" data-level={budget.level}>
      <AlertIcon size={16} />
      <p>{text}</p>
      <button type="button" className="text-button" onClick={() => showScreen('usage')}>
        {t('budget.open')}
      </button>
      <button type="button" className="icon-button icon-button--small" aria-label={t('budget.dismiss')} onClick={onDismiss}>
        <CloseIcon />
      </button>
    </div>
  );
}

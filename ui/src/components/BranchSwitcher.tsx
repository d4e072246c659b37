import { useTranslation } from 'react-i18next';
import { ChevronLeftIcon, ChevronRightIcon } from './icons';

interface Props {
  index: number;
  count: number;
  onStep: (step: number) => void;
  disabled: boolean;
}

/** ‹ 2/3 › between the versions of a message (regenerated replies, edited prompts). */
export function BranchSwitcher({ index, count, onStep, disabled }: Props) {
  const { t } = useTranslation();
  return (
    <div className="branch-switcher" data-testid="branch-switcher" role="group" aria-label={t('branch.label')}>
      <button
        type="button"
        className="icon-button icon-button--small"
        aria-label={t('branch.previous')}
        disabled={disabled || index === 0}
        onClick={() => onStep(-1)}
      >
        <ChevronLeftIcon />
      </button>
      <span className="branch-position" aria-live="polite">
        {t('branch.position', { index: index + 1, count })}
      </span>
      <button
        type="button"
        className="icon-button icon-button--small"
        aria-label={t('branch.next')}
        disabled={disabled || index === count - 1}
        onClick={() => onStep(1)}
      >
        <ChevronRightIcon />
      </button>
    </div>
  );
}

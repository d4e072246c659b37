import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  /** The button that asks. */
  label: string;
  /** What will happen, said before it does. */
  warning: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  disabled?: boolean;
  testId: string;
  onConfirm: () => Promise<void> | void;
}

/** A two-step action: the first click shows what will happen, the second does it. */
export function ConfirmAction({ label, warning, confirmLabel, danger, disabled, testId, onConfirm }: Props) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const variant = danger ? 'sc-button sc-button--danger' : 'sc-button';

  if (!asking) {
    return (
      <button type="button" className={variant} disabled={disabled} data-testid={testId} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <div className={`sc-confirm${danger ? ' sc-confirm--danger' : ''}`} role="alertdialog" aria-label={label} data-testid={`${testId}-confirm`}>
      <div className="sc-confirm-text">{warning}</div>
      <div className="sc-actions">
        <button
          type="button"
          className={danger ? 'sc-button sc-button--danger-solid' : 'primary-button'}
          disabled={busy}
          aria-busy={busy || undefined}
          data-testid={`${testId}-yes`}
          onClick={() => void confirm()}
        >
          {confirmLabel}
        </button>
        <button type="button" className="sc-button" disabled={busy} onClick={() => setAsking(false)}>
          {t('settings.cancel')}
        </button>
      </div>
    </div>
  );
}

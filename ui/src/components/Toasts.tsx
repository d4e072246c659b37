import { useTranslation } from 'react-i18next';
import type { Toast } from '../state/useToasts';
import { ErrorExplanation } from './ErrorExplanation';
import { AlertIcon, CloseIcon } from './icons';

interface Props {
  toasts: Toast[];
  onDismiss: (id: number) => void;
}

export function Toasts({ toasts, onDismiss }: Props) {
  const { t } = useTranslation();
  return (
    <section className="toasts" aria-label={t('toast.regionLabel')}>
      {toasts.map(({ id, error }) => (
        <div key={id} className="toast" data-testid="toast" data-error-code={error.code} role="alert">
          <AlertIcon size={18} />
          <ErrorExplanation code={error.code} detail={error.message} requestId={error.requestId} />
          <button
            type="button"
            className="icon-button toast-close"
            aria-label={t('toast.dismiss')}
            onClick={() => onDismiss(id)}
          >
            <CloseIcon />
          </button>
        </div>
      ))}
    </section>
  );
}

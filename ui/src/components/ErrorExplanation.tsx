import { useTranslation } from 'react-i18next';
import type { ErrorCode } from '../api/types';
import { errorText } from '../errors/errorText';

interface Props {
  code: ErrorCode;
  /** The backend's own wording, shown as secondary detail. */
  detail?: string | null;
  requestId?: string | null;
}

/** Human wording of an error plus what to do; the raw code never reaches the screen. */
export function ErrorExplanation({ code, detail, requestId }: Props) {
  const { t } = useTranslation();
  const text = errorText(t, code);
  return (
    <div className="error-explanation">
      <p className="error-title">{text.title}</p>
      <p className="error-hint">{text.hint}</p>
      {detail && detail !== text.title ? (
        <p className="fine-print">{t('message.details', { text: detail })}</p>
      ) : null}
      {requestId ? (
        <p className="fine-print selectable">{t('message.requestId', { id: requestId })}</p>
      ) : null}
    </div>
  );
}

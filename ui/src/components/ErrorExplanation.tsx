import { useTranslation } from 'react-i18next';
import type { ErrorCode } from '../api/types';
import { errorAction, type ErrorAction } from '../errors/errorActions';
import { errorText } from '../errors/errorText';
import { showScreen, useNavigation } from '../state/workspaceNavigation';

interface Props {
  code: ErrorCode;
  /** The backend's own wording, shown as secondary detail. */
  detail?: string | null;
  requestId?: string | null;
  /** Where the error showed up, which decides what can be done about it. */
  where?: 'partial' | 'failed' | 'notice';
  /** Handles the actions that need the place of the error (retry, continue, choose a model). */
  onAction?: (action: ErrorAction) => void;
}

/** Human wording of an error, what to do, and a button that does it; the raw code never reaches the screen. */
export function ErrorExplanation({ code, detail, requestId, where = 'notice', onAction }: Props) {
  const { t } = useTranslation();
  const canNavigate = useNavigation().available;
  const text = errorText(t, code);
  const action = errorAction(code, where);

  let run: (() => void) | null = null;
  if (action && onAction) run = () => onAction(action);
  else if (action === 'openSettings' && canNavigate) run = () => showScreen('settings');
  else if (action === 'openUsage' && canNavigate) run = () => showScreen('usage');

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
      {action && run ? (
        <div className="error-actions">
          <button type="button" className="secondary-button" data-testid="error-action" data-action={action} onClick={run}>
            {t(`errorActions.${action}`)}
          </button>
        </div>
      ) : null}
    </div>
  );
}

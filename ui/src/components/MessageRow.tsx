import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../api/types';
import type { RetryNotice } from '../state/chatReducer';
import { ErrorExplanation } from './ErrorExplanation';
import { AlertIcon } from './icons';

interface Props {
  message: Message;
  /** Only given to the row that is streaming, so other rows keep equal props. */
  retry: RetryNotice | null;
  requestId: string | null;
}

function MessageRowView({ message, retry, requestId }: Props) {
  const { t } = useTranslation();
  const isAssistant = message.role === 'assistant';
  const streaming = message.status === 'streaming';

  return (
    <article
      className={`message message--${message.role}`}
      data-testid="message"
      data-role={message.role}
      data-status={message.status}
      data-message-id={message.id}
      data-error-code={message.error?.code}
      aria-busy={streaming || undefined}
    >
      <header className="message-meta">
        <span className="message-role">{t(`message.role.${message.role}`)}</span>
        {isAssistant && message.model ? <span className="message-model">{message.model}</span> : null}
        {isAssistant && message.demo ? (
          <span className="badge badge--demo" data-testid="demo-badge" title={t('message.demoBadgeLabel')}>
            {t('message.demoBadge')}
          </span>
        ) : null}
      </header>

      <div className="message-body">
        <div className="message-content" data-testid="message-content">
          {message.content}
          {streaming ? <span className="stream-cursor" aria-hidden="true" /> : null}
        </div>
        {streaming && message.content === '' && !retry ? (
          <p className="message-note">{t('message.writing')}</p>
        ) : null}
        {retry ? (
          <p className="message-note">
            {t('message.retrying', { attempt: retry.attempt, seconds: Math.ceil(retry.delayMs / 1000) })}
          </p>
        ) : null}
      </div>

      {message.status === 'partial' ? (
        <div className="message-problem message-problem--partial" role="note">
          <AlertIcon size={16} />
          <div>
            {message.error?.code === 'cancelled' ? (
              <p className="problem-label">{t('message.stopped')}</p>
            ) : (
              <>
                <p className="problem-label">{t('message.interrupted')}</p>
                {message.error ? (
                  <ErrorExplanation code={message.error.code} detail={message.error.message} requestId={requestId} />
                ) : null}
              </>
            )}
          </div>
        </div>
      ) : null}

      {message.status === 'failed' ? (
        <div className="message-problem message-problem--failed" role="note">
          <AlertIcon size={16} />
          <div>
            <p className="problem-label">{t('message.failed')}</p>
            <ErrorExplanation
              code={message.error?.code ?? 'internal'}
              detail={message.error?.message}
              requestId={requestId}
            />
          </div>
        </div>
      ) : null}

      {isAssistant && message.status === 'complete' && message.usage ? (
        <footer className="fine-print message-usage">
          {t('message.usage', {
            input: message.usage.inputTokens,
            output: message.usage.outputTokens,
            total: message.usage.totalTokens,
          })}
        </footer>
      ) : null}
    </article>
  );
}

/** Memoised: during a stream only the row whose message object changed re-renders. */
export const MessageRow = memo(MessageRowView);

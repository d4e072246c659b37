import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../api/types';
import type { ErrorAction } from '../errors/errorActions';
import { formatCny, formatCount } from '../format/money';
import type { RetryNotice } from '../state/chatReducer';
import { isAssistantModel, useAssistants } from '../state/useAssistants';
import { AttachmentThumbs } from './AttachmentThumbs';
import { BranchSwitcher } from './BranchSwitcher';
import { copyText } from './clipboard';
import { ErrorExplanation } from './ErrorExplanation';
import { AlertIcon, CheckIcon, ContinueIcon, CopyIcon, EditIcon, RegenerateIcon, TrashIcon } from './icons';
import { Markdown } from './markdown/Markdown';
import type { MessageActions } from './messageActions';
import { MessageEditor } from './MessageEditor';
import { SearchSources, ToolCalls } from './SourcesAndTools';
import { ThinkingSection } from './ThinkingSection';
import { ToolCallsForm, ToolResultRow } from './tools/ToolCallsForm';
import { useToolThread } from './tools/toolContext';
import { ReadAloudButton } from './voice/ReadAloud';
import { timedRender } from '../perf/trace';

export interface MessageRowProps {
  message: Message;
  /** Only given to the row that is streaming, so other rows keep equal props. */
  retry: RetryNotice | null;
  requestId: string | null;
  /** How many of the oldest messages this reply's request left out (0: none, or not known). */
  contextLeftOut: number;
  /** Position among the message's siblings (its other versions). */
  branchIndex: number;
  branchCount: number;
  /** Just jumped to from search: marked for a moment. */
  highlighted: boolean;
  /** A reply is streaming: no new request may start from this row. */
  busy: boolean;
  thinkingStartedAt: number | null;
  thinkingEndedAt: number | null;
  actions: MessageActions;
}

function MessageRowView(props: MessageRowProps) {
  const { message, retry, requestId, branchIndex, branchCount, highlighted, busy, actions } = props;
  const { t, i18n } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const isAssistant = message.role === 'assistant';
  const streaming = message.status === 'streaming';
  const onErrorAction = (action: ErrorAction) => actions.errorAction(action, message);

  const canEdit = message.role === 'user';
  const canRegenerate = isAssistant && message.parentId !== null && !streaming;
  // Cut by the token limit: complete as far as it goes, and continued like a partial reply.
  const cutAtLimit = isAssistant && message.status === 'complete' && message.finishReason === 'length';
  const canContinue = isAssistant && (message.status === 'partial' || cutAtLimit);

  if (message.role === 'tool') {
    return (
      <article
        className="message message--tool"
        data-testid="message"
        data-role="tool"
        data-status={message.status}
        data-message-id={message.id}
        data-highlighted={highlighted || undefined}
      >
        <ToolResultRow message={message} />
      </article>
    );
  }

  return (
    <article
      className={`message message--${message.role}`}
      data-testid="message"
      data-role={message.role}
      data-status={message.status}
      data-message-id={message.id}
      data-error-code={message.error?.code}
      data-highlighted={highlighted || undefined}
      aria-busy={streaming || undefined}
    >
      <header className="message-meta">
        <span className="message-role">{t(`message.role.${message.role}`)}</span>
        {isAssistant && message.model ? <ModelName model={message.model} /> : null}
        {isAssistant && message.demo ? (
          <span className="badge badge--demo" data-testid="demo-badge" title={t('message.demoBadgeLabel')}>
            {t('message.demoBadge')}
          </span>
        ) : null}
      </header>

      {message.attachments.length > 0 ? <AttachmentThumbs attachments={message.attachments} /> : null}

      {isAssistant && message.reasoning ? (
        <ThinkingSection
          reasoning={message.reasoning}
          thinking={streaming && message.content === ''}
          startedAt={props.thinkingStartedAt}
          endedAt={props.thinkingEndedAt}
        />
      ) : null}
      {message.searchSources.length > 0 ? (
        <SearchSources sources={message.searchSources} documents={isAssistantModel(message.model)} />
      ) : null}
      {message.toolCalls.length > 0 ? <ToolCallsPart message={message} busy={busy} /> : null}

      <div className="message-body">
        {editing ? (
          <MessageEditor
            initial={message.content}
            onCancel={() => setEditing(false)}
            onSubmit={(text) => {
              setEditing(false);
              actions.editAndResend(message, text);
            }}
          />
        ) : (
          <div className="message-content" data-testid="message-content">
            {isAssistant ? (
              <Markdown text={message.content} streaming={streaming} />
            ) : (
              <p className="plain-text">{message.content}</p>
            )}
            {/* Once text flows, the cursor is drawn after its last line by the stylesheet. */}
            {streaming && message.content === '' ? <span className="stream-cursor" aria-hidden="true" /> : null}
          </div>
        )}
        {streaming && message.content === '' && !message.reasoning && !retry ? (
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
                  <ErrorExplanation
                    code={message.error.code}
                    detail={message.error.message}
                    requestId={requestId}
                    where="partial"
                    onAction={busy ? undefined : onErrorAction}
                  />
                ) : null}
              </>
            )}
          </div>
        </div>
      ) : null}

      {cutAtLimit ? (
        <div className="message-problem message-problem--length" role="note" data-testid="length-notice">
          <AlertIcon size={16} />
          <div className="error-explanation">
            <p className="problem-label">{t('message.lengthStopped')}</p>
            <p className="error-hint">{t('message.lengthHint')}</p>
            <div className="error-actions length-actions">
              <button
                type="button"
                className="secondary-button"
                data-testid="length-continue"
                disabled={busy}
                onClick={() => actions.continueReply(message.id)}
              >
                {t('errorActions.continue')}
              </button>
            </div>
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
              where="failed"
              onAction={busy || !canRegenerate ? undefined : onErrorAction}
            />
          </div>
        </div>
      ) : null}

      {streaming || editing ? null : (
        <footer className="message-footer">
          {branchCount > 1 ? (
            <BranchSwitcher
              index={branchIndex}
              count={branchCount}
              disabled={busy}
              onStep={(step) => actions.stepBranch(message.id, step)}
            />
          ) : null}
          {confirmingDelete ? (
            <div className="delete-confirm" role="group" aria-label={t('message.deleteQuestion')}>
              <span>{t('message.deleteQuestion')}</span>
              <button
                type="button"
                className="text-button text-button--danger"
                data-testid="confirm-delete"
                onClick={() => {
                  setConfirmingDelete(false);
                  actions.remove(message.id);
                }}
              >
                {t('message.deleteConfirm')}
              </button>
              <button type="button" className="text-button" onClick={() => setConfirmingDelete(false)}>
                {t('message.cancelEdit')}
              </button>
            </div>
          ) : (
            <div className="message-actions" role="toolbar" aria-label={t('message.actionsLabel')}>
              <CopyButton text={message.content} />
              {isAssistant && message.content.trim() !== '' ? <ReadAloudButton message={message} /> : null}
              {canEdit ? (
                <button
                  type="button"
                  className="icon-button icon-button--small"
                  data-testid="edit-message"
                  aria-label={t('message.edit')}
                  title={t('message.edit')}
                  disabled={busy}
                  onClick={() => setEditing(true)}
                >
                  <EditIcon />
                </button>
              ) : null}
              {canContinue ? (
                <button
                  type="button"
                  className="icon-button icon-button--small"
                  data-testid="continue-reply"
                  aria-label={t('message.continue')}
                  title={t('message.continue')}
                  disabled={busy}
                  onClick={() => actions.continueReply(message.id)}
                >
                  <ContinueIcon />
                </button>
              ) : null}
              {canRegenerate ? (
                <button
                  type="button"
                  className="icon-button icon-button--small"
                  data-testid="regenerate"
                  aria-label={t('message.regenerate')}
                  title={t('message.regenerate')}
                  disabled={busy}
                  onClick={() => actions.regenerate(message.id)}
                >
                  <RegenerateIcon />
                </button>
              ) : null}
              <button
                type="button"
                className="icon-button icon-button--small"
                data-testid="delete-message"
                aria-label={t('message.delete')}
                title={t('message.delete')}
                disabled={busy}
                onClick={() => setConfirmingDelete(true)}
              >
                <TrashIcon />
              </button>
            </div>
          )}
          {isAssistant ? <UsageLine message={message} /> : null}
          {isAssistant && props.contextLeftOut > 0 ? (
            <span
              className="fine-print message-context-note"
              data-testid="context-left-out"
              title={t('message.contextLeftOutHint')}
            >
              {t('message.contextLeftOut', {
                count: props.contextLeftOut,
                number: formatCount(props.contextLeftOut, i18n.language),
              })}
            </span>
          ) : null}
        </footer>
      )}
    </article>
  );
}

/** The calls the model made: a form for their results until they have some, then the list. */
function ToolCallsPart({ message, busy }: { message: Message; busy: boolean }) {
  const { answered } = useToolThread();
  if (message.status === 'complete' && !answered.has(message.id)) return <ToolCallsForm message={message} busy={busy} />;
  return <ToolCalls calls={message.toolCalls} />;
}

/** The model's id, or an assistant's name (its id in the tooltip). */
function ModelName({ model }: { model: string }) {
  const assistants = useAssistants();
  const assistant = isAssistantModel(model) ? assistants.find((a) => a.model === model) : undefined;
  return (
    <span className="message-model" title={assistant ? model : undefined}>
      {assistant?.name ?? model}
    </span>
  );
}

function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="icon-button icon-button--small"
      data-testid="copy-message"
      aria-label={copied ? t('message.copied') : t('message.copy')}
      title={copied ? t('message.copied') : t('message.copy')}
      onClick={() =>
        void copyText(text).then((ok) => {
          if (!ok) return;
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        })
      }
    >
      {copied ? <CheckIcon /> : <CopyIcon />}
    </button>
  );
}

function UsageLine({ message }: { message: Message }) {
  const { t, i18n } = useTranslation();
  if (!message.usage && message.costCny === null) return null;
  const parts: string[] = [];
  if (message.usage) {
    parts.push(
      t('message.usage', {
        input: formatCount(message.usage.inputTokens, i18n.language),
        output: formatCount(message.usage.outputTokens, i18n.language),
        total: formatCount(message.usage.totalTokens, i18n.language),
      }),
    );
  }
  if (message.costCny !== null) parts.push(formatCny(message.costCny, i18n.language));
  return (
    <span className="fine-print message-usage" data-testid="message-usage">
      {parts.join(' · ')}
    </span>
  );
}

/** Memoised: during a stream only the row whose message object changed re-renders. */
export const MessageRow = memo(timedRender('row', MessageRowView));

import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message, ToolCall } from '../../api/types';
import { prettyJson } from '../SourcesAndTools';
import { useToolThread } from './toolContext';
import './tools.css';

interface Props {
  /** An assistant message that made tool calls and has no results yet. */
  message: Message;
  /** A reply is streaming: nothing can be sent now. */
  busy: boolean;
}

/**
 * The model asked to call functions: the person runs them and gives one result per call, which
 * goes to `submit_tool_results`; the model's reply then streams in below.
 */
export function ToolCallsForm({ message, busy }: Props) {
  const { t } = useTranslation();
  const { submit } = useToolThread();
  const id = useId();
  const calls = message.toolCalls;
  const [results, setResults] = useState<Record<string, string>>({});
  const [tried, setTried] = useState(false);
  const [sending, setSending] = useState(false);
  const missing = calls.filter((call) => (results[call.id] ?? '').trim() === '');

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (missing.length > 0 || busy || sending) return;
    setSending(true);
    void submit(
      message.id,
      calls.map((call) => ({ toolCallId: call.id, content: results[call.id] ?? '' })),
    ).then(() => setSending(false));
  };

  return (
    <form className="tool-form" data-testid="tool-form" aria-labelledby={`${id}-title`} onSubmit={onSubmit} noValidate>
      <p id={`${id}-title`} className="tool-form-title">
        {t('tools.formTitle', { count: calls.length })}
      </p>
      <p className="fine-print">{t('tools.formHint')}</p>
      {calls.map((call, index) => (
        <ToolCallField
          key={call.id}
          call={call}
          fieldId={`${id}-${index}`}
          value={results[call.id] ?? ''}
          invalid={tried && (results[call.id] ?? '').trim() === ''}
          onChange={(value) => setResults((current) => ({ ...current, [call.id]: value }))}
        />
      ))}
      {tried && missing.length > 0 ? (
        <p className="field-error" role="alert" data-testid="tool-form-missing">
          {t('tools.missing')}
        </p>
      ) : null}
      <div className="tool-form-actions">
        {busy && !sending ? <span className="fine-print">{t('tools.busy')}</span> : null}
        <button type="submit" className="primary-button primary-button--small" data-testid="tool-submit" disabled={busy || sending}>
          {t('tools.submit', { count: calls.length })}
        </button>
      </div>
    </form>
  );
}

function ToolCallField(props: { call: ToolCall; fieldId: string; value: string; invalid: boolean; onChange: (value: string) => void }) {
  const { call, fieldId, value, invalid, onChange } = props;
  const { t } = useTranslation();
  return (
    <div className="tool-form-call" data-testid="tool-form-call" data-call-id={call.id}>
      <div className="tool-form-call-head">
        <code className="tool-name">{call.name}</code>
        <span className="fine-print">{t('tools.arguments')}</span>
      </div>
      <pre className="tool-arguments" data-testid="tool-form-arguments">
        {prettyJson(call.arguments)}
      </pre>
      <label className="field" htmlFor={fieldId}>
        <span className="field-label">{t('tools.resultLabel', { name: call.name })}</span>
        <textarea
          id={fieldId}
          className="field-input tool-form-result"
          rows={2}
          spellCheck={false}
          value={value}
          placeholder={t('tools.resultPlaceholder')}
          aria-invalid={invalid || undefined}
          data-testid="tool-result-input"
          onChange={(event) => onChange(event.target.value)}
        />
      </label>
    </div>
  );
}

/** A `tool` message: the result given for one call, folded to one line until opened. */
export function ToolResultRow({ message }: { message: Message }) {
  const { t } = useTranslation();
  const { callNames } = useToolThread();
  const name = message.toolCallId ? callNames.get(message.toolCallId) : undefined;
  return (
    <details className="tool-result" data-testid="tool-result">
      <summary>
        <span className="tool-result-label">{name ? t('tools.resultOf', { name }) : t('tools.result')}</span>
        <span className="tool-result-preview">{message.content.replace(/\s+/g, ' ').slice(0, 120)}</span>
      </summary>
      <pre className="tool-result-content" data-testid="tool-result-content">
        {prettyJson(message.content)}
      </pre>
    </details>
  );
}

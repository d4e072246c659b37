import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatParams, ModelView } from '../api/types';
import { outputLimit } from '../state/chatParams';
import { JsonOutputField, MaxTokensField, SeedField, StopSequencesField, ToolsField, useAdvancedDraft } from './params/ParamFields';

interface Props {
  params: ChatParams;
  model: ModelView | undefined;
  /** A new chat's parameters go with its first message; an existing one's are saved at once. */
  isNew: boolean;
  onSave: (params: ChatParams) => void;
  onClose: () => void;
}

const DEFAULT_TEMPERATURE = 0.7;

/** How this conversation asks: system prompt, temperature, thinking, web search, the answer's
 * form and length, and the tools the model may call. */
export function ParamsPanel({ params, model, isNew, onSave, onClose }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const [systemPrompt, setSystemPrompt] = useState(params.systemPrompt ?? '');
  const [temperature, setTemperature] = useState<number | null>(params.temperature);
  const [thinking, setThinking] = useState<boolean | null>(params.enableThinking);
  const [search, setSearch] = useState(params.enableSearch);
  const limit = outputLimit(model);
  const advanced = useAdvancedDraft(params, limit);
  const form = useRef<HTMLFormElement>(null);

  // A popover: it takes focus when it opens, and Escape or a click outside it closes it.
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('textarea, input, select')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      onClose();
    };
    const onPointer = (event: PointerEvent) => {
      const anchor = form.current?.parentElement;
      if (anchor && !anchor.contains(event.target as Node)) onClose();
    };
    window.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [onClose]);

  // A model the registry does not know may or may not think or search: offer both and let the
  // core's request preparation decide.
  const thinkingSupport = model && model.known ? model.thinking : 'optional';
  const searchSupported = model && model.known ? model.search : true;
  const toolsSupported = model && model.known ? model.tools : true;
  const values = advanced.values(toolsSupported);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Nothing wrong is ever saved (and so never sent): each field says what to fix.
    if (values === null) return;
    onSave({
      systemPrompt: systemPrompt.trim() === '' ? null : systemPrompt,
      temperature,
      enableThinking: thinkingSupport === 'optional' ? thinking : null,
      enableSearch: searchSupported ? search : false,
      ...values,
    });
  };

  return (
    <form
      ref={form}
      className="params-panel"
      data-testid="params-panel"
      role="dialog"
      aria-labelledby={`${id}-title`}
      onSubmit={submit}
    >
      <h2 id={`${id}-title`} className="panel-title">
        {isNew ? t('params.titleNew') : t('params.title')}
      </h2>

      <label className="field" htmlFor={`${id}-system`}>
        <span className="field-label">{t('params.systemPrompt')}</span>
        <textarea
          id={`${id}-system`}
          className="field-input"
          rows={3}
          value={systemPrompt}
          placeholder={t('params.systemPromptPlaceholder')}
          onChange={(event) => setSystemPrompt(event.target.value)}
        />
      </label>

      <fieldset className="field">
        <legend className="field-label">{t('params.temperature')}</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={temperature === null}
            onChange={(event) => setTemperature(event.target.checked ? null : DEFAULT_TEMPERATURE)}
          />
          <span>{t('params.modelDefault')}</span>
        </label>
        {temperature === null ? null : (
          <div className="range-row">
            <input
              type="range"
              min={0}
              max={2}
              step={0.1}
              value={temperature}
              aria-label={t('params.temperature')}
              onChange={(event) => setTemperature(Number(event.target.value))}
            />
            <output className="range-value">{temperature.toFixed(1)}</output>
          </div>
        )}
        <p className="fine-print">{t('params.temperatureHint')}</p>
      </fieldset>

      {thinkingSupport === 'none' ? null : (
        <label className="field" htmlFor={`${id}-thinking`}>
          <span className="field-label">{t('params.thinking')}</span>
          {thinkingSupport === 'required' ? (
            <p className="fine-print">{t('params.thinkingAlways')}</p>
          ) : (
            <select
              id={`${id}-thinking`}
              className="field-input"
              value={thinking === null ? 'default' : thinking ? 'on' : 'off'}
              onChange={(event) =>
                setThinking(event.target.value === 'default' ? null : event.target.value === 'on')
              }
            >
              <option value="default">{t('params.modelDefault')}</option>
              <option value="on">{t('params.on')}</option>
              <option value="off">{t('params.off')}</option>
            </select>
          )}
        </label>
      )}

      {searchSupported ? (
        <label className="check field">
          <input type="checkbox" checked={search} onChange={(event) => setSearch(event.target.checked)} />
          <span>{t('params.search')}</span>
        </label>
      ) : null}

      <h3 className="params-section-title">{t('params.answerSection')}</h3>
      <JsonOutputField draft={advanced} systemPrompt={systemPrompt} look="panel" />
      <MaxTokensField draft={advanced} limit={limit} look="panel" />
      <StopSequencesField draft={advanced} look="panel" />
      <SeedField draft={advanced} look="panel" />

      <h3 className="params-section-title">{t('params.toolsSection')}</h3>
      {toolsSupported ? (
        <ToolsField draft={advanced} />
      ) : (
        <p className="fine-print" data-testid="param-tools-unsupported">
          {t('params.toolsUnsupported')}
        </p>
      )}

      {values === null ? (
        <p className="params-problem" role="status" data-testid="params-invalid">
          {t('params.fixProblems')}
        </p>
      ) : null}
      <div className="panel-actions">
        <button type="button" className="text-button" onClick={onClose}>
          {t('params.cancel')}
        </button>
        <button type="submit" className="primary-button primary-button--small" data-testid="params-save" disabled={values === null}>
          {t('params.save')}
        </button>
      </div>
    </form>
  );
}

// The newer request parameters (JSON output, seed, stop sequences, max tokens, tools), shared by
// the chat's parameters panel and the settings' chat defaults. Each field says what is wrong
// beside itself; the form that holds them saves nothing while any is wrong.
import type { TFunction } from 'i18next';
import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatParams, ResponseFormat, ToolChoice } from '../../api/types';
import {
  checkToolChoice,
  decodeStop,
  encodeStop,
  EXAMPLE_TOOLS,
  MAX_SEED,
  MAX_STOP_SEQUENCES,
  mentionsJson,
  parseMaxTokens,
  parseSeed,
  parseStops,
  parseTools,
  toolsText,
  type NumberProblem,
  type Parsed,
  type ToolsProblem,
} from '../../state/chatParams';
import { CloseIcon } from '../icons';
import './params.css';

export type AdvancedValues = Pick<ChatParams, 'responseFormat' | 'seed' | 'stop' | 'maxTokens' | 'tools' | 'toolChoice'>;

/** The typed text of the fields, and what it means once checked. */
export function useAdvancedDraft(params: ChatParams, outputLimit: number | null) {
  const [responseFormat, setResponseFormat] = useState<ResponseFormat>(params.responseFormat);
  const [seed, setSeed] = useState(params.seed === null ? '' : String(params.seed));
  const [maxTokens, setMaxTokens] = useState(params.maxTokens === null ? '' : String(params.maxTokens));
  const [stops, setStops] = useState<string[]>(params.stop.map(encodeStop));
  const [tools, setTools] = useState(toolsText(params.tools));
  const [toolChoice, setToolChoice] = useState<ToolChoice | null>(params.toolChoice);

  const checked = useMemo(() => {
    const parsedTools = parseTools(tools);
    return {
      seed: parseSeed(seed),
      maxTokens: parseMaxTokens(maxTokens, outputLimit),
      stops: parseStops(stops.map(decodeStop)),
      tools: parsedTools,
      toolChoice: checkToolChoice(toolChoice, parsedTools.ok ? parsedTools.value : []),
    };
  }, [seed, maxTokens, stops, tools, toolChoice, outputLimit]);

  /** The values to save, or null while any field is wrong. `withTools` false drops the tools
   * (a model that cannot call them). */
  const values = (withTools: boolean): AdvancedValues | null => {
    const { seed: s, maxTokens: m, stops: st, tools: tl, toolChoice: tc } = checked;
    if (!s.ok || !m.ok || !st.ok) return null;
    if (withTools && (!tl.ok || !tc.ok)) return null;
    return {
      responseFormat,
      seed: s.value,
      maxTokens: m.value,
      stop: st.value,
      tools: withTools && tl.ok ? tl.value : [],
      toolChoice: withTools && tc.ok ? tc.value : null,
    };
  };

  return {
    responseFormat,
    setResponseFormat,
    seed,
    setSeed,
    maxTokens,
    setMaxTokens,
    stops,
    setStops,
    tools,
    setTools,
    toolChoice,
    setToolChoice,
    checked,
    values,
  };
}

export type AdvancedDraft = ReturnType<typeof useAdvancedDraft>;

/** The panel (compact, in the chat) and the settings page style their fields differently. */
type Look = 'panel' | 'settings';

const CLASSES = {
  panel: { field: 'field', label: 'field-label', input: 'field-input', hint: 'fine-print', error: 'field-error', check: 'check' },
  settings: { field: 'sc-field', label: '', input: '', hint: 'sc-hint', error: 'sc-field-error', check: 'sc-check' },
} as const;

function numberProblemText(t: TFunction, problem: NumberProblem, min: number, max: number | null): string {
  if (problem === 'notInteger') return t('params.problem.notInteger');
  return max === null ? t('params.problem.atLeast', { min }) : t('params.problem.range', { min, max });
}

export function JsonOutputField({ draft, systemPrompt, look }: { draft: AdvancedDraft; systemPrompt: string; look: Look }) {
  const { t } = useTranslation();
  const c = CLASSES[look];
  const hintId = useId();
  const on = draft.responseFormat === 'json_object';
  return (
    <div className="param-json">
      <label className={c.check}>
        <input
          type="checkbox"
          checked={on}
          data-testid="param-json"
          aria-describedby={hintId}
          onChange={(event) => draft.setResponseFormat(event.target.checked ? 'json_object' : 'text')}
        />
        <span>{t('params.jsonOutput')}</span>
      </label>
      <small id={hintId} className={c.hint}>
        {t('params.jsonHint')}
      </small>
      {on && !mentionsJson(systemPrompt) ? (
        <small className={`${c.hint} param-note`} data-testid="param-json-note">
          {t('params.jsonNoSystemPrompt')}
        </small>
      ) : null}
    </div>
  );
}

/** A whole-number field (empty: not set) that says beside itself what is wrong with the text. */
function IntegerField(props: {
  look: Look;
  label: string;
  value: string;
  placeholder: string;
  hint: string;
  result: Parsed<number | null, NumberProblem>;
  min: number;
  max: number | null;
  testId: string;
  onChange: (text: string) => void;
}) {
  const { t } = useTranslation();
  const { look, result } = props;
  const c = CLASSES[look];
  const id = useId();
  return (
    <div className={c.field}>
      <label htmlFor={id} className={c.label || undefined}>
        {look === 'panel' ? props.label : <span>{props.label}</span>}
      </label>
      <input
        id={id}
        className={c.input || undefined}
        inputMode="numeric"
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={!result.ok || undefined}
        aria-describedby={`${id}-hint`}
        data-testid={props.testId}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <small id={`${id}-hint`} className={result.ok ? c.hint : c.error} data-testid={result.ok ? undefined : `${props.testId}-problem`}>
        {result.ok ? props.hint : numberProblemText(t, result.problem, props.min, props.max)}
      </small>
    </div>
  );
}

export function SeedField({ draft, look }: { draft: AdvancedDraft; look: Look }) {
  const { t } = useTranslation();
  return (
    <IntegerField
      look={look}
      label={t('params.seed')}
      value={draft.seed}
      placeholder={t('params.seedPlaceholder')}
      hint={t('params.seedHint')}
      result={draft.checked.seed}
      min={0}
      max={MAX_SEED}
      testId="param-seed"
      onChange={draft.setSeed}
    />
  );
}

export function MaxTokensField({ draft, limit, look }: { draft: AdvancedDraft; limit: number | null; look: Look }) {
  const { t, i18n } = useTranslation();
  const formatted = limit === null ? null : limit.toLocaleString(i18n.language);
  return (
    <IntegerField
      look={look}
      label={t('params.maxTokens')}
      value={draft.maxTokens}
      placeholder={formatted === null ? t('params.maxTokensPlaceholder') : t('params.maxTokensPlaceholderLimit', { limit: formatted })}
      hint={formatted === null ? t('params.maxTokensHint') : t('params.maxTokensHintLimit', { limit: formatted })}
      result={draft.checked.maxTokens}
      min={1}
      max={limit}
      testId="param-max-tokens"
      onChange={draft.setMaxTokens}
    />
  );
}

export function StopSequencesField({ draft, look }: { draft: AdvancedDraft; look: Look }) {
  const { t } = useTranslation();
  const c = CLASSES[look];
  const id = useId();
  const result = draft.checked.stops;
  const { stops, setStops } = draft;
  return (
    <fieldset className={`${c.field} param-stops`} aria-describedby={`${id}-hint`}>
      <legend className={c.label || undefined}>{look === 'panel' ? t('params.stop') : <span>{t('params.stop')}</span>}</legend>
      {stops.map((stop, i) => (
        <div key={i} className="param-stop-row">
          <input
            className={c.input || undefined}
            value={stop}
            spellCheck={false}
            aria-label={t('params.stopEntry', { n: i + 1 })}
            data-testid="param-stop"
            onChange={(event) => setStops(stops.map((s, j) => (j === i ? event.target.value : s)))}
          />
          <button
            type="button"
            className="icon-button icon-button--small"
            aria-label={t('params.stopRemove', { n: i + 1 })}
            title={t('params.stopRemove', { n: i + 1 })}
            onClick={() => setStops(stops.filter((_, j) => j !== i))}
          >
            <CloseIcon />
          </button>
        </div>
      ))}
      {stops.length < MAX_STOP_SEQUENCES ? (
        <button type="button" className="text-button param-add" data-testid="param-stop-add" onClick={() => setStops([...stops, ''])}>
          {t('params.stopAdd')}
        </button>
      ) : null}
      <small id={`${id}-hint`} className={result.ok ? c.hint : c.error} data-testid={result.ok ? undefined : 'param-stop-problem'}>
        {result.ok ? t('params.stopHint', { max: MAX_STOP_SEQUENCES }) : t(`params.problem.stop.${result.problem}`, { max: MAX_STOP_SEQUENCES })}
      </small>
    </fieldset>
  );
}

function toolsProblemText(t: TFunction, problem: ToolsProblem): string {
  switch (problem.kind) {
    case 'json':
      return t('params.problem.tools.json', { detail: problem.detail });
    case 'notArray':
      return t('params.problem.tools.notArray');
    case 'duplicate':
      return t('params.problem.tools.duplicate', { name: problem.name });
    case 'notObject':
    case 'name':
    case 'description':
    case 'parameters':
      return t(`params.problem.tools.${problem.kind}`, { n: problem.index + 1 });
  }
}

const choiceValue = (choice: ToolChoice | null): string =>
  choice === null || choice === 'auto' ? 'auto' : choice === 'none' ? 'none' : `fn:${choice.function}`;

/** A JSON list of functions, checked as it is typed, and when the model should call them. */
export function ToolsField({ draft }: { draft: AdvancedDraft }) {
  const { t } = useTranslation();
  const id = useId();
  const result = draft.checked.tools;
  const names = result.ok ? result.value.map((tool) => tool.name) : [];
  const choice = draft.checked.toolChoice;
  return (
    <fieldset className="field param-tools" data-testid="param-tools">
      <legend className="field-label">{t('params.tools')}</legend>
      <small className="fine-print" id={`${id}-hint`}>
        {t('params.toolsHint')}
      </small>
      <textarea
        id={`${id}-json`}
        className="field-input param-tools-json"
        rows={draft.tools.trim() === '' ? 3 : 8}
        spellCheck={false}
        value={draft.tools}
        placeholder={'[ { "name": "…", "description": "…", "parameters": { "type": "object", … } } ]'}
        aria-label={t('params.toolsJson')}
        aria-invalid={!result.ok || undefined}
        aria-describedby={`${id}-hint ${id}-status`}
        data-testid="param-tools-json"
        // Long lines scroll sideways, like code.
        data-scroll-x=""
        onChange={(event) => draft.setTools(event.target.value)}
      />
      <div className="param-tools-status">
        <small
          id={`${id}-status`}
          className={result.ok ? 'fine-print' : 'field-error'}
          role={result.ok ? undefined : 'alert'}
          data-testid={result.ok ? 'param-tools-ok' : 'param-tools-problem'}
        >
          {result.ok
            ? names.length === 0
              ? t('params.toolsNone')
              : t('params.toolsCount', { count: names.length, names: names.join(', ') })
            : toolsProblemText(t, result.problem)}
        </small>
        {draft.tools.trim() === '' ? (
          <button type="button" className="text-button param-add" data-testid="param-tools-example" onClick={() => draft.setTools(EXAMPLE_TOOLS)}>
            {t('params.toolsExample')}
          </button>
        ) : null}
      </div>
      {names.length > 0 ? (
        <label className="field" htmlFor={`${id}-choice`}>
          <span className="field-label">{t('params.toolChoice')}</span>
          <select
            id={`${id}-choice`}
            className="field-input"
            value={choiceValue(draft.toolChoice)}
            aria-invalid={!choice.ok || undefined}
            data-testid="param-tool-choice"
            onChange={(event) => {
              const value = event.target.value;
              draft.setToolChoice(value === 'auto' ? null : value === 'none' ? 'none' : { function: value.slice(3) });
            }}
          >
            <option value="auto">{t('params.toolChoiceAuto')}</option>
            <option value="none">{t('params.toolChoiceNone')}</option>
            {names.map((name) => (
              <option key={name} value={`fn:${name}`}>
                {t('params.toolChoiceFunction', { name })}
              </option>
            ))}
            {/* A forced function that is no longer in the list stays visible, marked as wrong. */}
            {!choice.ok && typeof draft.toolChoice === 'object' && draft.toolChoice !== null ? (
              <option value={choiceValue(draft.toolChoice)}>{t('params.toolChoiceFunction', { name: draft.toolChoice.function })}</option>
            ) : null}
          </select>
          {choice.ok ? null : (
            <small className="field-error" data-testid="param-tool-choice-problem">
              {t('params.problem.unknownFunction')}
            </small>
          )}
        </label>
      ) : null}
    </fieldset>
  );
}

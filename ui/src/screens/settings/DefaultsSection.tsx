import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatParams, DeskError, Settings } from '../../api/types';
import { JsonOutputField, MaxTokensField, SeedField, StopSequencesField, useAdvancedDraft } from '../../components/params/ParamFields';
import { outputLimit, withDefaults } from '../../state/chatParams';
import { modelIds, useModelsOfKind } from '../images/useModels';
import { Section } from '../common/ui';

const VOICES = ['longxiaochun', 'longwan', 'longcheng', 'longhua'];

interface Props {
  settings: Settings;
  fallbackModels: string[];
  notify: (error: DeskError) => void;
  onSave: (patch: Partial<Settings>) => Promise<boolean>;
}

type Thinking = 'model' | 'on' | 'off';

const thinkingOf = (value: boolean | null): Thinking => (value === null ? 'model' : value ? 'on' : 'off');

/** What a new chat starts with; each conversation keeps its own copy afterwards. */
export function DefaultsSection({ settings, fallbackModels, notify, onSave }: Props) {
  const { t } = useTranslation();
  const listed = useModelsOfKind('chat', fallbackModels, notify);
  const models = modelIds(listed);
  const [model, setModel] = useState(settings.defaultModel ?? '');
  const stored = withDefaults(settings.defaultParams);
  // Max tokens is bounded by the default model's output limit, when the registry knows it.
  const limit = outputLimit(listed.find((m): m is Exclude<(typeof listed)[number], string> => typeof m !== 'string' && m.id === model));
  const advanced = useAdvancedDraft(stored, limit);
  // Tools are per conversation (the chat's panel); the defaults keep whatever is stored.
  const advancedValues = advanced.values(false);
  const [temperature, setTemperature] = useState(settings.defaultParams.temperature === null ? '' : String(settings.defaultParams.temperature));
  const [thinking, setThinking] = useState<Thinking>(thinkingOf(settings.defaultParams.enableThinking));
  const [search, setSearch] = useState(settings.defaultParams.enableSearch);
  const [systemPrompt, setSystemPrompt] = useState(settings.defaultParams.systemPrompt ?? '');
  const [readAloud, setReadAloud] = useState(settings.readAloud);
  const [voice, setVoice] = useState(settings.voice ?? '');
  const [saved, setSaved] = useState(false);
  const temp = temperature.trim() === '' ? null : Number(temperature);
  const tempInvalid = temp !== null && !(Number.isFinite(temp) && temp >= 0 && temp < 2);
  const invalid = tempInvalid || advancedValues === null;

  const save = async () => {
    if (invalid) return;
    const defaultParams: ChatParams = {
      ...stored,
      ...advancedValues,
      tools: stored.tools,
      toolChoice: stored.toolChoice,
      temperature: temp,
      enableThinking: thinking === 'model' ? null : thinking === 'on',
      enableSearch: search,
      systemPrompt: systemPrompt.trim() || null,
    };
    setSaved(await onSave({ defaultModel: model || null, defaultParams, readAloud, voice: voice || null }));
  };

  const dirty = () => setSaved(false);

  return (
    <Section id="defaults" title={t('settings.defaults.title')} description={t('settings.defaults.description')}>
      <div className="sc-form" onChange={dirty}>
        <label className="sc-field">
          <span>{t('settings.defaults.model')}</span>
          <select value={model} onChange={(e) => setModel(e.target.value)} data-testid="default-model">
            <option value="">{t('settings.defaults.appDefault')}</option>
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <div className="sc-field-row">
          <label className="sc-field">
            <span>{t('settings.defaults.temperature')}</span>
            <input
              type="number"
              min="0"
              max="1.99"
              step="0.1"
              inputMode="decimal"
              value={temperature}
              placeholder={t('settings.defaults.modelDefault')}
              aria-invalid={tempInvalid || undefined}
              onChange={(e) => setTemperature(e.target.value)}
              data-testid="default-temperature"
            />
            <small className={tempInvalid ? 'sc-field-error' : 'sc-hint'}>{t('settings.defaults.temperatureHint')}</small>
          </label>
          <label className="sc-field">
            <span>{t('settings.defaults.thinking')}</span>
            <select value={thinking} onChange={(e) => setThinking(e.target.value as Thinking)} data-testid="default-thinking">
              <option value="model">{t('settings.defaults.thinkingModel')}</option>
              <option value="on">{t('settings.defaults.thinkingOn')}</option>
              <option value="off">{t('settings.defaults.thinkingOff')}</option>
            </select>
          </label>
        </div>
        <label className="sc-check">
          <input type="checkbox" checked={search} onChange={(e) => setSearch(e.target.checked)} data-testid="default-search" />
          <span>{t('settings.defaults.search')}</span>
        </label>
        <label className="sc-field">
          <span>{t('settings.defaults.systemPrompt')}</span>
          <textarea rows={3} value={systemPrompt} maxLength={4000} placeholder={t('settings.defaults.systemPromptPlaceholder')} onChange={(e) => setSystemPrompt(e.target.value)} />
        </label>
        <JsonOutputField draft={advanced} systemPrompt={systemPrompt} look="settings" />
        <div className="sc-field-row">
          <MaxTokensField draft={advanced} limit={limit} look="settings" />
          <SeedField draft={advanced} look="settings" />
        </div>
        <StopSequencesField draft={advanced} look="settings" />
        <div className="sc-field-row">
          <label className="sc-check">
            <input type="checkbox" checked={readAloud} onChange={(e) => setReadAloud(e.target.checked)} />
            <span>{t('settings.defaults.readAloud')}</span>
          </label>
          <label className="sc-field">
            <span>{t('settings.defaults.voice')}</span>
            <select value={voice} onChange={(e) => setVoice(e.target.value)}>
              <option value="">{t('settings.defaults.voiceDefault')}</option>
              {VOICES.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="sc-actions">
          <button type="button" className="primary-button" disabled={invalid} onClick={() => void save()} data-testid="defaults-save">
            {t('settings.defaults.save')}
          </button>
          {saved ? (
            <span className="sc-saved" role="status">
              {t('settings.saved')}
            </span>
          ) : null}
        </div>
      </div>
    </Section>
  );
}

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImageJob } from '../../api/types';
import { EditInputField } from './EditInputField';
import { EDIT_MODEL, inputFields, isEditModel, type EditInput } from './editInput';

export const IMAGE_SIZES = ['1024*1024', '720*1280', '1280*720', '768*1152', '1152*768'] as const;
const MAX_SEED = 2_147_483_647;

interface Props {
  models: string[];
  busy: boolean;
  onSubmit: (job: ImageJob) => void;
  /** The picture to edit (qwen-image-edit), chosen in the gallery or uploaded here. */
  input: EditInput | null;
  onInput: (input: EditInput | null) => void;
}

type SizeShape = 'square' | 'portrait' | 'landscape';

function shapeOf(size: string): SizeShape {
  const [w, h] = size.split('*').map(Number);
  return w === h ? 'square' : w < h ? 'portrait' : 'landscape';
}

/** Text to image: the prompt and the parameters Wanx takes. */
export function ImageForm({ models, busy, onSubmit, input, onInput }: Props) {
  const { t } = useTranslation();
  const [model, setModel] = useState<string | null>(null);
  const [prompt, setPrompt] = useState('');
  const [negative, setNegative] = useState('');
  const [size, setSize] = useState<string>(IMAGE_SIZES[0]);
  const [count, setCount] = useState(1);
  const [seed, setSeed] = useState('');
  const picked = model !== null && models.includes(model) ? model : (models[0] ?? null);
  // A picture chosen to edit brings the edit model with it.
  const chosenModel = input && !isEditModel(picked) ? (models.find(isEditModel) ?? EDIT_MODEL) : picked;
  const editing = isEditModel(chosenModel);
  const seedValue = seed.trim() === '' ? null : Number(seed);
  const seedInvalid = seedValue !== null && (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > MAX_SEED);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!prompt.trim() || seedInvalid || (editing && !input)) return;
    onSubmit({
      model: chosenModel,
      prompt: prompt.trim(),
      negativePrompt: negative.trim() || null,
      // An edit keeps the picture's size and gives one result.
      size: editing ? null : size,
      n: editing ? 1 : count,
      seed: seedValue,
      ...(editing && input ? inputFields(input) : {}),
    });
  };

  return (
    <form className="sc-card sc-image-form" onSubmit={submit} aria-labelledby="image-form-title">
      <h2 id="image-form-title" className="sc-section-title">
        {editing ? t('images.edit.title') : t('images.form.title')}
      </h2>
      <label className="sc-field">
        <span>{t('images.form.model')}</span>
        <select
          value={chosenModel ?? ''}
          onChange={(e) => {
            setModel(e.target.value);
            if (!isEditModel(e.target.value)) onInput(null);
          }}
          data-testid="image-model"
        >
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      {editing ? <EditInputField input={input} onInput={onInput} /> : null}
      <label className="sc-field">
        <span>{editing ? t('images.edit.instruction') : t('images.form.prompt')}</span>
        <textarea
          value={prompt}
          rows={4}
          maxLength={800}
          required
          placeholder={editing ? t('images.edit.instructionPlaceholder') : t('images.form.promptPlaceholder')}
          data-testid="image-prompt"
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e);
          }}
        />
      </label>
      <label className="sc-field">
        <span>{t('images.form.negative')}</span>
        <input
          type="text"
          value={negative}
          maxLength={500}
          placeholder={t('images.form.negativePlaceholder')}
          data-testid="image-negative"
          onChange={(e) => setNegative(e.target.value)}
        />
      </label>
      {editing ? null : (
        <div className="sc-field-row">
          <label className="sc-field">
            <span>{t('images.form.size')}</span>
            <select value={size} onChange={(e) => setSize(e.target.value)} data-testid="image-size">
              {IMAGE_SIZES.map((s) => (
                <option key={s} value={s}>
                  {t(`images.shape.${shapeOf(s)}`, { size: s.replace('*', ' × ') })}
                </option>
              ))}
            </select>
          </label>
          <label className="sc-field sc-field--narrow">
            <span>{t('images.form.count')}</span>
            <select value={count} onChange={(e) => setCount(Number(e.target.value))} data-testid="image-count">
              {[1, 2, 3, 4].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <label className="sc-field">
        <span>{t('images.form.seed')}</span>
        <input
          type="text"
          inputMode="numeric"
          value={seed}
          placeholder={t('images.form.seedPlaceholder')}
          aria-invalid={seedInvalid || undefined}
          data-testid="image-seed"
          onChange={(e) => setSeed(e.target.value)}
        />
        <small className="sc-hint">{seedInvalid ? t('images.form.seedInvalid', { max: MAX_SEED }) : t('images.form.seedHint')}</small>
      </label>
      <button
        type="submit"
        className="primary-button"
        data-testid="image-create"
        disabled={!prompt.trim() || seedInvalid || chosenModel === null || (editing && !input)}
        aria-busy={busy || undefined}
      >
        {t('images.form.create')}
      </button>
    </form>
  );
}

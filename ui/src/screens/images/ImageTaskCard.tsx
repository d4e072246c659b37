import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { imageData, saveFile } from '../../api/desk';
import { isErrorCode } from '../../api/deskError';
import { isInsideTauri } from '../../api/tauriRuntime';
import type { ImageInput, ImageTaskStatus, ImageTaskView, StoredImage } from '../../api/types';
import { EditIcon } from '../../components/icons';
import { errorText } from '../../errors/errorText';
import { formatDateTime } from '../common/format';
import { useImageUrl, useInputImageUrl } from './useImageUrl';

const IN_FLIGHT: ImageTaskStatus[] = ['submitting', 'pending', 'running'];

/** Parameters in the order people read them; anything else the core adds follows as it is. */
const PARAMETER_ORDER = ['size', 'n', 'seed', 'negative_prompt', 'negativePrompt'];

function parameters(json: string): [string, string][] {
  try {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    return Object.entries(parsed)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  } catch {
    return [];
  }
}

function rank(key: string): number {
  const at = PARAMETER_ORDER.indexOf(key);
  return at < 0 ? PARAMETER_ORDER.length : at;
}

function requestedCount(json: string): number {
  try {
    const n = (JSON.parse(json) as { n?: unknown }).n;
    return typeof n === 'number' && n > 0 ? Math.min(n, 4) : 1;
  } catch {
    return 1;
  }
}

function ParameterList({ json }: { json: string }) {
  const { t } = useTranslation();
  const label = (key: string) => {
    switch (key) {
      case 'size':
        return t('images.params.size');
      case 'n':
        return t('images.params.n');
      case 'seed':
        return t('images.params.seed');
      case 'negative_prompt':
      case 'negativePrompt':
        return t('images.params.negative');
      default:
        return key;
    }
  };
  const entries = parameters(json);
  if (entries.length === 0) return null;
  return (
    <dl className="sc-params">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{label(key)}</dt>
          <dd>{key === 'size' ? value.replace('*', ' × ') : value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Why something failed: our own codes get the doctor's words, DashScope's a known reason. */
function useFailureText() {
  const { t } = useTranslation();
  return (code: string | null, message: string | null) => {
    if (code && isErrorCode(code)) return errorText(t, code).title;
    if (code === 'DataInspectionFailed') return t('images.failure.blocked');
    if (code === 'InvalidParameter') return t('images.failure.invalid');
    return message ?? t('images.failure.unknown');
  };
}

/** Starts an edit (qwen-image-edit) from a stored picture. */
export type EditImage = (image: StoredImage, description: string) => void;

function ImageTile({ image, prompt, sharedPrompt, onEdit }: { image: StoredImage; prompt: string; sharedPrompt: boolean; onEdit?: EditImage }) {
  const { t } = useTranslation();
  const failureText = useFailureText();
  const url = useImageUrl(image.id);
  if (image.status === 'failed') {
    return (
      <figure className="sc-image sc-image--failed" data-testid="image-failed">
        <div className="sc-image-frame">
          <p className="sc-image-failure">{failureText(image.errorCode, image.errorMessage)}</p>
          {image.errorMessage ? <p className="sc-fine">{image.errorMessage}</p> : null}
          {image.errorCode ? <p className="sc-fine sc-mono">{image.errorCode}</p> : null}
        </div>
      </figure>
    );
  }
  return (
    <figure className="sc-image" data-testid="image-stored">
      <div className="sc-image-frame">
        {url.state === 'ready' ? (
          <a
            href={url.url}
            download={imageFileName(image.id, image.mime)}
            title={t('images.download')}
            onClick={(event) => {
              // The webview has no download manager: the core saves the stored bytes instead.
              if (!isInsideTauri()) return;
              event.preventDefault();
              void imageData(image.id).then((data) => saveFile(imageFileName(image.id, image.mime), data.base64));
            }}
          >
            <img src={url.url} alt={image.actualPrompt ?? prompt} loading="lazy" />
          </a>
        ) : url.state === 'failed' ? (
          <p className="sc-image-failure">{t('images.loadFailed')}</p>
        ) : (
          <span className="sc-skeleton" aria-label={t('images.loading')} />
        )}
      </div>
      {image.actualPrompt && image.actualPrompt !== prompt && !sharedPrompt ? (
        <figcaption className="sc-fine">{t('images.actualPrompt', { prompt: image.actualPrompt })}</figcaption>
      ) : null}
      {onEdit ? (
        <div className="sc-image-actions">
          <button
            type="button"
            className="sc-button sc-button--small"
            data-testid="image-edit"
            aria-label={t('images.edit.thisImage')}
            title={t('images.edit.thisImage')}
            onClick={() => onEdit(image, image.actualPrompt ?? prompt)}
          >
            <EditIcon />
            {t('images.edit.action')}
          </button>
        </div>
      ) : null}
    </figure>
  );
}

function InputThumb({ input, prompt }: { input: ImageInput; prompt: string }) {
  const { t } = useTranslation();
  const url = useInputImageUrl(input.task, input.position);
  return (
    <span className="sc-task-input" data-testid="image-task-input">
      {url.state === 'ready' ? (
        <img src={url.url} alt={t('images.edit.inputAlt', { prompt })} />
      ) : url.state === 'failed' ? (
        <span className="sc-fine">{t('images.loadFailed')}</span>
      ) : (
        <span className="sc-skeleton" aria-label={t('images.loading')} />
      )}
    </span>
  );
}

function TaskCard({ view, onEdit }: { view: ImageTaskView; onEdit?: EditImage }) {
  const { t, i18n } = useTranslation();
  const failureText = useFailureText();
  const { task, images } = view;
  const inputs = view.inputs ?? [];
  const inFlight = IN_FLIGHT.includes(task.status);
  const placeholders = inFlight ? Math.max(0, requestedCount(task.parameters) - images.length) : 0;
  // The model usually rewrites the prompt once for the whole batch: say it once, under the prompt.
  const rewritten = [...new Set(images.flatMap((i) => (i.actualPrompt ? [i.actualPrompt] : [])))];
  const shared = rewritten.length === 1 && rewritten[0] !== task.prompt ? rewritten[0] : null;

  return (
    <article className="sc-card sc-task" data-testid="image-task" data-status={task.status} aria-busy={inFlight || undefined}>
      <header className="sc-task-header">
        <span className={`sc-status sc-status--${task.status}`} data-testid="image-task-status">
          {t(`images.status.${task.status}`)}
        </span>
        <span className="sc-mono sc-muted">{task.model}</span>
        <time className="sc-fine" dateTime={new Date(task.createdAt).toISOString()}>
          {formatDateTime(task.createdAt, i18n.language)}
        </time>
      </header>
      {inputs.length > 0 ? (
        <div className="sc-task-inputs">
          <span>{t('images.edit.editedFrom')}</span>
          {inputs.map((input) => (
            <InputThumb key={input.position} input={input} prompt={task.prompt} />
          ))}
        </div>
      ) : null}
      <p className="sc-task-prompt">{task.prompt}</p>
      {shared ? <p className="sc-fine">{t('images.actualPrompt', { prompt: shared })}</p> : null}
      <ParameterList json={task.parameters} />
      {inFlight ? (
        <div
          className="sc-progress"
          role="progressbar"
          aria-label={t(`images.status.${task.status}`)}
          aria-valuetext={t(`images.progress.${task.status as 'submitting' | 'pending' | 'running'}`)}
        >
          <span />
        </div>
      ) : null}
      {task.status === 'failed' || task.errorMessage ? (
        <div className="sc-problem" role="note" data-testid="image-task-error">
          <p className="error-title">{failureText(task.errorCode, task.errorMessage)}</p>
          {task.errorMessage ? <p className="sc-fine">{task.errorMessage}</p> : null}
          {task.errorCode ? <p className="sc-fine sc-mono">{task.errorCode}</p> : null}
        </div>
      ) : null}
      {images.length > 0 || placeholders > 0 ? (
        <div className="sc-image-grid">
          {images.map((image) => (
            <ImageTile
              key={image.id}
              image={image}
              prompt={task.prompt}
              sharedPrompt={shared !== null}
              onEdit={image.status === 'stored' ? onEdit : undefined}
            />
          ))}
          {Array.from({ length: placeholders }, (_, i) => (
            <div key={`pending-${i}`} className="sc-image">
              <div className="sc-image-frame">
                <span className="sc-skeleton" />
              </div>
            </div>
          ))}
        </div>
      ) : null}
    </article>
  );
}

export const ImageTaskCard = memo(TaskCard);

function imageFileName(id: string, mime: string | null): string {
  const extension = mime === 'image/png' ? 'png' : mime === 'image/svg+xml' ? 'svg' : 'jpg';
  return `bailian-${id}.${extension}`;
}

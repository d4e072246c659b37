import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ACCEPTED_IMAGE_TYPES, readImageFiles, type AttachmentProblem } from '../../state/attachmentFiles';
import type { EditInput } from './editInput';
import { useImageUrl } from './useImageUrl';

function StoredPreview({ imageId, description }: { imageId: string; description: string }) {
  const { t } = useTranslation();
  const url = useImageUrl(imageId);
  if (url.state === 'ready') return <img src={url.url} alt={description} />;
  if (url.state === 'failed') return <span className="sc-fine">{t('images.loadFailed')}</span>;
  return <span className="sc-skeleton" aria-label={t('images.loading')} />;
}

/** The picture to edit: its preview, a way to replace it with a file, and one to drop it. */
export function EditInputField({ input, onInput }: { input: EditInput | null; onInput: (input: EditInput | null) => void }) {
  const { t } = useTranslation();
  const file = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<AttachmentProblem | null>(null);

  const upload = async (files: File[]) => {
    const read = await readImageFiles(files, 1);
    setProblem(read.problems[0] ?? null);
    if (read.attachments[0]) onInput({ kind: 'upload', file: read.attachments[0] });
  };

  return (
    <div className="sc-field" role="group" aria-labelledby="edit-input-label" data-testid="edit-input">
      <span id="edit-input-label">{t('images.edit.input')}</span>
      <div className="sc-edit-input">
        <div className="sc-edit-preview" data-testid="edit-input-preview" data-kind={input?.kind ?? 'none'}>
          {input?.kind === 'stored' ? <StoredPreview imageId={input.imageId} description={input.description} /> : null}
          {input?.kind === 'upload' ? <img src={input.file.previewUrl} alt={input.file.name} /> : null}
          {input === null ? <span className="sc-fine">{t('images.edit.none')}</span> : null}
        </div>
        <div className="sc-edit-actions">
          <button type="button" className="sc-button sc-button--small" data-testid="edit-upload" onClick={() => file.current?.click()}>
            {input ? t('images.edit.replace') : t('images.edit.upload')}
          </button>
          {input ? (
            <button type="button" className="sc-button sc-button--small" data-testid="edit-clear" onClick={() => onInput(null)}>
              {t('images.edit.clear')}
            </button>
          ) : null}
          <input
            ref={file}
            type="file"
            accept={ACCEPTED_IMAGE_TYPES.join(',')}
            hidden
            data-testid="edit-upload-input"
            aria-label={t('images.edit.upload')}
            onChange={(event) => {
              const files = [...(event.target.files ?? [])];
              event.target.value = '';
              void upload(files);
            }}
          />
        </div>
      </div>
      <small className={problem ? 'sc-field-error' : 'sc-hint'}>
        {problem ? t(`attachments.problem.${problem}`) : t('images.edit.hint')}
      </small>
    </div>
  );
}

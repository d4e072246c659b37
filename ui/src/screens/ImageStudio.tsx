import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeader } from './common/ui';
import { withEditModel, type EditInput } from './images/editInput';
import { ImageForm } from './images/ImageForm';
import { ImageTaskCard, type EditImage } from './images/ImageTaskCard';
import { useImageTasks } from './images/useImageTasks';
import { modelIds, useModelsOfKind } from './images/useModels';
import type { ScreenProps } from './screenProps';
import './screens.css';
import './images/images.css';

const FALLBACK_MODELS = ['wanx2.1-t2i-turbo'];

/** Text to image with Wanx, and editing a picture with qwen-image-edit: a form, and every task kept
 * with its prompt, parameters, input and results. */
export function ImageStudio({ notify }: ScreenProps) {
  const { t } = useTranslation();
  const models = withEditModel(modelIds(useModelsOfKind('image', FALLBACK_MODELS, notify)));
  const { tasks, loading, creating, create } = useImageTasks(notify);
  const [input, setInput] = useState<EditInput | null>(null);
  const form = useRef<HTMLDivElement>(null);

  // "Edit" on a picture: it becomes the form's input, and the form comes into view.
  const edit = useCallback<EditImage>((image, description) => {
    setInput({ kind: 'stored', imageId: image.id, description });
    const target = form.current;
    target?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    target?.querySelector<HTMLTextAreaElement>('textarea')?.focus({ preventScroll: true });
  }, []);

  return (
    <section className="screen sc-screen" data-screen="ImageStudio" aria-labelledby="images-title">
      <div className="sc-screen-inner sc-images">
        <ScreenHeader id="images-title" title={t('images.title')} />
        <div className="sc-images-layout">
          <div ref={form} className="sc-image-form-slot">
            <ImageForm models={models} busy={creating > 0} onSubmit={(job) => void create(job)} input={input} onInput={setInput} />
          </div>
          <div className="sc-gallery" aria-labelledby="gallery-title" role="region">
            <h2 id="gallery-title" className="sc-section-title">
              {t('images.gallery')}
            </h2>
            {loading && tasks.length === 0 ? <p className="sc-muted">{t('images.loadingGallery')}</p> : null}
            {!loading && tasks.length === 0 ? <p className="sc-muted" data-testid="gallery-empty">{t('images.empty')}</p> : null}
            {tasks.map((view) => (
              <ImageTaskCard key={view.task.id} view={view} onEdit={edit} />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}

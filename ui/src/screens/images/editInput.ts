import type { ImageJob } from '../../api/types';
import type { PendingAttachment } from '../../state/attachmentFiles';

/** The model that edits an image by instruction (qwen-image-edit and its later versions). */
export const EDIT_MODEL = 'qwen-image-edit';

export function isEditModel(model: string | null): boolean {
  return model !== null && model.includes('image-edit');
}

/** The picture an edit starts from: one of the gallery's, or a file. */
export type EditInput =
  | { kind: 'stored'; imageId: string; description: string }
  | { kind: 'upload'; file: PendingAttachment };

/** Offers the edit model even where the registry does not list it. */
export function withEditModel(models: string[]): string[] {
  return models.some(isEditModel) ? models : [...models, EDIT_MODEL];
}

/** The job's input fields: exactly one of them. */
export function inputFields(input: EditInput): Pick<ImageJob, 'inputImageId' | 'inputImage'> {
  return input.kind === 'stored'
    ? { inputImageId: input.imageId, inputImage: null }
    : { inputImageId: null, inputImage: { mime: input.file.mime, base64: input.file.base64 } };
}

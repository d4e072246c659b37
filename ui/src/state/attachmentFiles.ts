import type { NewAttachment } from '../api/types';

/** An image picked, dropped or pasted into the composer, with a preview to show. */
export interface PendingAttachment extends NewAttachment {
  key: string;
  name: string;
  previewUrl: string;
  bytes: number;
}

export const ACCEPTED_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp'];

/** DashScope takes base64 images up to 10 MB; larger ones are refused before reading them. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export const MAX_ATTACHMENTS = 8;

export type AttachmentProblem = 'notAnImage' | 'tooLarge' | 'tooMany' | 'unreadable';

let nextKey = 1;

function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsDataURL(file);
  });
}

/** Reads the files that are acceptable images; says why any others were left out. */
export async function readImageFiles(
  files: readonly File[],
  room: number,
): Promise<{ attachments: PendingAttachment[]; problems: AttachmentProblem[] }> {
  const attachments: PendingAttachment[] = [];
  const problems: AttachmentProblem[] = [];
  for (const file of files) {
    if (!ACCEPTED_IMAGE_TYPES.includes(file.type)) {
      problems.push('notAnImage');
      continue;
    }
    if (file.size > MAX_IMAGE_BYTES) {
      problems.push('tooLarge');
      continue;
    }
    if (attachments.length >= room) {
      problems.push('tooMany');
      continue;
    }
    try {
      const url = await readAsDataUrl(file);
      const comma = url.indexOf(',');
      attachments.push({
        key: `attachment-${nextKey++}`,
        name: file.name,
        mime: file.type,
        base64: url.slice(comma + 1),
        previewUrl: url,
        bytes: file.size,
      });
    } catch {
      problems.push('unreadable');
    }
  }
  return { attachments, problems };
}

/** Files in a drop or a paste (text pastes have none). */
export function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  if (data.files && data.files.length > 0) return [...data.files];
  const files: File[] = [];
  for (const item of data.items ?? []) {
    if (item.kind !== 'file') continue;
    const file = item.getAsFile();
    if (file) files.push(file);
  }
  return files;
}

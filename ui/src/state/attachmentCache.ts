import { attachmentData } from '../api/desk';
import type { BinaryData } from '../api/types';

// Thumbnails of a long thread scroll in and out of view; keeping the recent ones avoids asking
// the store again for each. Bounded, since one image can be megabytes of base64.
const MAX_ENTRIES = 64;
const cache = new Map<string, Promise<BinaryData>>();

/** An attachment's bytes, fetched once while recently used. */
export function loadAttachment(attachmentId: string): Promise<BinaryData> {
  const hit = cache.get(attachmentId);
  if (hit) {
    cache.delete(attachmentId);
    cache.set(attachmentId, hit);
    return hit;
  }
  const pending = attachmentData(attachmentId);
  cache.set(attachmentId, pending);
  pending.catch(() => cache.delete(attachmentId));
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return pending;
}

export function dataUrl(data: BinaryData): string {
  return `data:${data.mime};base64,${data.base64}`;
}

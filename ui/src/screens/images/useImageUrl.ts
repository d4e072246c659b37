import { useEffect, useRef, useState } from 'react';
import { imageData, imageInputData } from '../../api/desk';
import type { BinaryData } from '../../api/types';

export function binaryToBlob({ mime, base64 }: BinaryData): Blob {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: mime });
}

export type ImageUrl = { state: 'loading' } | { state: 'ready'; url: string } | { state: 'failed' };

/** Bytes loaded once per key as an object URL, revoked when the image leaves the screen. */
function useLoadedUrl(key: string, load: () => Promise<BinaryData>): ImageUrl {
  const [result, setResult] = useState<{ key: string; value: ImageUrl }>({ key, value: { state: 'loading' } });
  const loader = useRef(load);

  useEffect(() => {
    loader.current = load;
  });

  useEffect(() => {
    let url: string | null = null;
    let live = true;
    loader.current().then(
      (data) => {
        if (!live) return;
        url = URL.createObjectURL(binaryToBlob(data));
        setResult({ key, value: { state: 'ready', url } });
      },
      () => live && setResult({ key, value: { state: 'failed' } }),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [key]);

  return result.key === key ? result.value : { state: 'loading' };
}

/** A stored result image. */
export function useImageUrl(imageId: string): ImageUrl {
  return useLoadedUrl(`image:${imageId}`, () => imageData(imageId));
}

/** An image a task was given to edit. */
export function useInputImageUrl(taskId: string, position: number): ImageUrl {
  return useLoadedUrl(`input:${taskId}:${position}`, () => imageInputData(taskId, position));
}

import { useCallback, useRef } from 'react';

/** Selecting in a list beside a detail pane: on narrow screens (one column) the detail is below
 * the list, so choosing scrolls there. Returns the detail's ref and the choosing callback. */
export function useRevealDetail(select: (id: string) => void) {
  const detail = useRef<HTMLDivElement>(null);
  const choose = useCallback(
    (id: string) => {
      select(id);
      if (window.matchMedia?.('(max-width: 900px)').matches) {
        requestAnimationFrame(() => detail.current?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
      }
    },
    [select],
  );
  return { detail, choose };
}

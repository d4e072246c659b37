import { useCallback, useSyncExternalStore } from 'react';

// One list per query: React reads the snapshot on every render of every component using it, and
// a new `matchMedia` call each time showed up in the streaming profile.
const lists = new Map<string, MediaQueryList>();
// Lists belong to the window's `matchMedia` that made them (tests swap it for a fake).
let listsFrom: unknown = null;

function mediaList(query: string): MediaQueryList {
  const current = (window as unknown as Record<string, unknown>).matchMedia;
  if (listsFrom !== current) {
    lists.clear();
    listsFrom = current;
  }
  let list = lists.get(query);
  if (!list) {
    list = window.matchMedia(query);
    lists.set(query, list);
  }
  return list;
}

export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = mediaList(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    [query],
  );
  return useSyncExternalStore(
    subscribe,
    () => mediaList(query).matches,
    () => false,
  );
}

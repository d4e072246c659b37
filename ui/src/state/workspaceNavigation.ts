import { useSyncExternalStore } from 'react';

export type Screen = 'chat' | 'images' | 'meetings' | 'usage' | 'settings';

export interface Navigation {
  screen: Screen;
  /** Screens opened so far: they stay mounted, so an image job or a form survives a look at the chat. */
  visited: ReadonlySet<Screen>;
  /** True while a workspace is there to navigate (not on the welcome or login screens). */
  available: boolean;
}

// One store, not React context: toasts live outside the workspace (App renders them) and still
// offer "Open settings" for a refused key, which has to reach the workspace's navigation.
const initial: Navigation = { screen: 'chat', visited: new Set(['chat']), available: false };
let state: Navigation = initial;
const listeners = new Set<() => void>();

function set(next: Navigation) {
  state = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function showScreen(screen: Screen): void {
  if (screen === state.screen) return;
  const visited = state.visited.has(screen) ? state.visited : new Set([...state.visited, screen]);
  set({ ...state, screen, visited });
}

export function useNavigation(): Navigation {
  return useSyncExternalStore(
    subscribe,
    () => state,
    () => state,
  );
}

/** Called by the workspace while mounted; returns the unmount, which forgets the visits. */
export function registerWorkspace(): () => void {
  set({ ...initial, available: true });
  return () => set(initial);
}

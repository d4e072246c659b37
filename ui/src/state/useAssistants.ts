import { useEffect, useSyncExternalStore } from 'react';
import { listAssistants } from '../api/desk';
import type { Assistant } from '../api/types';

/** Bailian Apps are chatted with as models named `app:<appId>`. */
export const ASSISTANT_PREFIX = 'app:';

export function isAssistantModel(model: string | null | undefined): boolean {
  return model?.startsWith(ASSISTANT_PREFIX) ?? false;
}

// One list for the model picker and the settings that manage it: adding an assistant there shows
// it in the picker at once.
let assistants: readonly Assistant[] = [];
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function set(next: readonly Assistant[]) {
  assistants = next;
  for (const listener of listeners) listener();
}

/** Lists the assistants again; a failure keeps the last list (the picker then simply has none). */
export function refreshAssistants(): Promise<void> {
  loading = listAssistants().then(set, () => undefined);
  return loading;
}

/** What the settings screen got back from adding or removing one. */
export function assistantsChanged(next: readonly Assistant[]): void {
  set(next);
}

export function currentAssistants(): readonly Assistant[] {
  return assistants;
}

/** The profile's assistants, listed once per workspace. */
export function useAssistants(): readonly Assistant[] {
  useEffect(() => {
    if (loading === null) void refreshAssistants();
  }, []);
  return useSyncExternalStore(subscribe, currentAssistants, currentAssistants);
}

/** Forgets the list (sign-out, another profile, tests). */
export function resetAssistants(): void {
  loading = null;
  set([]);
}

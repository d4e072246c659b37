import { useSyncExternalStore } from 'react';

// Text another screen hands to a new chat (a transcript, say): the workspace opens a new chat,
// the composer takes the text as its draft. A store, not props: the screens do not know the chat.

export interface PendingDraft {
  text: string;
  nonce: number;
}

let pending: PendingDraft | null = null;
let nonce = 0;
let newChatHandler: (() => void) | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Opens a new chat with `text` in its composer, ready to be edited and sent. */
export function startChatWith(text: string): void {
  pending = { text, nonce: ++nonce };
  for (const listener of listeners) listener();
  newChatHandler?.();
}

export function usePendingDraft(): PendingDraft | null {
  return useSyncExternalStore(
    subscribe,
    () => pending,
    () => pending,
  );
}

/** The composer took the text: it is not offered again (to a composer mounted later). */
export function clearPendingDraft(taken: number): void {
  if (pending?.nonce !== taken) return;
  pending = null;
  for (const listener of listeners) listener();
}

/** The workspace, while mounted: how to open a new chat. Returns the unregister. */
export function registerNewChat(handler: () => void): () => void {
  newChatHandler = handler;
  return () => {
    if (newChatHandler === handler) newChatHandler = null;
  };
}

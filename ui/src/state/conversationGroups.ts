import type { ConversationSummary } from '../api/types';

export type ConversationGroup =
  | { kind: 'pinned'; key: string; conversations: ConversationSummary[] }
  | { kind: 'folder'; key: string; name: string; conversations: ConversationSummary[] }
  | { kind: 'recent'; key: string; conversations: ConversationSummary[] };

const newestFirst = (a: ConversationSummary, b: ConversationSummary) => b.updatedAt - a.updatedAt;

/**
 * The sidebar's sections: pinned chats first (wherever their folder), then each folder by name,
 * then the rest, newest first within each. Empty sections are left out.
 */
export function groupConversations(conversations: readonly ConversationSummary[], locale: string): ConversationGroup[] {
  const pinned: ConversationSummary[] = [];
  const folders = new Map<string, ConversationSummary[]>();
  const recent: ConversationSummary[] = [];
  for (const c of conversations) {
    if (c.pinned) pinned.push(c);
    else if (c.folder) {
      const list = folders.get(c.folder);
      if (list) list.push(c);
      else folders.set(c.folder, [c]);
    } else recent.push(c);
  }
  const groups: ConversationGroup[] = [];
  if (pinned.length > 0) groups.push({ kind: 'pinned', key: 'pinned', conversations: pinned.sort(newestFirst) });
  const collator = new Intl.Collator(locale);
  for (const name of [...folders.keys()].sort(collator.compare)) {
    groups.push({ kind: 'folder', key: `folder:${name}`, name, conversations: folders.get(name)!.sort(newestFirst) });
  }
  if (recent.length > 0) groups.push({ kind: 'recent', key: 'recent', conversations: recent.sort(newestFirst) });
  return groups;
}

/** The folder names in use, for the "move to folder" suggestions. */
export function folderNames(conversations: readonly ConversationSummary[], locale: string): string[] {
  const names = new Set<string>();
  for (const c of conversations) if (c.folder) names.add(c.folder);
  return [...names].sort(new Intl.Collator(locale).compare);
}

/** The conversation `step` places away from `currentId` in the order the sidebar shows (wrapping). */
export function neighbourConversation(
  groups: readonly ConversationGroup[],
  collapsed: ReadonlySet<string>,
  currentId: string | null,
  step: 1 | -1,
): string | null {
  const order = groups.flatMap((g) => (collapsed.has(g.key) ? [] : g.conversations.map((c) => c.id)));
  if (order.length === 0) return null;
  const index = currentId === null ? -1 : order.indexOf(currentId);
  if (index === -1) return step === 1 ? order[0] : order[order.length - 1];
  return order[(index + step + order.length) % order.length];
}

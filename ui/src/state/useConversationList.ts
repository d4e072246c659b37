import { useCallback, useEffect, useRef, useState } from 'react';
import {
  listConversations,
  purgeConversation,
  restoreConversation,
  trashConversation,
  updateConversation,
} from '../api/desk';
import type { ConversationPatch, ConversationScope, ConversationSummary, DeskError } from '../api/types';

type Lists = Readonly<Record<ConversationScope, ConversationSummary[]>>;

export interface ConversationList {
  /** The chats the sidebar lists (not archived, not in the trash). */
  conversations: ConversationSummary[];
  /** Archived and trashed chats are loaded when their view is opened. */
  lists: Lists;
  loadScope: (scope: ConversationScope) => void;
  refresh: () => void;
  /** Resolves with the updated summary, or null when the backend refused (already notified). */
  update: (conversationId: string, patch: ConversationPatch) => Promise<ConversationSummary | null>;
  trash: (conversationId: string) => Promise<boolean>;
  restore: (conversationId: string) => Promise<boolean>;
  purge: (conversationId: string) => Promise<boolean>;
}

const emptyLists: Lists = { active: [], archived: [], trash: [] };

/** The sidebar's lists, reloaded whenever a reply starts or settles and after every change. */
export function useConversationList(notify: (error: DeskError) => void): ConversationList {
  const [lists, setLists] = useState<Lists>(emptyLists);
  // Only the newest request per scope may write, so a slow older answer cannot overwrite a fresher list.
  const latest = useRef<Record<ConversationScope, number>>({ active: 0, archived: 0, trash: 0 });
  // Scopes the person has looked at are kept fresh after changes; the others load on demand.
  const watched = useRef(new Set<ConversationScope>(['active']));

  const loadScope = useCallback(
    (scope: ConversationScope) => {
      watched.current.add(scope);
      const request = ++latest.current[scope];
      listConversations(scope).then(
        (list) => {
          if (request === latest.current[scope]) setLists((current) => ({ ...current, [scope]: list }));
        },
        (error: DeskError) => {
          if (request === latest.current[scope]) notify(error);
        },
      );
    },
    [notify],
  );

  const refresh = useCallback(() => {
    for (const scope of watched.current) loadScope(scope);
  }, [loadScope]);

  useEffect(() => {
    loadScope('active');
  }, [loadScope]);

  const update = useCallback(
    async (conversationId: string, patch: ConversationPatch) => {
      // Shown at once; the backend's answer (or the reload after a refusal) has the last word.
      setLists((current) => patchEverywhere(current, conversationId, patch));
      try {
        const summary = await updateConversation(conversationId, patch);
        refresh();
        return summary;
      } catch (error) {
        notify(error as DeskError);
        refresh();
        return null;
      }
    },
    [notify, refresh],
  );

  const change = useCallback(
    async (command: () => Promise<null>, optimistic: (lists: Lists) => Lists) => {
      setLists(optimistic);
      try {
        await command();
        refresh();
        return true;
      } catch (error) {
        notify(error as DeskError);
        refresh();
        return false;
      }
    },
    [notify, refresh],
  );

  const trash = useCallback(
    (id: string) => change(() => trashConversation(id), (l) => moveTo(l, id, 'trash', { deletedAt: Date.now() })),
    [change],
  );
  const restore = useCallback(
    (id: string) => change(() => restoreConversation(id), (l) => moveTo(l, id, 'active', { deletedAt: null })),
    [change],
  );
  const purge = useCallback((id: string) => change(() => purgeConversation(id), (l) => without(l, id)), [change]);

  return { conversations: lists.active, lists, loadScope, refresh, update, trash, restore, purge };
}

function without(lists: Lists, id: string): Lists {
  return {
    active: lists.active.filter((c) => c.id !== id),
    archived: lists.archived.filter((c) => c.id !== id),
    trash: lists.trash.filter((c) => c.id !== id),
  };
}

function find(lists: Lists, id: string): ConversationSummary | undefined {
  return lists.active.find((c) => c.id === id) ?? lists.archived.find((c) => c.id === id) ?? lists.trash.find((c) => c.id === id);
}

function moveTo(lists: Lists, id: string, scope: ConversationScope, change: Partial<ConversationSummary>): Lists {
  const found = find(lists, id);
  const rest = without(lists, id);
  if (!found) return rest;
  const moved = { ...found, ...change };
  // A restored chat goes back where it was: archived chats stay archived.
  const target = scope === 'active' && moved.archived ? 'archived' : scope;
  return { ...rest, [target]: [moved, ...rest[target]] };
}

function patchEverywhere(lists: Lists, id: string, patch: ConversationPatch): Lists {
  const found = find(lists, id);
  if (!found) return lists;
  const updated: ConversationSummary = { ...found, ...patch };
  if (patch.archived !== undefined && patch.archived !== found.archived && found.deletedAt === null) {
    return moveTo(lists, id, patch.archived ? 'archived' : 'active', updated);
  }
  const swap = (list: ConversationSummary[]) => list.map((c) => (c.id === id ? updated : c));
  return { active: swap(lists.active), archived: swap(lists.archived), trash: swap(lists.trash) };
}

import type { Message } from '../api/types';

/** The key of the roots' "parent": messages without a (known) parent hang under it. */
export const ROOT = '';

export interface MessageTree {
  /** Position of each message in the array the tree was built from. */
  indexById: ReadonlyMap<string, number>;
  /** Children of each parent key, oldest first. */
  children: ReadonlyMap<string, readonly string[]>;
  /** The parent key of each message (ROOT for roots and orphans). */
  parentOf: ReadonlyMap<string, string>;
  /** The id of the newest leaf under each message: where a path through it ends by default. */
  newestLeaf: ReadonlyMap<string, string>;
  /** Age order of the messages (creation time, then id, which is a UUIDv7). */
  isNewer: (a: string, b: string) => boolean;
}

/** Which child is shown under a parent key; parents without an entry show their newest leaf. */
export type BranchSelections = Readonly<Record<string, string>>;

export function parentKeyOf(message: Pick<Message, 'parentId'>): string {
  return message.parentId ?? ROOT;
}

export function buildTree(messages: readonly Message[]): MessageTree {
  const indexById = new Map<string, number>();
  messages.forEach((m, i) => indexById.set(m.id, i));
  const isNewer = (a: string, b: string) => {
    const ma = messages[indexById.get(a)!];
    const mb = messages[indexById.get(b)!];
    return ma.createdAt !== mb.createdAt ? ma.createdAt > mb.createdAt : ma.id > mb.id;
  };

  const parentOf = new Map<string, string>();
  const children = new Map<string, string[]>();
  for (const m of messages) {
    // A parent that is not in the view (deleted, or a damaged import) makes the message a root,
    // so it stays reachable instead of vanishing.
    const parent = m.parentId !== null && m.parentId !== m.id && indexById.has(m.parentId) ? m.parentId : ROOT;
    parentOf.set(m.id, parent);
    const list = children.get(parent);
    if (list) list.push(m.id);
    else children.set(parent, [m.id]);
  }
  for (const list of children.values()) list.sort((a, b) => (isNewer(a, b) ? 1 : isNewer(b, a) ? -1 : 0));

  // Breadth-first from the roots, then back up in reverse so every child is settled before its
  // parent: no recursion, since a linear 10,000-message thread is 10,000 levels deep. Messages in
  // a parent cycle are never reached from a root and so are left out.
  const order: string[] = [];
  const queue = [...(children.get(ROOT) ?? [])];
  const seen = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    if (seen.has(id)) continue;
    seen.add(id);
    order.push(id);
    for (const child of children.get(id) ?? []) queue.push(child);
  }
  const newestLeaf = new Map<string, string>();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i];
    let best: string | null = null;
    for (const child of children.get(id) ?? []) {
      const leaf = newestLeaf.get(child);
      if (leaf !== undefined && (best === null || isNewer(leaf, best))) best = leaf;
    }
    newestLeaf.set(id, best ?? id);
  }

  return { indexById, children, parentOf, newestLeaf, isNewer };
}

/** The child shown under `parentKey`: the selected one, else the one leading to the newest leaf. */
function shownChild(tree: MessageTree, parentKey: string, selections: BranchSelections): string | null {
  const list = tree.children.get(parentKey);
  if (!list || list.length === 0) return null;
  const selected = selections[parentKey];
  if (selected !== undefined && list.includes(selected)) return selected;
  let best: string | null = null;
  let bestLeaf: string | null = null;
  for (const child of list) {
    const leaf = tree.newestLeaf.get(child);
    if (leaf === undefined) continue;
    if (bestLeaf === null || tree.isNewer(leaf, bestLeaf)) {
      best = child;
      bestLeaf = leaf;
    }
  }
  return best;
}

/** The ids of the shown path, root first. */
export function visiblePath(tree: MessageTree, selections: BranchSelections): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  let next = shownChild(tree, ROOT, selections);
  while (next !== null && !seen.has(next)) {
    seen.add(next);
    path.push(next);
    next = shownChild(tree, next, selections);
  }
  return path;
}

export interface SiblingPosition {
  /** 0-based position among the siblings, oldest first. */
  index: number;
  count: number;
}

export function siblingPosition(tree: MessageTree, messageId: string): SiblingPosition {
  const parent = tree.parentOf.get(messageId);
  const list = parent === undefined ? undefined : tree.children.get(parent);
  if (!list) return { index: 0, count: 1 };
  return { index: list.indexOf(messageId), count: list.length };
}

/** Selections that show the sibling `step` places from `messageId` (none past either end). */
export function stepBranch(
  tree: MessageTree,
  selections: BranchSelections,
  messageId: string,
  step: number,
): BranchSelections {
  const parent = tree.parentOf.get(messageId);
  const list = parent === undefined ? undefined : tree.children.get(parent);
  if (parent === undefined || !list) return selections;
  const target = list[list.indexOf(messageId) + step];
  if (target === undefined) return selections;
  return { ...selections, [parent]: target };
}

/** Selections that put `messageId` on the shown path (e.g. to jump to a search hit). */
export function revealMessage(tree: MessageTree, selections: BranchSelections, messageId: string): BranchSelections {
  if (!tree.parentOf.has(messageId)) return selections;
  const next: Record<string, string> = { ...selections };
  let id = messageId;
  for (let guard = 0; guard <= tree.parentOf.size; guard++) {
    const parent = tree.parentOf.get(id);
    if (parent === undefined) break;
    next[parent] = id;
    if (parent === ROOT) break;
    id = parent;
  }
  return next;
}

/** The message and everything that follows it in its branches. */
export function subtreeIds(tree: MessageTree, messageId: string): Set<string> {
  const out = new Set<string>();
  const stack = [messageId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    for (const child of tree.children.get(id) ?? []) stack.push(child);
  }
  return out;
}

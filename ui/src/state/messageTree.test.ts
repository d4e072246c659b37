import { describe, expect, it } from 'vitest';
import type { Message } from '../api/types';
import { aMessage, aThread } from '../testing/fixtures';
import { ROOT, appendToTree, buildTree, extendPath, revealMessage, siblingPosition, stepBranch, visiblePath } from './messageTree';

let clock = 0;
function m(id: string, parentId: string | null, role: Message['role'] = 'user'): Message {
  clock += 1;
  return aMessage({ id, role, parentId, createdAt: clock });
}

describe('message tree', () => {
  it('shows a linear thread in order', () => {
    const tree = buildTree(aThread(5));
    expect(visiblePath(tree, {})).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('defaults to the branch with the newest leaf, wherever it forks', () => {
    // u1 → a1 → u2 → a2 (older branch, longer); u1 → a1b (regenerated later, newest leaf)
    const messages = [m('u1', null), m('a1', 'u1', 'assistant'), m('u2', 'a1'), m('a2', 'u2', 'assistant'), m('a1b', 'u1', 'assistant')];
    const tree = buildTree(messages);
    expect(visiblePath(tree, {})).toEqual(['u1', 'a1b']);
    expect(siblingPosition(tree, 'a1b')).toEqual({ index: 1, count: 2 });
    expect(siblingPosition(tree, 'u1')).toEqual({ index: 0, count: 1 });
  });

  it('switches branches and follows the newest leaf below the switch', () => {
    const messages = [m('u1', null), m('a1', 'u1', 'assistant'), m('u2', 'a1'), m('a2', 'u2', 'assistant'), m('a1b', 'u1', 'assistant')];
    const tree = buildTree(messages);
    const older = stepBranch(tree, {}, 'a1b', -1);
    expect(older).toEqual({ u1: 'a1' });
    expect(visiblePath(tree, older)).toEqual(['u1', 'a1', 'u2', 'a2']);
    // Past either end nothing changes.
    expect(stepBranch(tree, older, 'a1', -1)).toBe(older);
  });

  it('keeps edited prompts (siblings with the same parent) as versions', () => {
    const messages = [m('u1', null), m('a1', 'u1', 'assistant'), m('u2', 'a1'), m('a2', 'u2', 'assistant'), m('u2b', 'a1'), m('a2b', 'u2b', 'assistant')];
    const tree = buildTree(messages);
    expect(visiblePath(tree, {})).toEqual(['u1', 'a1', 'u2b', 'a2b']);
    expect(tree.children.get('a1')).toEqual(['u2', 'u2b']);
    expect(visiblePath(tree, stepBranch(tree, {}, 'u2b', -1))).toEqual(['u1', 'a1', 'u2', 'a2']);
  });

  it('reveals a message hidden in another branch', () => {
    const messages = [m('u1', null), m('a1', 'u1', 'assistant'), m('a1b', 'u1', 'assistant')];
    const tree = buildTree(messages);
    expect(visiblePath(tree, revealMessage(tree, {}, 'a1'))).toEqual(['u1', 'a1']);
  });

  it('treats messages whose parent is missing as roots, and survives a cycle', () => {
    const orphan = aMessage({ id: 'x', role: 'user', parentId: 'gone', createdAt: 5 });
    const loopA = aMessage({ id: 'p', role: 'user', parentId: 'q', createdAt: 1 });
    const loopB = aMessage({ id: 'q', role: 'user', parentId: 'p', createdAt: 2 });
    const tree = buildTree([orphan, loopA, loopB]);
    expect(tree.parentOf.get('x')).toBe(ROOT);
    expect(visiblePath(tree, {})).toEqual(['x']);
  });

  it('handles a 10,000-message thread without recursion limits', () => {
    const tree = buildTree(aThread(10_000));
    const path = visiblePath(tree, {});
    expect(path).toHaveLength(10_000);
    expect(path[9_999]).toBe('m9999');
  });

  it('grows by appended messages exactly as if rebuilt', () => {
    const msg = (id: string, parentId: string | null, createdAt: number) => aMessage({ id, role: 'user', parentId, createdAt });
    // Random trees (branches, equal timestamps, orphans), grown a few messages at a time.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < 40; round++) {
      const all: Message[] = [];
      let tree = buildTree([]);
      for (let step = 0; step < 30; step++) {
        const batch = 1 + Math.floor(random() * 3);
        for (let k = 0; k < batch; k++) {
          const pick = random();
          const parent = all.length === 0 || pick < 0.1 ? null : pick < 0.15 ? 'missing' : all[Math.floor(random() * all.length)].id;
          all.push(msg(`m${round}-${all.length}`, parent, Math.floor(random() * 20)));
        }
        tree = appendToTree(tree, all);
        const rebuilt = buildTree(all);
        expect(Object.fromEntries(tree.children)).toEqual(Object.fromEntries(rebuilt.children));
        expect(Object.fromEntries(tree.parentOf)).toEqual(Object.fromEntries(rebuilt.parentOf));
        const path = visiblePath(tree, {});
        expect(path).toEqual(visiblePath(rebuilt, {}));
        // Checked against the rule itself, worked out by brute force: at every fork the path takes
        // the child whose subtree holds the newest leaf, and it ends at a leaf.
        const kids = (id: string) => tree.children.get(id) ?? [];
        const leavesUnder = (id: string): string[] => (kids(id).length === 0 ? [id] : kids(id).flatMap(leavesUnder));
        const newest = (ids: string[]) => ids.reduce((a, b) => (tree.isNewer(b, a) ? b : a));
        let parent = ROOT;
        for (const id of path) {
          const options = kids(parent);
          if (options.length > 1) expect(newest(leavesUnder(id))).toBe(newest(options.flatMap(leavesUnder)));
          parent = id;
        }
        expect(kids(parent)).toEqual([]);
      }
    }
  });

  it('extends the shown path by a reply below its end exactly as walking the tree again would', () => {
    const msg = (id: string, parentId: string | null, createdAt: number) => aMessage({ id, role: 'user', parentId, createdAt });
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let extended = 0;
    for (let round = 0; round < 60; round++) {
      const all: Message[] = [];
      for (let k = 0; k < 25; k++) {
        const parent = all.length === 0 || random() < 0.05 ? null : all[Math.floor(random() * all.length)].id;
        all.push(msg(`r${round}-${k}`, parent, Math.floor(random() * 30)));
      }
      let tree = buildTree(all);
      // Some forks picked by hand, as the branch switcher leaves them.
      const selections: Record<string, string> = {};
      for (const [parent, kids] of tree.children) if (kids.length > 1 && random() < 0.4) selections[parent] = kids[Math.floor(random() * kids.length)];
      const path = visiblePath(tree, selections);
      // A chain of one to three messages below the path's end, sometimes with an older clock.
      const chain: Message[] = [];
      let parent = path[path.length - 1];
      for (let k = 0, n = 1 + Math.floor(random() * 3); k < n; k++) {
        const added = msg(`r${round}-new${k}`, parent, Math.floor(random() * 40));
        chain.push(added);
        parent = added.id;
      }
      tree = appendToTree(tree, [...all, ...chain]);
      const chainSelections = { ...selections };
      for (const added of chain) chainSelections[added.parentId!] = added.id;
      const walked = visiblePath(tree, chainSelections);
      const shortcut = extendPath(tree, path, chain);
      if (shortcut !== null) {
        extended += 1;
        expect(shortcut).toEqual(walked);
      }
    }
    // Both cases happen: most chains are newer than the path's end, some are not.
    expect(extended).toBeGreaterThan(20);
    expect(extended).toBeLessThan(60);
    // A reply that is not below the path's end is left to the full walk.
    const thread = aThread(4);
    const fork = aMessage({ id: 'fork', role: 'user', parentId: 'm1', createdAt: 99 });
    expect(extendPath(appendToTree(buildTree(thread), [...thread, fork]), ['m0', 'm1', 'm2', 'm3'], [fork])).toBeNull();
  });
});

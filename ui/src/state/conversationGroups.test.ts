import { describe, expect, it } from 'vitest';
import { aConversation } from '../testing/fixtures';
import { folderNames, groupConversations, neighbourConversation } from './conversationGroups';

const list = [
  aConversation({ id: 'old', updatedAt: 1 }),
  aConversation({ id: 'pinned', updatedAt: 2, pinned: true, folder: 'Work' }),
  aConversation({ id: 'work', updatedAt: 3, folder: 'Work' }),
  aConversation({ id: 'art', updatedAt: 4, folder: 'Art' }),
  aConversation({ id: 'new', updatedAt: 5 }),
];

describe('groupConversations', () => {
  it('puts pinned chats first, then folders by name, then the rest newest first', () => {
    const groups = groupConversations(list, 'en');
    expect(groups.map((g) => [g.key, g.conversations.map((c) => c.id)])).toEqual([
      ['pinned', ['pinned']],
      ['folder:Art', ['art']],
      ['folder:Work', ['work']],
      ['recent', ['new', 'old']],
    ]);
    expect(folderNames(list, 'en')).toEqual(['Art', 'Work']);
  });
});

describe('neighbourConversation', () => {
  const groups = groupConversations(list, 'en');

  it('walks the order the sidebar shows and wraps around', () => {
    expect(neighbourConversation(groups, new Set(), null, 1)).toBe('pinned');
    expect(neighbourConversation(groups, new Set(), 'pinned', 1)).toBe('art');
    expect(neighbourConversation(groups, new Set(), 'old', 1)).toBe('pinned');
    expect(neighbourConversation(groups, new Set(), 'pinned', -1)).toBe('old');
  });

  it('skips folded sections', () => {
    expect(neighbourConversation(groups, new Set(['folder:Art', 'folder:Work']), 'pinned', 1)).toBe('new');
  });
});

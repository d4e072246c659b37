import type { ConversationSummary, Message } from '../api/types';

export function aMessage(overrides: Partial<Message> & Pick<Message, 'id' | 'role'>): Message {
  return {
    conversationId: 'c1',
    content: '',
    status: 'complete',
    model: null,
    demo: false,
    error: null,
    usage: null,
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function aConversation(overrides: Partial<ConversationSummary> & Pick<ConversationSummary, 'id'>): ConversationSummary {
  return {
    title: 'A conversation',
    model: 'qwen-plus',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    messageCount: 2,
    ...overrides,
  };
}

import { describe, expect, it } from 'vitest';
import type { ConversationView } from '../api/types';
import { aMessage as message } from '../testing/fixtures';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from './chatReducer';

const userMessage = message({ id: 'u1', role: 'user', content: 'Hi' });
const assistantMessage = message({
  id: 'a1',
  role: 'assistant',
  status: 'streaming',
  model: 'qwen-plus',
});

function run(state: ChatState, ...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, state);
}

function startedDraft(): ChatState {
  const draft = chatReducer(initialChatState, { type: 'newChat', viewKey: 1 });
  return chatReducer(draft, {
    type: 'started',
    viewKey: draft.viewKey,
    conversationId: 'c1',
    userMessage,
    assistantMessage,
  });
}

describe('chatReducer', () => {
  it('loads a conversation view', () => {
    const view: ConversationView = {
      conversation: {
        id: 'c1',
        title: 'Greetings',
        model: 'qwen-plus',
        createdAt: 1,
        updatedAt: 2,
        messageCount: 2,
      },
      messages: [userMessage, { ...assistantMessage, status: 'complete', content: 'Hello' }],
    };
    const loading = chatReducer(initialChatState, { type: 'loadRequested', viewKey: 1, conversationId: 'c1' });
    expect(loading.loading).toBe(true);
    expect(loading.messages).toEqual([]);

    const loaded = chatReducer(loading, { type: 'viewLoaded', view });
    expect(loaded.loading).toBe(false);
    expect(loaded.conversation?.title).toBe('Greetings');
    expect(loaded.messages.map((m) => m.content)).toEqual(['Hi', 'Hello']);
  });

  it('ignores a view that arrives after another conversation was opened', () => {
    const state = run(
      initialChatState,
      { type: 'loadRequested', viewKey: 1, conversationId: 'c1' },
      { type: 'loadRequested', viewKey: 2, conversationId: 'c2' },
    );
    const view: ConversationView = {
      conversation: { id: 'c1', title: 'Old', model: 'm', createdAt: 1, updatedAt: 1, messageCount: 0 },
      messages: [userMessage],
    };
    expect(chatReducer(state, { type: 'viewLoaded', view })).toBe(state);
  });

  it('streams started → deltas → finished', () => {
    let state = startedDraft();
    expect(state.conversationId).toBe('c1');
    expect(state.liveMessageId).toBe('a1');
    expect(state.messages.map((m) => m.role)).toEqual(['user', 'assistant']);

    const { viewKey } = state;
    state = run(
      state,
      { type: 'delta', viewKey, messageId: 'a1', text: 'Hello' },
      { type: 'delta', viewKey, messageId: 'a1', text: ', there' },
    );
    expect(state.messages[1].content).toBe('Hello, there');
    expect(state.messages[1].status).toBe('streaming');

    const usage = { inputTokens: 3, outputTokens: 4, totalTokens: 7 };
    state = chatReducer(state, {
      type: 'finished',
      viewKey,
      messageId: 'a1',
      status: 'complete',
      usage,
      error: null,
    });
    expect(state.liveMessageId).toBeNull();
    expect(state.messages[1]).toMatchObject({ content: 'Hello, there', status: 'complete', usage });
  });

  it('keeps other message objects identical while a delta is applied', () => {
    const state = startedDraft();
    const next = chatReducer(state, { type: 'delta', viewKey: state.viewKey, messageId: 'a1', text: 'x' });
    expect(next.messages[0]).toBe(state.messages[0]);
    expect(next.messages[1]).not.toBe(state.messages[1]);
  });

  it('keeps the text of a partial reply together with its error', () => {
    const started = startedDraft();
    const { viewKey } = started;
    const error = { code: 'stream_interrupted' as const, message: 'connection reset' };
    const state = run(
      started,
      { type: 'delta', viewKey, messageId: 'a1', text: 'Half a sent' },
      { type: 'finished', viewKey, messageId: 'a1', status: 'partial', usage: null, error },
    );
    expect(state.messages[1]).toMatchObject({ content: 'Half a sent', status: 'partial', error });
  });

  it('marks a failed reply with its error', () => {
    const started = startedDraft();
    const error = { code: 'invalid_api_key' as const, message: 'refused' };
    const state = chatReducer(started, {
      type: 'finished',
      viewKey: started.viewKey,
      messageId: 'a1',
      status: 'failed',
      usage: null,
      error,
    });
    expect(state.messages[1]).toMatchObject({ content: '', status: 'failed', error });
    expect(state.liveMessageId).toBeNull();
  });

  it('shows a retry notice until the next delta', () => {
    const started = startedDraft();
    const { viewKey } = started;
    const retrying = chatReducer(started, {
      type: 'retrying',
      viewKey,
      messageId: 'a1',
      attempt: 2,
      delayMs: 1500,
      reason: 'rate limited',
    });
    expect(retrying.retry).toEqual({ attempt: 2, delayMs: 1500, reason: 'rate limited' });
    const resumed = chatReducer(retrying, { type: 'delta', viewKey, messageId: 'a1', text: 'ok' });
    expect(resumed.retry).toBeNull();
  });

  it('drops stream events meant for a view that is no longer open', () => {
    const started = startedDraft();
    const oldKey = started.viewKey;
    const elsewhere = chatReducer(started, { type: 'newChat', viewKey: oldKey + 1 });
    const after = run(
      elsewhere,
      { type: 'delta', viewKey: oldKey, messageId: 'a1', text: 'late' },
      { type: 'finished', viewKey: oldKey, messageId: 'a1', status: 'complete', usage: null, error: null },
    );
    expect(after).toBe(elsewhere);
    expect(after.messages).toEqual([]);
  });

  it('remembers the request id of a failed reply', () => {
    const started = startedDraft();
    const state = chatReducer(started, {
      type: 'requestIdNoted',
      viewKey: started.viewKey,
      messageId: 'a1',
      requestId: 'req-123',
    });
    expect(state.requestIds).toEqual({ a1: 'req-123' });
  });
});

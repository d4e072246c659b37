import { describe, expect, it } from 'vitest';
import type { ConversationView, Message } from '../api/types';
import { aConversation, aMessage as message } from '../testing/fixtures';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from './chatReducer';

const userMessage = message({ id: 'u1', role: 'user', content: 'Hi' });
const assistantMessage = message({
  id: 'a1',
  role: 'assistant',
  status: 'streaming',
  model: 'qwen-plus',
  parentId: 'u1',
  createdAt: 1_700_000_000_001,
});

// After every action, the kept positions of the shown path point at its messages (they are
// extended rather than worked out again when a reply grows the path).
function run(state: ChatState, ...actions: ChatAction[]): ChatState {
  return actions.reduce((current, action) => {
    const next = chatReducer(current, action);
    expect(next.pathPositions.map((i) => next.messages[i]?.id)).toEqual(next.path);
    return next;
  }, state);
}

function startedDraft(): ChatState {
  const draft = chatReducer(initialChatState, { type: 'newChat', viewKey: 1 });
  return chatReducer(draft, {
    type: 'started',
    contextLeftOut: 0,
    viewKey: draft.viewKey,
    conversationId: 'c1',
    userMessage,
    assistantMessage,
  });
}

function loaded(messages: Message[]): ChatState {
  const loading = chatReducer(initialChatState, { type: 'loadRequested', viewKey: 1, conversationId: 'c1' });
  return chatReducer(loading, { type: 'viewLoaded', view: { conversation: aConversation({ id: 'c1' }), messages } });
}

const shown = (state: ChatState) => state.path.map((id) => state.messages[state.tree.indexById.get(id)!].content);

function finished(viewKey: number, messageId: string, extra: Partial<Extract<ChatAction, { type: 'finished' }>> = {}): ChatAction {
  return { type: 'finished', viewKey, messageId, status: 'complete', usage: null, error: null, costCny: null, finishReason: null, at: 0, ...extra };
}

function streamed(viewKey: number, messageId: string, content: string, reasoning = '', at = 0): ChatAction {
  return { type: 'streamed', viewKey, messageId, content, reasoning, at };
}

describe('chatReducer', () => {
  it('loads a conversation view', () => {
    const view: ConversationView = {
      conversation: aConversation({ id: 'c1', title: 'Greetings' }),
      messages: [userMessage, { ...assistantMessage, status: 'complete', content: 'Hello' }],
    };
    const loading = chatReducer(initialChatState, { type: 'loadRequested', viewKey: 1, conversationId: 'c1' });
    expect(loading.loading).toBe(true);
    expect(loading.messages).toEqual([]);

    const state = chatReducer(loading, { type: 'viewLoaded', view });
    expect(state.loading).toBe(false);
    expect(state.conversation?.title).toBe('Greetings');
    expect(shown(state)).toEqual(['Hi', 'Hello']);
  });

  it('ignores a view that arrives after another conversation was opened', () => {
    const state = run(
      initialChatState,
      { type: 'loadRequested', viewKey: 1, conversationId: 'c1' },
      { type: 'loadRequested', viewKey: 2, conversationId: 'c2' },
    );
    const view: ConversationView = { conversation: aConversation({ id: 'c1', title: 'Old' }), messages: [userMessage] };
    expect(chatReducer(state, { type: 'viewLoaded', view })).toBe(state);
  });

  it('streams started → deltas → finished, with cost', () => {
    let state = startedDraft();
    expect(state.conversationId).toBe('c1');
    expect(state.liveMessageId).toBe('a1');
    expect(state.path).toEqual(['u1', 'a1']);

    const { viewKey } = state;
    state = run(state, streamed(viewKey, 'a1', 'Hello'), streamed(viewKey, 'a1', ', there'));
    expect(state.messages[1].content).toBe('Hello, there');
    expect(state.messages[1].status).toBe('streaming');

    const usage = { inputTokens: 3, outputTokens: 4, totalTokens: 7 };
    state = chatReducer(state, finished(viewKey, 'a1', { usage, costCny: 0.0012 }));
    expect(state.liveMessageId).toBeNull();
    expect(state.messages[1]).toMatchObject({ content: 'Hello, there', status: 'complete', usage, costCny: 0.0012 });
  });

  it('keeps thinking apart from the answer and times it', () => {
    const started = startedDraft();
    const { viewKey } = started;
    const state = run(
      started,
      streamed(viewKey, 'a1', '', 'Let me see', 1000),
      streamed(viewKey, 'a1', '', '… yes.', 2000),
      streamed(viewKey, 'a1', 'Answer', '', 4500),
    );
    expect(state.messages[1]).toMatchObject({ reasoning: 'Let me see… yes.', content: 'Answer' });
    expect(state.thinking.a1).toEqual({ startedAt: 1000, endedAt: 4500 });
  });

  it('shows search sources and tool calls as they arrive', () => {
    const started = startedDraft();
    const { viewKey } = started;
    const sources = [{ index: 1, title: 'Qwen', url: 'https://qwen.ai', siteName: null }];
    const calls = [{ id: 't1', name: 'weather', arguments: '{"city":"Hangzhou"}' }];
    const state = run(
      started,
      { type: 'searchSources', viewKey, messageId: 'a1', sources },
      { type: 'toolCalls', viewKey, messageId: 'a1', calls },
    );
    expect(state.messages[1].searchSources).toEqual(sources);
    expect(state.messages[1].toolCalls).toEqual(calls);
  });

  it('keeps other message objects identical while text streams', () => {
    const state = startedDraft();
    const next = chatReducer(state, streamed(state.viewKey, 'a1', 'x'));
    expect(next.messages[0]).toBe(state.messages[0]);
    expect(next.messages[1]).not.toBe(state.messages[1]);
    // The tree and the shown path are not rebuilt for text.
    expect(next.tree).toBe(state.tree);
    expect(next.path).toBe(state.path);
  });

  it('keeps the text of a partial reply together with its error', () => {
    const started = startedDraft();
    const { viewKey } = started;
    const error = { code: 'stream_interrupted' as const, message: 'connection reset' };
    const state = run(
      started,
      streamed(viewKey, 'a1', 'Half a sent'),
      finished(viewKey, 'a1', { status: 'partial', error }),
    );
    expect(state.messages[1]).toMatchObject({ content: 'Half a sent', status: 'partial', error });
  });

  it('continues a partial reply in place', () => {
    const partial = message({ id: 'a1', role: 'assistant', parentId: 'u1', status: 'partial', content: 'Half ' });
    const state0 = loaded([userMessage, partial]);
    const { viewKey } = state0;
    const state = run(
      state0,
      { type: 'resumed', contextLeftOut: 0, viewKey, assistantMessage: { ...partial, status: 'streaming' } },
      streamed(viewKey, 'a1', 'and the rest.'),
      finished(viewKey, 'a1'),
    );
    expect(state.messages).toHaveLength(2);
    expect(state.messages[1]).toMatchObject({ content: 'Half and the rest.', status: 'complete' });
  });

  it('shows a regenerated reply as a new version next to the old one', () => {
    const first = message({ id: 'a1', role: 'assistant', parentId: 'u1', content: 'First', createdAt: 2 });
    const state0 = loaded([{ ...userMessage, createdAt: 1 }, first]);
    const regenerated = message({ id: 'a2', role: 'assistant', parentId: 'u1', status: 'streaming', createdAt: 3 });
    const state = run(
      state0,
      { type: 'started', contextLeftOut: 0, viewKey: state0.viewKey, conversationId: 'c1', userMessage: null, assistantMessage: regenerated },
      streamed(state0.viewKey, 'a2', 'Second'),
    );
    expect(shown(state)).toEqual(['Hi', 'Second']);
    expect(state.tree.children.get('u1')).toEqual(['a1', 'a2']);

    const back = chatReducer(state, { type: 'branchStepped', viewKey: state.viewKey, messageId: 'a2', step: -1 });
    expect(shown(back)).toEqual(['Hi', 'First']);
  });

  it('keeps how many earlier messages each reply was written without, for as long as the view lasts', () => {
    const first = message({ id: 'a1', role: 'assistant', parentId: 'u1', content: 'First', createdAt: 2 });
    const state0 = loaded([{ ...userMessage, createdAt: 1 }, first]);
    const { viewKey } = state0;
    const regenerated = message({ id: 'a2', role: 'assistant', parentId: 'u1', status: 'streaming', createdAt: 3 });
    const state = run(
      state0,
      { type: 'started', contextLeftOut: 120, viewKey, conversationId: 'c1', userMessage: null, assistantMessage: regenerated },
      streamed(viewKey, 'a2', 'Second'),
      finished(viewKey, 'a2'),
    );
    expect(state.contextLeftOut).toEqual({ a2: 120 });
    // A reply sent whole adds nothing; the same reply continued with everything sent has no note.
    const whole = chatReducer(state, { type: 'resumed', contextLeftOut: 0, viewKey, assistantMessage: first });
    expect(whole.contextLeftOut).toEqual({ a2: 120 });
    const resumed = chatReducer(whole, { type: 'resumed', contextLeftOut: 0, viewKey, assistantMessage: { ...regenerated, status: 'streaming' } });
    expect(resumed.contextLeftOut).toEqual({});
    // Another conversation's view starts without any.
    expect(chatReducer(state, { type: 'newChat', viewKey: viewKey + 1 }).contextLeftOut).toEqual({});
  });

  it('removes a deleted message with the replies that follow it', () => {
    const state0 = loaded([
      { ...userMessage, createdAt: 1 },
      message({ id: 'a1', role: 'assistant', parentId: 'u1', content: 'A', createdAt: 2 }),
      message({ id: 'u2', role: 'user', parentId: 'a1', content: 'More', createdAt: 3 }),
      message({ id: 'a2', role: 'assistant', parentId: 'u2', content: 'B', createdAt: 4 }),
    ]);
    const state = chatReducer(state0, { type: 'messageRemoved', viewKey: state0.viewKey, messageId: 'u2' });
    expect(shown(state)).toEqual(['Hi', 'A']);
    expect(state.messages.map((m) => m.id)).toEqual(['u1', 'a1']);
  });

  it('reveals and marks a message searched for in another branch', () => {
    const loading = chatReducer(initialChatState, {
      type: 'loadRequested',
      viewKey: 1,
      conversationId: 'c1',
      focusMessageId: 'a1',
    });
    const state = chatReducer(loading, {
      type: 'viewLoaded',
      view: {
        conversation: aConversation({ id: 'c1' }),
        messages: [
          { ...userMessage, createdAt: 1 },
          message({ id: 'a1', role: 'assistant', parentId: 'u1', content: 'Old answer', createdAt: 2 }),
          message({ id: 'a2', role: 'assistant', parentId: 'u1', content: 'New answer', createdAt: 3 }),
        ],
      },
    });
    expect(shown(state)).toEqual(['Hi', 'Old answer']);
    expect(state.focus?.messageId).toBe('a1');
  });

  it('marks a failed reply with its error', () => {
    const started = startedDraft();
    const error = { code: 'invalid_api_key' as const, message: 'refused' };
    const state = chatReducer(started, finished(started.viewKey, 'a1', { status: 'failed', error }));
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
    const resumed = chatReducer(retrying, streamed(viewKey, 'a1', 'ok'));
    expect(resumed.retry).toBeNull();
  });

  it('drops stream events meant for a view that is no longer open', () => {
    const started = startedDraft();
    const oldKey = started.viewKey;
    const elsewhere = chatReducer(started, { type: 'newChat', viewKey: oldKey + 1 });
    const after = run(elsewhere, streamed(oldKey, 'a1', 'late'), finished(oldKey, 'a1'));
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

import { describe, expect, it } from 'vitest';
import { aConversation, aMessage as message } from '../testing/fixtures';
import { parseToolThreadKey } from '../components/tools/toolContext';
import { chatReducer, initialChatState, type ChatState } from './chatReducer';

const calls = [
  { id: 'c-a', name: 'get_weather', arguments: '{"city":"Hangzhou"}' },
  { id: 'c-b', name: 'get_weather', arguments: '{"city":"Shanghai"}' },
];
const thread = [
  message({ id: 'u1', role: 'user', content: 'Weather?', createdAt: 1 }),
  message({ id: 'a1', role: 'assistant', parentId: 'u1', toolCalls: calls, finishReason: 'tool_calls', createdAt: 2 }),
];

function loaded(): ChatState {
  const loading = chatReducer(initialChatState, { type: 'loadRequested', viewKey: 1, conversationId: 'c1' });
  return chatReducer(loading, { type: 'viewLoaded', view: { conversation: aConversation({ id: 'c1' }), messages: thread } });
}

describe('chatReducer with tool results', () => {
  it('puts the tool messages between the calls and the reply, in order, and shows them', () => {
    const state = loaded();
    // An older branch under the calls that was picked by hand must not hide the new results.
    const withOther = chatReducer(state, { type: 'branchStepped', viewKey: 1, messageId: 'a1', step: 0 });
    const toolMessages = [
      message({ id: 't1', role: 'tool', parentId: 'a1', toolCallId: 'c-a', content: 'rain', createdAt: 3 }),
      message({ id: 't2', role: 'tool', parentId: 't1', toolCallId: 'c-b', content: 'sun', createdAt: 3 }),
    ];
    const reply = message({ id: 'a2', role: 'assistant', parentId: 't2', status: 'streaming', createdAt: 4 });
    const next = chatReducer(withOther, {
      type: 'started',
      contextLeftOut: 0,
      viewKey: 1,
      conversationId: 'c1',
      userMessage: null,
      assistantMessage: reply,
      toolMessages,
    });
    expect(next.path).toEqual(['u1', 'a1', 't1', 't2', 'a2']);
    expect(next.liveMessageId).toBe('a2');
    expect(next.tree.parentOf.get('t1')).toBe('a1');
    expect(next.tree.parentOf.get('a2')).toBe('t2');
  });

  it('keeps why a reply finished', () => {
    const state = loaded();
    const started = chatReducer(state, {
      type: 'started',
      contextLeftOut: 0,
      viewKey: 1,
      conversationId: 'c1',
      userMessage: null,
      assistantMessage: message({ id: 'a9', role: 'assistant', parentId: 'u1', status: 'streaming', createdAt: 9 }),
    });
    const done = chatReducer(started, {
      type: 'finished',
      viewKey: 1,
      messageId: 'a9',
      status: 'complete',
      usage: null,
      error: null,
      costCny: null,
      finishReason: 'length',
      at: 10,
    });
    expect(done.messages.find((m) => m.id === 'a9')?.finishReason).toBe('length');
  });

  it('keeps the tool facts while a reply streams and works them out again when calls or results arrive', () => {
    const state = loaded();
    expect(parseToolThreadKey(state.toolThreadKey).callNames.get('c-b')).toBe('get_weather');
    expect([...parseToolThreadKey(state.toolThreadKey).answered]).toEqual([]);
    const reply = message({ id: 'a2', role: 'assistant', parentId: 't1', status: 'streaming', createdAt: 4 });
    const started = chatReducer(state, {
      type: 'started',
      contextLeftOut: 0,
      viewKey: 1,
      conversationId: 'c1',
      userMessage: null,
      assistantMessage: reply,
      toolMessages: [message({ id: 't1', role: 'tool', parentId: 'a1', toolCallId: 'c-a', content: 'rain', createdAt: 3 })],
    });
    expect([...parseToolThreadKey(started.toolThreadKey).answered]).toEqual(['a1']);
    const streamed = chatReducer(started, { type: 'streamed', viewKey: 1, messageId: 'a2', content: 'It rains', reasoning: '', at: 5 });
    expect(streamed.messages).not.toBe(started.messages);
    expect(streamed.toolThreadKey).toBe(started.toolThreadKey);
    const called = chatReducer(streamed, {
      type: 'toolCalls',
      viewKey: 1,
      messageId: 'a2',
      calls: [{ id: 'c-z', name: 'get_time', arguments: '{}' }],
    });
    expect(parseToolThreadKey(called.toolThreadKey).callNames.get('c-z')).toBe('get_time');
  });
});

import type { Message } from '../api/types';
import type { MessageTree } from './messageTree';

/**
 * A key that changes only when the tool facts of the thread change (not for streamed text), so
 * the context built from it stays the same object while a reply streams. The chat reducer keeps
 * it (`ChatState.toolThreadKey`), worked out again only when messages are added, removed or get
 * tool calls, not for each streamed frame.
 */
export function toolThreadKey(messages: readonly Message[], tree: MessageTree): string {
  const answered: string[] = [];
  const names: string[] = [];
  // Index loops: this runs on every streamed frame over the whole thread, and an iterator per
  // message (most have no calls) was most of its cost in WebKit.
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'tool') {
      const parent = tree.parentOf.get(m.id);
      const parentMessage = parent === undefined ? undefined : messages[tree.indexById.get(parent) ?? -1];
      if (parentMessage && parentMessage.role === 'assistant') answered.push(parentMessage.id);
    }
    const calls = m.toolCalls;
    for (let j = 0; j < calls.length; j++) names.push(`${calls[j].id}\u0000${calls[j].name}`);
  }
  return `${answered.sort().join(',')}\u0001${names.join('\u0001')}`;
}

import { createContext, useContext } from 'react';
import type { ToolResult } from '../../api/types';
import type { SendResult } from '../../state/useChatSession';

/**
 * What a row needs to know about tool calls beyond its own message: whether an assistant's calls
 * have results yet, and the name of the call a result answers. A context rather than row props,
 * so only the rows that show tool calls or results re-render when the thread changes.
 */
export interface ToolThread {
  /** Assistant messages whose calls have results (a `tool` child). */
  answered: ReadonlySet<string>;
  /** Function name of every tool call in the thread, by call id. */
  callNames: ReadonlyMap<string, string>;
  submit: (assistantMessageId: string, results: ToolResult[]) => Promise<SendResult>;
}

const none: ToolThread = { answered: new Set(), callNames: new Map(), submit: () => Promise.resolve('rejected') };

export const ToolThreadContext = createContext<ToolThread>(none);

export function useToolThread(): ToolThread {
  return useContext(ToolThreadContext);
}

export function parseToolThreadKey(key: string): Pick<ToolThread, 'answered' | 'callNames'> {
  const [answered, ...names] = key.split('\u0001');
  return {
    answered: new Set(answered === '' ? [] : answered.split(',')),
    callNames: new Map(
      names.filter((n) => n !== '').map((n) => {
        const [id, name] = n.split('\u0000');
        return [id, name] as [string, string];
      }),
    ),
  };
}

import type {
  ConversationSummary,
  ConversationView,
  FinishReason,
  Message,
  MessageError,
  MessageStatus,
  SearchSource,
  ToolCall,
  Usage,
} from '../api/types';
import {
  appendToTree,
  buildTree,
  extendPath,
  parentKeyOf,
  revealMessage,
  stepBranch,
  subtreeIds,
  visiblePath,
  type BranchSelections,
  type MessageTree,
} from './messageTree';
import { traced } from '../perf/trace';
import { toolThreadKey } from './toolThreadKey';

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** When the model thought, as seen here (stored replies do not keep it). Unix ms. */
export interface ThinkingTime {
  startedAt: number;
  endedAt: number | null;
}

/** A message to scroll to and mark; `nonce` makes a second jump to the same one count. */
export interface FocusRequest {
  messageId: string;
  nonce: number;
}

/** The conversation open in the chat view. */
export interface ChatState {
  /** Changes whenever a conversation (or a new draft) is opened, so late stream events for an old view are dropped. */
  viewKey: number;
  /** null while the view is a new, not yet stored chat. */
  conversationId: string | null;
  conversation: ConversationSummary | null;
  /** Every message of the conversation, all branches, in the order they arrived. */
  messages: Message[];
  /** Rebuilt only when messages come or go, never for streamed text. */
  tree: MessageTree;
  selections: BranchSelections;
  /** Ids of the shown branch, root first. */
  path: readonly string[];
  /** Where each message of `path` is in `messages` (what a view reads the shown messages by). */
  pathPositions: readonly number[];
  loading: boolean;
  /** The assistant message this view is receiving deltas for. */
  liveMessageId: string | null;
  retry: RetryNotice | null;
  /** DashScope request ids, known only from a command's rejection, keyed by assistant message id. */
  requestIds: Readonly<Record<string, string>>;
  /** How many of the oldest messages a reply's request left out (over the model's context),
   * keyed by assistant message id; known only from the stream that wrote it. */
  contextLeftOut: Readonly<Record<string, number>>;
  thinking: Readonly<Record<string, ThinkingTime>>;
  focus: FocusRequest | null;
  /** What screen readers hear about the reply: the list itself is not a live region, since
   * rows scrolled into a virtual list would be read out as if new. */
  announcement: 'replying' | MessageStatus | null;
  /** Which tool calls have results and the calls' names, as a key (`toolThreadKey`). */
  toolThreadKey: string;
}

type Viewed<T> = T & { viewKey: number };

export type ChatAction =
  | { type: 'newChat'; viewKey: number }
  | { type: 'loadRequested'; viewKey: number; conversationId: string; focusMessageId?: string | null }
  | { type: 'viewLoaded'; view: ConversationView }
  | { type: 'loadFailed'; conversationId: string }
  | Viewed<{
      type: 'started';
      conversationId: string;
      userMessage: Message | null;
      assistantMessage: Message;
      /** Tool results stored ahead of the reply (`submit_tool_results`), in order. */
      toolMessages?: readonly Message[];
      contextLeftOut: number;
    }>
  | Viewed<{ type: 'resumed'; assistantMessage: Message; contextLeftOut: number }>
  | Viewed<{ type: 'streamed'; messageId: string; content: string; reasoning: string; at: number }>
  | Viewed<{ type: 'searchSources'; messageId: string; sources: SearchSource[] }>
  | Viewed<{ type: 'toolCalls'; messageId: string; calls: ToolCall[] }>
  | Viewed<{ type: 'retrying'; messageId: string } & RetryNotice>
  | Viewed<{
      type: 'finished';
      messageId: string;
      status: MessageStatus;
      usage: Usage | null;
      error: MessageError | null;
      costCny: number | null;
      /** Why the model stopped; null when the stream did not say. */
      finishReason: FinishReason | null;
      at: number;
    }>
  | Viewed<{ type: 'requestIdNoted'; messageId: string; requestId: string }>
  | Viewed<{ type: 'branchStepped'; messageId: string; step: number }>
  | Viewed<{ type: 'messageRemoved'; messageId: string }>
  | Viewed<{ type: 'focusRequested'; messageId: string }>
  | { type: 'conversationChanged'; conversation: ConversationSummary }
  /** Changes nothing: dispatched in the transition that hands the composer back at a stream's
   * end, it ties that transition to the stream's pending ones (React renders transitions that
   * update the same reducer together), so the reply's last update, if not yet drawn, and the
   * composer's return commit in one render. */
  | { type: 'streamSettled' };

const emptyTree = buildTree([]);

export const initialChatState: ChatState = {
  viewKey: 0,
  conversationId: null,
  conversation: null,
  messages: [],
  tree: emptyTree,
  toolThreadKey: toolThreadKey([], emptyTree),
  selections: {},
  path: [],
  pathPositions: [],
  loading: false,
  liveMessageId: null,
  retry: null,
  requestIds: {},
  contextLeftOut: {},
  thinking: {},
  focus: null,
  announcement: null,
};

let focusNonce = 0;

function freshView(
  viewKey: number,
  conversationId: string | null,
  loading: boolean,
  focusMessageId: string | null = null,
): ChatState {
  return {
    ...initialChatState,
    viewKey,
    conversationId,
    loading,
    focus: focusMessageId ? { messageId: focusMessageId, nonce: ++focusNonce } : null,
  };
}

/** `byReply` with `replyId`'s count (none when 0); the same object when nothing changes. */
function noteLeftOut(byReply: Readonly<Record<string, number>>, replyId: string, count: number) {
  if ((byReply[replyId] ?? 0) === count) return byReply;
  const next = { ...byReply };
  if (count > 0) next[replyId] = count;
  else delete next[replyId];
  return next;
}

function positionsOf(tree: MessageTree, path: readonly string[]): number[] {
  return path.map((id) => tree.indexById.get(id)!);
}

/** New messages (or fewer): rebuild the tree and the shown path. */
function withMessages(state: ChatState, messages: Message[], selections: BranchSelections = state.selections): ChatState {
  const tree = buildTree(messages);
  const path = visiblePath(tree, selections);
  return { ...state, messages, tree, selections, path, pathPositions: positionsOf(tree, path) };
}

function withSelections(state: ChatState, selections: BranchSelections): ChatState {
  if (selections === state.selections) return state;
  const path = visiblePath(state.tree, selections);
  return { ...state, selections, path, pathPositions: positionsOf(state.tree, path) };
}

/** Replaces one message, keeping every other message object identical so memoised rows skip rendering. */
function updateMessage(state: ChatState, messageId: string, update: (message: Message) => Message): Message[] {
  const index = state.tree.indexById.get(messageId);
  if (index === undefined) return state.messages;
  const next = state.messages.slice();
  next[index] = update(state.messages[index]);
  return next;
}

/** Adds or replaces messages; replacing keeps positions, so the tree needs a rebuild only for additions. */
function upsert(state: ChatState, incoming: Message[], selections: BranchSelections): ChatState {
  let messages = state.messages;
  const added: Message[] = [];
  for (const m of incoming) {
    const index = state.tree.indexById.get(m.id);
    if (index === undefined) {
      added.push(m);
    } else {
      if (messages === state.messages) messages = messages.slice();
      messages[index] = m;
    }
  }
  if (added.length === 0 && selections === state.selections) return { ...state, messages };
  if (added.length === 0) return withMessages(state, messages, selections);
  const all = [...messages, ...added];
  const tree = traced('tree: append', () => appendToTree(state.tree, all));
  // A reply below the shown path's end extends it (the common case: a 10,000-message path is
  // not walked again); anything else, or other selections, works the path out whole.
  const extended = messages === state.messages && sameSelectionsBut(state.selections, selections, added) ? extendPath(tree, state.path, added) : null;
  if (extended) {
    // The tree grew by appending, so the old path's messages kept their positions.
    const pathPositions = state.pathPositions.concat(added.map((m) => tree.indexById.get(m.id)!));
    return { ...state, messages: all, tree, selections, path: extended, pathPositions };
  }
  const path = traced('tree: visible path', () => visiblePath(tree, selections));
  return { ...state, messages: all, tree, selections, path, pathPositions: positionsOf(tree, path) };
}

/** Whether `next` is `previous` plus, at most, the new messages selected under their parents. */
function sameSelectionsBut(previous: BranchSelections, next: BranchSelections, added: readonly Message[]): boolean {
  if (next === previous) return true;
  const changed = new Set(added.map((m) => parentKeyOf(m)));
  for (const key of Object.keys(next)) {
    if (changed.has(key)) continue;
    if (next[key] !== previous[key]) return false;
  }
  return Object.keys(previous).every((key) => changed.has(key) || key in next);
}

const streamActions = new Set<ChatAction['type']>([
  'started',
  'resumed',
  'streamed',
  'searchSources',
  'toolCalls',
  'retrying',
  'finished',
  'requestIdNoted',
  'branchStepped',
  'messageRemoved',
  'focusRequested',
]);

// Actions that change a message's text, status or sources, never roles or tool calls: the tool key
// stays (a streamed frame would otherwise walk the whole thread for it).
const keepsToolFacts = new Set<ChatAction['type']>(['streamed', 'finished', 'searchSources', 'retrying', 'requestIdNoted']);

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  const next = reduce(state, action);
  if (next.messages === state.messages || keepsToolFacts.has(action.type)) return next;
  return { ...next, toolThreadKey: toolThreadKey(next.messages, next.tree) };
}

function reduce(state: ChatState, action: ChatAction): ChatState {
  // Events of a view belong to it: a stream still running for a view left behind is ignored.
  if (streamActions.has(action.type) && 'viewKey' in action && action.viewKey !== state.viewKey) return state;

  switch (action.type) {
    case 'newChat':
      return freshView(action.viewKey, null, false);

    case 'loadRequested':
      return freshView(action.viewKey, action.conversationId, true, action.focusMessageId ?? null);

    case 'viewLoaded': {
      if (action.view.conversation.id !== state.conversationId) return state;
      const loaded = withMessages(
        { ...state, conversation: action.view.conversation, loading: false, liveMessageId: null, retry: null },
        action.view.messages,
        {},
      );
      return state.focus ? withSelections(loaded, revealMessage(loaded.tree, {}, state.focus.messageId)) : loaded;
    }

    case 'loadFailed':
      if (action.conversationId !== state.conversationId) return state;
      return { ...state, loading: false };

    case 'started': {
      const { userMessage, assistantMessage } = action;
      // Tool results go between the calls and the reply, each following the one before.
      const incoming = [...(userMessage ? [userMessage] : []), ...(action.toolMessages ?? []), assistantMessage];
      // The new messages are shown even where an older sibling was picked by hand.
      const selections: Record<string, string> = { ...state.selections };
      for (const message of incoming) selections[parentKeyOf(message)] = message.id;
      const next = upsert(state, incoming, selections);
      return {
        ...next,
        conversationId: action.conversationId,
        liveMessageId: assistantMessage.id,
        retry: null,
        announcement: 'replying',
        contextLeftOut: noteLeftOut(state.contextLeftOut, assistantMessage.id, action.contextLeftOut),
      };
    }

    case 'resumed': {
      const next = upsert(state, [action.assistantMessage], state.selections);
      return {
        ...next,
        liveMessageId: action.assistantMessage.id,
        retry: null,
        announcement: 'replying',
        contextLeftOut: noteLeftOut(state.contextLeftOut, action.assistantMessage.id, action.contextLeftOut),
      };
    }

    case 'streamed': {
      if (action.messageId !== state.liveMessageId) return state;
      const messages = updateMessage(state, action.messageId, (m) => ({
        ...m,
        content: action.content ? m.content + action.content : m.content,
        reasoning: action.reasoning ? (m.reasoning ?? '') + action.reasoning : m.reasoning,
      }));
      return { ...state, messages, retry: null, thinking: noteThinking(state.thinking, action) };
    }

    case 'searchSources':
      return {
        ...state,
        messages: updateMessage(state, action.messageId, (m) => ({ ...m, searchSources: action.sources })),
      };

    case 'toolCalls':
      return {
        ...state,
        messages: updateMessage(state, action.messageId, (m) => ({ ...m, toolCalls: action.calls })),
      };

    case 'retrying':
      if (action.messageId !== state.liveMessageId) return state;
      return { ...state, retry: { attempt: action.attempt, delayMs: action.delayMs, reason: action.reason } };

    case 'finished': {
      const isLive = action.messageId === state.liveMessageId;
      const time = state.thinking[action.messageId];
      return {
        ...state,
        liveMessageId: isLive ? null : state.liveMessageId,
        retry: isLive ? null : state.retry,
        announcement: isLive ? action.status : state.announcement,
        thinking:
          time && time.endedAt === null
            ? { ...state.thinking, [action.messageId]: { ...time, endedAt: action.at } }
            : state.thinking,
        messages: updateMessage(state, action.messageId, (m) => ({
          ...m,
          status: action.status,
          usage: action.usage ?? m.usage,
          error: action.error,
          costCny: action.costCny ?? m.costCny,
          finishReason: action.finishReason,
        })),
      };
    }

    case 'requestIdNoted':
      return { ...state, requestIds: { ...state.requestIds, [action.messageId]: action.requestId } };

    case 'branchStepped':
      return withSelections(state, stepBranch(state.tree, state.selections, action.messageId, action.step));

    case 'messageRemoved': {
      if (!state.tree.indexById.has(action.messageId)) return state;
      const gone = subtreeIds(state.tree, action.messageId);
      return withMessages(
        state,
        state.messages.filter((m) => !gone.has(m.id)),
      );
    }

    case 'focusRequested':
      return {
        ...withSelections(state, revealMessage(state.tree, state.selections, action.messageId)),
        focus: { messageId: action.messageId, nonce: ++focusNonce },
      };

    case 'conversationChanged':
      if (action.conversation.id !== state.conversationId) return state;
      return { ...state, conversation: action.conversation };

    case 'streamSettled':
      return state;
  }
}

/** Thinking starts with its first text and ends when the answer's first text arrives. */
function noteThinking(
  thinking: ChatState['thinking'],
  action: { messageId: string; content: string; reasoning: string; at: number },
): ChatState['thinking'] {
  const time = thinking[action.messageId];
  if (!time) {
    if (action.reasoning === '') return thinking;
    return { ...thinking, [action.messageId]: { startedAt: action.at, endedAt: action.content ? action.at : null } };
  }
  if (time.endedAt === null && action.content !== '') {
    return { ...thinking, [action.messageId]: { ...time, endedAt: action.at } };
  }
  return thinking;
}

import type {
  ConversationSummary,
  ConversationView,
  Message,
  MessageError,
  MessageStatus,
  Usage,
} from '../api/types';

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** The conversation open in the chat view. */
export interface ChatState {
  /** Changes whenever a conversation (or a new draft) is opened, so late stream events for an old view are dropped. */
  viewKey: number;
  /** null while the view is a new, not yet stored chat. */
  conversationId: string | null;
  conversation: ConversationSummary | null;
  messages: Message[];
  loading: boolean;
  /** The assistant message this view is receiving deltas for. */
  liveMessageId: string | null;
  retry: RetryNotice | null;
  /** DashScope request ids, known only from a command's rejection, keyed by assistant message id. */
  requestIds: Readonly<Record<string, string>>;
}

export type ChatAction =
  | { type: 'newChat'; viewKey: number }
  | { type: 'loadRequested'; viewKey: number; conversationId: string }
  | { type: 'viewLoaded'; view: ConversationView }
  | { type: 'loadFailed'; conversationId: string }
  | {
      type: 'started';
      viewKey: number;
      conversationId: string;
      userMessage: Message;
      assistantMessage: Message;
    }
  | { type: 'delta'; viewKey: number; messageId: string; text: string }
  | ({ type: 'retrying'; viewKey: number; messageId: string } & RetryNotice)
  | {
      type: 'finished';
      viewKey: number;
      messageId: string;
      status: MessageStatus;
      usage: Usage | null;
      error: MessageError | null;
    }
  | { type: 'requestIdNoted'; viewKey: number; messageId: string; requestId: string };

export const initialChatState: ChatState = {
  viewKey: 0,
  conversationId: null,
  conversation: null,
  messages: [],
  loading: false,
  liveMessageId: null,
  retry: null,
  requestIds: {},
};

function freshView(viewKey: number, conversationId: string | null, loading: boolean): ChatState {
  return { ...initialChatState, viewKey, conversationId, loading };
}

/** Replaces one message, keeping every other message object identical so memoised rows skip rendering. */
function updateMessage(
  messages: Message[],
  messageId: string,
  update: (message: Message) => Message,
): Message[] {
  const index = messages.findIndex((m) => m.id === messageId);
  if (index === -1) return messages;
  const next = messages.slice();
  next[index] = update(messages[index]);
  return next;
}

type StreamAction = Extract<ChatAction, { type: 'started' | 'delta' | 'retrying' | 'finished' | 'requestIdNoted' }>;

function isStreamAction(action: ChatAction): action is StreamAction {
  return (
    action.type !== 'newChat' &&
    action.type !== 'loadRequested' &&
    action.type !== 'viewLoaded' &&
    action.type !== 'loadFailed'
  );
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  // Stream events belong to the view they were sent from.
  if (isStreamAction(action) && action.viewKey !== state.viewKey) return state;

  switch (action.type) {
    case 'newChat':
      return freshView(action.viewKey, null, false);

    case 'loadRequested':
      return freshView(action.viewKey, action.conversationId, true);

    case 'viewLoaded':
      if (action.view.conversation.id !== state.conversationId) return state;
      return {
        ...state,
        conversation: action.view.conversation,
        messages: action.view.messages,
        loading: false,
        liveMessageId: null,
        retry: null,
      };

    case 'loadFailed':
      if (action.conversationId !== state.conversationId) return state;
      return { ...state, loading: false };

    case 'started':
      return {
        ...state,
        conversationId: action.conversationId,
        messages: [
          ...state.messages.filter(
            (m) => m.id !== action.userMessage.id && m.id !== action.assistantMessage.id,
          ),
          action.userMessage,
          action.assistantMessage,
        ],
        liveMessageId: action.assistantMessage.id,
        retry: null,
      };

    case 'delta':
      if (action.messageId !== state.liveMessageId) return state;
      return {
        ...state,
        retry: null,
        messages: updateMessage(state.messages, action.messageId, (m) => ({
          ...m,
          content: m.content + action.text,
        })),
      };

    case 'retrying':
      if (action.messageId !== state.liveMessageId) return state;
      return {
        ...state,
        retry: { attempt: action.attempt, delayMs: action.delayMs, reason: action.reason },
      };

    case 'finished': {
      const isLive = action.messageId === state.liveMessageId;
      return {
        ...state,
        liveMessageId: isLive ? null : state.liveMessageId,
        retry: isLive ? null : state.retry,
        messages: updateMessage(state.messages, action.messageId, (m) => ({
          ...m,
          status: action.status,
          usage: action.usage ?? m.usage,
          error: action.error,
        })),
      };
    }

    case 'requestIdNoted':
      return { ...state, requestIds: { ...state.requestIds, [action.messageId]: action.requestId } };
  }
}

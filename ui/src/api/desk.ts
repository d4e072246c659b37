import { Channel, invoke } from '@tauri-apps/api/core';
import { toDeskError } from './deskError';
import type {
  AppStatus,
  ConversationSummary,
  ConversationView,
  SendOutcome,
  SendRequest,
  StreamUpdate,
} from './types';

// Every wrapper normalises rejections so callers can rely on a DeskError.
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toDeskError(reason);
  }
}

export function appStatus(): Promise<AppStatus> {
  return call<AppStatus>('app_status');
}

export function startDemo(): Promise<AppStatus> {
  return call<AppStatus>('start_demo');
}

export function listConversations(): Promise<ConversationSummary[]> {
  return call<ConversationSummary[]>('list_conversations');
}

export function getConversation(conversationId: string): Promise<ConversationView> {
  return call<ConversationView>('get_conversation', { conversationId });
}

/** Resolves once the reply is complete, partial or failed; progress arrives through `onUpdate`. */
export function sendMessage(
  request: SendRequest,
  onUpdate: (update: StreamUpdate) => void,
): Promise<SendOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  return call<SendOutcome>('send_message', { request, onEvent });
}

export function stopStream(assistantMessageId: string): Promise<null> {
  return call<null>('stop_stream', { assistantMessageId });
}

// Mirrors the Rust side's serde types (camelCase). Keep in step with src-tauri.

export type AppMode = 'live' | 'demo' | 'needs_setup';

export interface AppStatus {
  mode: AppMode;
  baseUrl: string | null;
  defaultModel: string;
  models: string[];
  dataDir: string;
  /** Why the automatic backup failed when the app opened, if it did. */
  backupProblem: string | null;
}

/** Single source for the union below, so tests can walk every code. */
export const ERROR_CODES = [
  'empty_prompt',
  'conversation_not_found',
  'missing_api_key',
  'invalid_api_key',
  'network',
  'timeout',
  'rate_limited',
  'server_error',
  'stream_interrupted',
  'cancelled',
  'model_not_found',
  'bad_request',
  'access_denied',
  'model_not_activated',
  'workspace_not_found',
  'arrears',
  'quota_exhausted',
  'unsupported_by_model',
  'content_blocked',
  'storage',
  'demo_unavailable',
  'key_store_unavailable',
  'key_file_locked',
  'budget_exceeded',
  'invalid_import',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface MessageError {
  code: ErrorCode;
  message: string;
}

export type MessageStatus = 'complete' | 'streaming' | 'partial' | 'failed';

export type MessageRole = 'user' | 'assistant' | 'system';

export interface Message {
  id: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  demo: boolean;
  error: MessageError | null;
  usage: Usage | null;
  /** Unix milliseconds. */
  createdAt: number;
}

export interface ConversationSummary {
  id: string;
  title: string;
  model: string;
  createdAt: number;
  updatedAt: number;
  messageCount: number;
}

export interface ConversationView {
  conversation: ConversationSummary;
  messages: Message[];
}

export interface SendRequest {
  conversationId: string | null;
  prompt: string;
  model: string | null;
}

export type StreamUpdate =
  | { type: 'started'; conversationId: string; userMessage: Message; assistantMessage: Message }
  | { type: 'delta'; text: string }
  | { type: 'retrying'; attempt: number; delayMs: number; reason: string }
  | { type: 'finished'; status: MessageStatus; usage: Usage | null; error: MessageError | null };

export interface SendOutcome {
  conversationId: string;
  assistantMessageId: string;
  status: MessageStatus;
}

export interface DeskError {
  code: ErrorCode;
  message: string;
  dashscopeCode: string | null;
  requestId: string | null;
  retryAfterMs: number | null;
}

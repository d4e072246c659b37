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
  'session_required',
  'session_expired',
  'wrong_password',
  'login_throttled',
  'forbidden',
  'profile_not_found',
  'invalid_profile',
  'database_corrupt',
  'message_not_found',
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

/** `tool`: the result of one of the model's tool calls, given by the person (or a script) with
 * `submit_tool_results`; its `toolCallId` names the call it answers. */
export type MessageRole = 'user' | 'assistant' | 'system' | 'tool';

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
  /** The message this one answers or follows; null for the first of a conversation. Messages
   * form a tree: regenerate and edit-and-resend add siblings, the UI shows one path. */
  parentId: string | null;
  /** The model's thinking (`reasoning_content`), kept apart from the answer. */
  reasoning: string | null;
  searchSources: SearchSource[];
  toolCalls: ToolCall[];
  attachments: Attachment[];
  /** CNY, from the registry's price; null when unknown or not a paid reply. */
  costCny: number | null;
  /** For a `tool` message: the id of the tool call it answers; null otherwise. */
  toolCallId: string | null;
  /** Why the model stopped, as the API said (`stop`, `length` when `maxTokens` or the model's
   * limit cut it, `tool_calls`); null while streaming, for user messages and for replies that
   * ended without one (stopped, failed, stored before this field existed). */
  finishReason: FinishReason | null;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface ConversationSummary {
  id: string;
  title: string;
  model: string;
  createdAt: number;
  updatedAt: number;
  messageCount: number;
  pinned: boolean;
  /** A folder name, or null for none. */
  folder: string | null;
  archived: boolean;
  /** Unix ms when moved to the trash; null when not in the trash. */
  deletedAt: number | null;
  params: ChatParams;
}

export interface ConversationView {
  conversation: ConversationSummary;
  messages: Message[];
}

export interface SendRequest {
  conversationId: string | null;
  prompt: string;
  model: string | null;
  /** The message the new user message follows: omitted or null means after the newest message
   * of the conversation; an earlier message makes a sibling branch (edit-and-resend). */
  parentId?: string | null;
  /** Edit-and-resend: the prompt (a user message) this one replaces; the new prompt becomes its
   * sibling, a new root when the edited prompt was the first. Never together with `parentId`. */
  editOf?: string | null;
  attachments?: NewAttachment[];
  /** For a new conversation: its parameters (an existing one keeps its own; see
   * `update_conversation`). */
  params?: ChatParams | null;
}

/** A reply's stream. `userMessage` is null for regenerate (the reply answers an existing one). */
export type StreamUpdate =
  | {
      type: 'started';
      conversationId: string;
      userMessage: Message | null;
      assistantMessage: Message;
      /** `submit_tool_results` only: the stored `tool` messages, in order, between the assistant
       * message that made the calls and this reply (absent for every other command). */
      toolMessages?: Message[];
      /** How many of the path's oldest messages were left out of the request: the thread is
       * longer than the model's context (0: the whole path was sent). Not stored. */
      contextLeftOut: number;
    }
  | { type: 'resumed'; conversationId: string; assistantMessage: Message; contextLeftOut: number }
  | { type: 'delta'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'searchSources'; sources: SearchSource[] }
  | { type: 'toolCalls'; calls: ToolCall[] }
  | { type: 'retrying'; attempt: number; delayMs: number; reason: string }
  | {
      type: 'finished';
      status: MessageStatus;
      usage: Usage | null;
      error: DeskError | null;
      costCny: number | null;
      finishReason: FinishReason | null;
    };

export interface SendOutcome {
  conversationId: string;
  assistantMessageId: string;
  status: MessageStatus;
  /** Present when this month's spending reached 80 % of the budget (or passed it in warn mode). */
  budget: BudgetStatus | null;
}

export interface DeskError {
  code: ErrorCode;
  message: string;
  dashscopeCode: string | null;
  requestId: string | null;
  retryAfterMs: number | null;
}

// ---------------------------------------------------------------------------------------------
// The full IPC contract of the app (issues 4 and 5). Every type mirrors a serde type of desk-core
// (camelCase); every command is listed in `desk.ts` and registered in src-tauri/src/lib.rs, and
// crates/core/tests/ui_contract.rs checks the two lists agree.
// ---------------------------------------------------------------------------------------------

export type ProfileRole = 'admin' | 'member';

export interface ProfileSummary {
  id: string;
  name: string;
  role: ProfileRole;
  /** A profile without a password exists only while the device is unprotected (first use). */
  hasPassword: boolean;
  createdAt: number;
}

/** What the app knows before anyone logs in. */
export interface DeviceStatus {
  profiles: ProfileSummary[];
  /** True once any profile has a password: every call then needs a session. */
  protected: boolean;
  /** The UI locks (and the core refuses the session) after this much idle time. */
  idleLockMinutes: number;
  dataDir: string;
}

/** A login's session. The token is short-lived and must accompany every profile call. */
export interface Session {
  token: string;
  profile: ProfileSummary;
  /** Unix ms; `refresh_session` extends it while the user is active. */
  expiresAt: number;
}

/** How a conversation's requests are made; `null` fields use the model's defaults. */
export interface ChatParams {
  temperature: number | null;
  /** `null` follows the model (required, optional or unsupported thinking). */
  enableThinking: boolean | null;
  enableSearch: boolean;
  systemPrompt: string | null;
  /** Functions the model may call (sent as `tools`); empty: none. Refused (`unsupported_by_model`) for a
   * model whose registry entry has no tool support. */
  tools: ToolDefinition[];
  /** `null` sends no `tool_choice` (the API's `auto`). Ignored when `tools` is empty. */
  toolChoice: ToolChoice | null;
  /** `json_object` asks for a JSON answer (`response_format`); the API requires the word "JSON"
   * in the prompt or system prompt, so the core refuses (`bad_request`) a request without it. */
  responseFormat: ResponseFormat;
  /** Same seed + same request → (mostly) the same answer. 0 ≤ seed < 2^31. */
  seed: number | null;
  /** Up to 4 strings; generation stops before any of them. */
  stop: string[];
  /** Caps the answer (1 ≤ n ≤ the model's output limit); a reply cut by it ends `complete` with
   * `finishReason: 'length'` and can be continued like a partial one. */
  maxTokens: number | null;
}

/** One function tool, as the `function` object of the API's `tools` array. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** A JSON Schema object describing the arguments. */
  parameters: unknown;
}

/** `auto` and `none` as the API spells them; `{ function }` forces that function. */
export type ToolChoice = 'auto' | 'none' | { function: string };

export type ResponseFormat = 'text' | 'json_object';

/** The result of one tool call, answering the call with that id. */
export interface ToolResult {
  toolCallId: string;
  content: string;
}

export type ConversationScope = 'active' | 'archived' | 'trash';

export interface ConversationPatch {
  title?: string;
  pinned?: boolean;
  folder?: string | null;
  archived?: boolean;
  params?: ChatParams;
}

export interface SearchSource {
  index: number;
  title: string;
  url: string;
  siteName: string | null;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** An image attached to a user message (stored in the local store, shown from there). */
export interface Attachment {
  id: string;
  mime: string;
  bytes: number;
}

/** A new image attached by the user, as read from a drop or paste. */
export interface NewAttachment {
  mime: string;
  /** Base64 of the bytes (no data: prefix). */
  base64: string;
}

export type ModelKind = 'chat' | 'image' | 'speech_recognition' | 'speech_synthesis' | 'embedding';
export type ThinkingSupport = 'none' | 'optional' | 'required';

export interface ModelView {
  id: string;
  family: string;
  /** What the picker groups by. */
  kind: ModelKind;
  acceptsImages: boolean;
  acceptsVideo: boolean;
  /** Only the last user turn is sent (QVQ). */
  singleTurn: boolean;
  thinking: ThinkingSupport;
  search: boolean;
  tools: boolean;
  maxContextTokens: number;
  maxOutputTokens: number;
  /** CNY per 1,000 input / output tokens, with the date the price was taken. */
  inputPricePer1k: number | null;
  outputPricePer1k: number | null;
  priceAsOf: string | null;
  known: boolean;
}

export interface SearchHit {
  messageId: string;
  conversationId: string;
  conversationTitle: string;
  role: MessageRole;
  /** Matches are between U+0002 and U+0003 (HIGHLIGHT_START / HIGHLIGHT_END), as the store marks them. */
  snippet: string;
  createdAt: number;
}

export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

export type UsageGroup = 'day' | 'model' | 'conversation';

export interface UsageTotal {
  /** `YYYY-MM-DD`, a model id or a conversation id ('' for calls outside a conversation). */
  key: string;
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  units: number;
  costCny: number;
  unpricedCalls: number;
}

export type AtLimit = 'block' | 'warn';
export type BudgetLevel = 'unset' | 'ok' | 'warning' | 'exceeded';

export interface BudgetStatus {
  monthlyCny: number | null;
  atLimit: AtLimit;
  spentCny: number;
  fraction: number | null;
  level: BudgetLevel;
  monthStart: number;
  monthEnd: number;
}

export type KeySource = 'environment' | 'vault' | 'none';
export type KeyStoreKind = 'os' | 'keyutils' | 'file' | 'memory';

export interface ApiKeyStatus {
  slot: string;
  source: KeySource;
  configured: boolean;
  /** `sk-…a1b2`: the only form of the key the UI ever sees. */
  label: string | null;
  store: KeyStoreKind | null;
  storeError: DeskError | null;
}

/** Where a profile's requests go. */
export interface EndpointChoice {
  /** `cn-beijing`, `ap-southeast-1` or `us-east-1`; null for a custom base URL. */
  region: string | null;
  workspace: string | null;
  baseUrl: string;
  /** The vault slot whose key is used: the region id or `ws:<id>`. */
  keySlot: string;
  /** Set by BAILIAN_BASE_URL / BAILIAN_REGION / BAILIAN_WORKSPACE: the app cannot change it. */
  fromEnvironment: boolean;
}

export interface ConnectionCheck {
  ok: boolean;
  /** How many models the key can list. */
  modelCount: number;
  error: DeskError | null;
}

export type Region = 'beijing' | 'singapore' | 'virginia';

export interface ImageJob {
  model: string | null;
  prompt: string;
  negativePrompt: string | null;
  size: string | null;
  n: number | null;
  seed: number | null;
  /** Image editing (qwen-image-edit): a stored result image to edit… */
  inputImageId?: string | null;
  /** …or new bytes. Never both. */
  inputImage?: NewAttachment | null;
}

export type ImageTaskStatus = 'submitting' | 'pending' | 'running' | 'succeeded' | 'partial' | 'failed' | 'canceled';

export interface ImageTask {
  id: string;
  taskId: string | null;
  model: string;
  prompt: string;
  /** The request's parameters as JSON text. */
  parameters: string;
  status: ImageTaskStatus;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface StoredImage {
  id: string;
  task: string;
  position: number;
  status: 'stored' | 'failed';
  actualPrompt: string | null;
  mime: string | null;
  bytes: number;
  errorCode: string | null;
  errorMessage: string | null;
}

/** An image a task was given to edit (bytes via `imageInputData`). */
export interface ImageInput {
  task: string;
  position: number;
  /** The stored result image it was taken from, when it was one. */
  sourceImage: string | null;
  mime: string;
  bytes: number;
}

export interface ImageTaskView {
  task: ImageTask;
  images: StoredImage[];
  inputs: ImageInput[];
}

export interface BinaryData {
  mime: string;
  base64: string;
}

export interface TranscriptSentence {
  text: string;
  beginMs: number;
  endMs: number | null;
}

export interface Transcript {
  model: string;
  text: string;
  sentences: TranscriptSentence[];
  durationSeconds: number | null;
}

export type TranscriptionStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** A file transcription (Paraformer / Fun-ASR async task) kept in the store: its task id is saved
 * the moment Bailian returns it, so a restart resumes polling instead of losing the task. */
export interface TranscriptionJob {
  id: string;
  fileUrl: string;
  model: string;
  taskId: string | null;
  status: TranscriptionStatus;
  errorCode: ErrorCode | null;
  dashscopeCode: string | null;
  errorMessage: string | null;
  /** Present once `succeeded` (the result is fetched from its `transcription_url` and stored). */
  transcript: Transcript | null;
  createdAt: number;
  updatedAt: number;
}

/** Real-time recognition from the microphone (or any pushed audio), as it happens. */
export type LiveTranscriptEvent =
  /** The sentence being spoken, revised as more audio arrives; replaces the previous partial. */
  | { type: 'partial'; text: string; beginMs: number }
  /** A sentence the recogniser settled on; the partial is cleared. */
  | { type: 'sentence'; sentence: TranscriptSentence }
  /** The task failed (network, quota, bad audio); the session is over. */
  | { type: 'failed'; error: DeskError };

export interface BackupInfo {
  path: string;
  createdAt: number;
  sizeBytes: number;
}

export interface RestoreReport {
  snapshot: string | null;
  replacedFile: string | null;
}

export interface ImportReport {
  conversationsAdded: number;
  conversationsSkipped: number;
  messagesAdded: number;
  messagesSkipped: number;
}

export type Theme = 'system' | 'light' | 'dark';

/** A profile's preferences, kept in its store. */
export interface Settings {
  language: 'system' | 'en' | 'zh-CN';
  theme: Theme;
  defaultModel: string | null;
  defaultParams: ChatParams;
  /** Read replies aloud as they stream. */
  readAloud: boolean;
  voice: string | null;
}

// --- Issue 3 capabilities: voice, meetings, assistants, semantic search ----------------------

export interface SpeechSummary {
  model: string;
  voice: string;
  format: string;
  audioBytes: number;
  characters: number | null;
}

/** A reply streamed while it was read aloud; a failed reading never fails the reply. */
export interface ReadAloudOutcome {
  reply: SendOutcome;
  speech: SpeechSummary | null;
  speechError: DeskError | null;
}

/** The sample rate of read-aloud PCM (16-bit little-endian mono) chunks. */
export const READ_ALOUD_PCM_SAMPLE_RATE = 22050;

export type MeetingStatus = 'submitting' | 'running' | 'succeeded' | 'failed';

export interface MeetingRecord {
  id: string;
  dataId: string | null;
  fileUrl: string;
  status: MeetingStatus;
  errorCode: string | null;
  dashscopeCode: string | null;
  errorMessage: string | null;
  summary: string | null;
  keywords: string[];
  durationMs: number | null;
  sentenceCount: number;
  chapterCount: number;
  actionCount: number;
  createdAt: number;
  updatedAt: number;
}

export interface MeetingSentence {
  speaker: string | null;
  beginMs: number;
  endMs: number;
  text: string;
}

export interface MeetingChapter {
  title: string;
  summary: string | null;
  beginMs: number;
  endMs: number;
}

export interface MeetingAction {
  text: string;
  beginMs: number | null;
  endMs: number | null;
}

/** A meeting with everything stored for it (the record's fields, flattened). */
export interface Meeting extends MeetingRecord {
  sentences: MeetingSentence[];
  chapters: MeetingChapter[];
  actions: MeetingAction[];
}

/** A Bailian App (agent or workflow) shown beside the models; chat with it by sending
 * `model: assistant.model` (`app:<appId>`). */
export interface Assistant {
  appId: string;
  name: string;
  model: string;
  addedAt: number;
}

export interface SemanticHit {
  messageId: string;
  conversationId: string;
  conversationTitle: string;
  role: MessageRole;
  /** The start of the message (nothing matched literally, so no highlight markers). */
  snippet: string;
  /** Cosine similarity, -1 to 1. */
  score: number;
  createdAt: number;
}

export interface IndexStatus {
  model: string;
  dimension: number;
  indexed: number;
  pending: number;
}

export interface IndexReport {
  model: string;
  dimension: number;
  embedded: number;
  requests: number;
  tokens: number;
  indexed: number;
  pending: number;
  /** Why the run stopped early (what was embedded before is kept). */
  error: DeskError | null;
}

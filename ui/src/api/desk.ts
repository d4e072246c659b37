import { Channel, invoke } from '@tauri-apps/api/core';
import { toDeskError } from './deskError';
import type {
  ApiKeyStatus,
  Assistant,
  IndexReport,
  IndexStatus,
  Meeting,
  MeetingRecord,
  ReadAloudOutcome,
  SemanticHit,
  AppStatus,
  AtLimit,
  BackupInfo,
  BinaryData,
  BudgetStatus,
  ConnectionCheck,
  ConversationPatch,
  ConversationScope,
  ConversationSummary,
  ConversationView,
  DeskError,
  DeviceStatus,
  EndpointChoice,
  ImageJob,
  ImageTaskView,
  ImportReport,
  ModelView,
  ProfileSummary,
  RestoreReport,
  SearchHit,
  SendOutcome,
  SendRequest,
  Session,
  Settings,
  StreamUpdate,
  ToolResult,
  Transcript,
  TranscriptionJob,
  LiveTranscriptEvent,
  UsageGroup,
  UsageTotal,
} from './types';

// The session token of the signed-in profile. Held here only, sent with every profile call, and
// dropped at logout or lock; the core refuses calls whose token is missing, forged or expired.
let sessionToken: string | null = null;

export function setSessionToken(token: string | null): void {
  sessionToken = token;
}

export function hasSession(): boolean {
  return sessionToken !== null;
}

// Any call may find the session gone (expired while the machine slept, or revoked); whoever
// owns the session must hear of it whichever screen made the call, to lock at once.
let onSessionLost: ((error: DeskError) => void) | null = null;

export function setSessionLostHandler(handler: ((error: DeskError) => void) | null): void {
  onSessionLost = handler;
}

// Every wrapper normalises rejections so callers can rely on a DeskError.
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    const error = toDeskError(reason);
    if (error.code === 'session_expired' || error.code === 'session_required') onSessionLost?.(error);
    throw error;
  }
}

/** A call on behalf of the signed-in profile. */
function profileCall<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  return call<T>(command, { ...args, token: sessionToken ?? '' });
}

// --- Device and profiles (issue 4) ---------------------------------------------------------

export function deviceStatus(): Promise<DeviceStatus> {
  return call<DeviceStatus>('device_status');
}

/** The first profile of a device becomes its admin (and takes over the data of first use; log in
 * to it afterwards); later profiles can only be created by the admin, whose session is sent along. */
export function createProfile(name: string, password: string): Promise<ProfileSummary> {
  return call<ProfileSummary>('create_profile', { name, password, token: sessionToken });
}

/** `password` is null only for the passwordless profile of an unprotected device. */
export function login(profileId: string, password: string | null): Promise<Session> {
  return call<Session>('login', { profileId, password });
}

export function logout(): Promise<null> {
  return profileCall<null>('logout');
}

/** Extends the session while the user is active; the idle lock is the session running out. */
export function refreshSession(): Promise<Session> {
  return profileCall<Session>('refresh_session');
}

export function changePassword(oldPassword: string, newPassword: string): Promise<null> {
  return profileCall<null>('change_password', { oldPassword, newPassword });
}

/** Admin only: removes a profile with its conversations, usage and keys. */
export function removeProfile(profileId: string): Promise<null> {
  return profileCall<null>('remove_profile', { profileId });
}

/** Admin only. */
export function setIdleLock(minutes: number): Promise<DeviceStatus> {
  return profileCall<DeviceStatus>('set_idle_lock', { minutes });
}

// --- Status, demo, models ---------------------------------------------------------------

export function appStatus(): Promise<AppStatus> {
  return profileCall<AppStatus>('app_status');
}

export function startDemo(): Promise<AppStatus> {
  return profileCall<AppStatus>('start_demo');
}

export function listModels(): Promise<ModelView[]> {
  return profileCall<ModelView[]>('list_models');
}

// --- Conversations --------------------------------------------------------------------

export function listConversations(scope: ConversationScope = 'active'): Promise<ConversationSummary[]> {
  return profileCall<ConversationSummary[]>('list_conversations', { scope });
}

export function getConversation(conversationId: string): Promise<ConversationView> {
  return profileCall<ConversationView>('get_conversation', { conversationId });
}

export function updateConversation(conversationId: string, patch: ConversationPatch): Promise<ConversationSummary> {
  return profileCall<ConversationSummary>('update_conversation', { conversationId, patch });
}

/** Moves the conversation to the trash, from where it can be restored. */
export function trashConversation(conversationId: string): Promise<null> {
  return profileCall<null>('trash_conversation', { conversationId });
}

export function restoreConversation(conversationId: string): Promise<null> {
  return profileCall<null>('restore_conversation', { conversationId });
}

/** Deletes a conversation in the trash for good. */
export function purgeConversation(conversationId: string): Promise<null> {
  return profileCall<null>('purge_conversation', { conversationId });
}

/** Deletes a message and the replies that follow it in its branch. */
export function deleteMessage(messageId: string): Promise<null> {
  return profileCall<null>('delete_message', { messageId });
}

// --- Chat -----------------------------------------------------------------------------

/** Resolves once the reply is complete, partial or failed; progress arrives through `onUpdate`. */
export function sendMessage(request: SendRequest, onUpdate: (update: StreamUpdate) => void): Promise<SendOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  return profileCall<SendOutcome>('send_message', { request, onEvent });
}

/** A new reply to the same user message, kept as a sibling of `assistantMessageId`. */
export function regenerateReply(
  assistantMessageId: string,
  onUpdate: (update: StreamUpdate) => void,
): Promise<SendOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  return profileCall<SendOutcome>('regenerate_reply', { assistantMessageId, onEvent });
}

/** Continues a partial reply in place (a `resumed` update, then deltas). */
export function continueReply(
  assistantMessageId: string,
  onUpdate: (update: StreamUpdate) => void,
): Promise<SendOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  return profileCall<SendOutcome>('continue_reply', { assistantMessageId, onEvent });
}

/** Answers the tool calls of `assistantMessageId` (every call needs a result) and streams the
 * model's next reply: the `tool` messages follow the assistant message in the tree, the reply
 * follows them; `started` carries them as `toolMessages`. */
export function submitToolResults(
  assistantMessageId: string,
  results: ToolResult[],
  onUpdate: (update: StreamUpdate) => void,
): Promise<SendOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  return profileCall<SendOutcome>('submit_tool_results', { assistantMessageId, results, onEvent });
}

export function stopStream(assistantMessageId: string): Promise<null> {
  return profileCall<null>('stop_stream', { assistantMessageId });
}

export function attachmentData(attachmentId: string): Promise<BinaryData> {
  return profileCall<BinaryData>('attachment_data', { attachmentId });
}

// --- Search ---------------------------------------------------------------------------

export function search(query: string, limit = 50): Promise<SearchHit[]> {
  return profileCall<SearchHit[]>('search', { query, limit });
}

// --- Usage and budget -----------------------------------------------------------------

/** `since`/`until` are Unix ms (`until` exclusive); null for unbounded. */
export function usageTotals(group: UsageGroup, since: number | null, until: number | null): Promise<UsageTotal[]> {
  return profileCall<UsageTotal[]>('usage_totals', { group, since, until });
}

export function usageCsv(since: number | null, until: number | null): Promise<string> {
  return profileCall<string>('usage_csv', { since, until });
}

export function budgetStatus(): Promise<BudgetStatus> {
  return profileCall<BudgetStatus>('budget_status');
}

/** `monthlyCny` null removes the budget. */
export function setBudget(monthlyCny: number | null, atLimit: AtLimit): Promise<BudgetStatus> {
  return profileCall<BudgetStatus>('set_budget', { monthlyCny, atLimit });
}

// --- Keys -----------------------------------------------------------------------------

export function apiKeyStatus(): Promise<ApiKeyStatus> {
  return profileCall<ApiKeyStatus>('api_key_status');
}

/** The key goes straight to the core's credential store; callers clear their copy at once. */
export function setApiKey(slot: string, key: string): Promise<ApiKeyStatus> {
  return profileCall<ApiKeyStatus>('set_api_key', { slot, key });
}

export function removeApiKey(slot: string): Promise<boolean> {
  return profileCall<boolean>('remove_api_key', { slot });
}

/** Every region's key status, and each workspace's this profile set a key for. */
export function apiKeyStatuses(): Promise<ApiKeyStatus[]> {
  return profileCall<ApiKeyStatus[]>('api_key_statuses');
}

/** Where this profile's requests go. */
export function getEndpoint(): Promise<EndpointChoice> {
  return profileCall<EndpointChoice>('endpoint');
}

/** Points this profile at a region (and workspace); its key slot follows. Refused when the
 * environment set the endpoint (`fromEnvironment`). */
export function setEndpoint(region: string, workspace: string | null): Promise<EndpointChoice> {
  return profileCall<EndpointChoice>('set_endpoint', { region, workspace });
}

/** Lists models with the configured key; a failure carries the error doctor's code. */
export function testConnection(): Promise<ConnectionCheck> {
  return profileCall<ConnectionCheck>('test_connection');
}

// --- Images ---------------------------------------------------------------------------

/** Submits an image task and follows it; `onProgress` hears every status change. */
export function createImage(job: ImageJob, onProgress: (view: ImageTaskView) => void): Promise<ImageTaskView> {
  const onEvent = new Channel<ImageTaskView>(onProgress);
  return profileCall<ImageTaskView>('create_image', { job, onEvent });
}

export function listImageTasks(limit = 100): Promise<ImageTaskView[]> {
  return profileCall<ImageTaskView[]>('list_image_tasks', { limit });
}

/** Follows the tasks a restart interrupted; resolves with their final views. */
export function resumeImageTasks(onProgress: (view: ImageTaskView) => void): Promise<ImageTaskView[]> {
  const onEvent = new Channel<ImageTaskView>(onProgress);
  return profileCall<ImageTaskView[]>('resume_image_tasks', { onEvent });
}

export function imageData(imageId: string): Promise<BinaryData> {
  return profileCall<BinaryData>('image_data', { imageId });
}

// --- Voice ----------------------------------------------------------------------------

/** Transcribes a recording or an audio file (WAV, MP3, …) given as bytes. */
export function transcribeAudio(fileName: string, base64: string): Promise<Transcript> {
  return profileCall<Transcript>('transcribe_audio', { fileName, base64 });
}

/** Synthesises `text`: CosyVoice as MP3 by default, a `qwen-tts*` model as WAV. */
export function speak(text: string, voice: string | null, model: string | null = null): Promise<BinaryData> {
  return profileCall<BinaryData>('speak', { text, voice, model });
}

/** Sends a prompt and reads the reply aloud as it streams: `onAudio` gets base64 chunks of 16-bit
 * mono PCM at READ_ALOUD_PCM_SAMPLE_RATE, in order, while text still arrives through `onUpdate`. */
export function sendMessageReadAloud(
  request: SendRequest,
  voice: string | null,
  onUpdate: (update: StreamUpdate) => void,
  onAudio: (pcmBase64: string) => void,
): Promise<ReadAloudOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  const onAudioChannel = new Channel<string>(onAudio);
  return profileCall<ReadAloudOutcome>('send_message_read_aloud', { request, voice, onEvent, onAudio: onAudioChannel });
}

/** Regenerates a reply and reads the new one aloud as it streams (see `sendMessageReadAloud`). */
export function regenerateReplyReadAloud(
  assistantMessageId: string,
  voice: string | null,
  onUpdate: (update: StreamUpdate) => void,
  onAudio: (pcmBase64: string) => void,
): Promise<ReadAloudOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  const onAudioChannel = new Channel<string>(onAudio);
  return profileCall<ReadAloudOutcome>('regenerate_reply_read_aloud', { assistantMessageId, voice, onEvent, onAudio: onAudioChannel });
}

/** Continues a reply and reads the rest aloud as it streams (see `sendMessageReadAloud`). */
export function continueReplyReadAloud(
  assistantMessageId: string,
  voice: string | null,
  onUpdate: (update: StreamUpdate) => void,
  onAudio: (pcmBase64: string) => void,
): Promise<ReadAloudOutcome> {
  const onEvent = new Channel<StreamUpdate>(onUpdate);
  const onAudioChannel = new Channel<string>(onAudio);
  return profileCall<ReadAloudOutcome>('continue_reply_read_aloud', { assistantMessageId, voice, onEvent, onAudio: onAudioChannel });
}

/** Transcribes an audio file at a public URL (Paraformer file transcription) as a durable job:
 * `onProgress` hears each status change; resolves with the finished job (failed jobs resolve
 * too, with their error). It rejects when refused before a job exists, and when the network fails
 * while polling: the job then stays pending/running (listed) and `resumeTranscriptions` follows it. */
export function transcribeUrl(url: string, onProgress: (job: TranscriptionJob) => void): Promise<TranscriptionJob> {
  const onEvent = new Channel<TranscriptionJob>(onProgress);
  return profileCall<TranscriptionJob>('transcribe_url', { url, onEvent });
}

/** Follows the transcriptions a restart interrupted (pending or running with a task id). */
export function resumeTranscriptions(onProgress: (job: TranscriptionJob) => void): Promise<TranscriptionJob[]> {
  const onEvent = new Channel<TranscriptionJob>(onProgress);
  return profileCall<TranscriptionJob[]>('resume_transcriptions', { onEvent });
}

/** Newest first. */
export function listTranscriptions(limit = 100): Promise<TranscriptionJob[]> {
  return profileCall<TranscriptionJob[]>('list_transcriptions', { limit });
}

export function deleteTranscription(jobId: string): Promise<null> {
  return profileCall<null>('delete_transcription', { jobId });
}

// --- Live recognition (microphone) ----------------------------------------------------------

/** Opens a real-time recognition task for 16-bit little-endian mono PCM at `sampleRate` (8,000
 * or 16,000 Hz); events arrive through `onEvent` while audio is pushed. Returns the session id. */
export function startLiveTranscription(
  sampleRate: number,
  languageHints: string[],
  onEvent: (event: LiveTranscriptEvent) => void,
): Promise<string> {
  const channel = new Channel<LiveTranscriptEvent>(onEvent);
  return profileCall<string>('start_live_transcription', { sampleRate, languageHints, onEvent: channel });
}

/** Sends the next piece of audio (base64 of PCM as announced at the start), in order. */
export function pushLiveAudio(sessionId: string, pcmBase64: string): Promise<null> {
  return profileCall<null>('push_live_audio', { sessionId, pcmBase64 });
}

/** Ends the audio and waits for the last sentences: the whole transcript (recorded in usage). */
export function finishLiveTranscription(sessionId: string): Promise<Transcript> {
  return profileCall<Transcript>('finish_live_transcription', { sessionId });
}

/** Drops the session and its audio; nothing is recorded. Unknown ids are not an error. */
export function cancelLiveTranscription(sessionId: string): Promise<null> {
  return profileCall<null>('cancel_live_transcription', { sessionId });
}

// --- Meetings (Tingwu) ----------------------------------------------------------------------

/** Transcribes and analyses a meeting recording at a public URL; progress through `onProgress`. */
export function transcribeMeeting(fileUrl: string, onProgress: (record: MeetingRecord) => void): Promise<Meeting> {
  const onEvent = new Channel<MeetingRecord>(onProgress);
  return profileCall<Meeting>('transcribe_meeting', { fileUrl, onEvent });
}

/** Follows the meetings a restart interrupted. */
export function resumeMeetings(onProgress: (record: MeetingRecord) => void): Promise<Meeting[]> {
  const onEvent = new Channel<MeetingRecord>(onProgress);
  return profileCall<Meeting[]>('resume_meetings', { onEvent });
}

export function listMeetings(limit = 100): Promise<MeetingRecord[]> {
  return profileCall<MeetingRecord[]>('list_meetings', { limit });
}

export function getMeeting(meetingId: string): Promise<Meeting> {
  return profileCall<Meeting>('get_meeting', { meetingId });
}

// --- Assistants (Bailian Apps) and semantic search ------------------------------------------

export function listAssistants(): Promise<Assistant[]> {
  return profileCall<Assistant[]>('list_assistants');
}

/** Adds (or renames) an assistant by its Bailian app id. */
export function addAssistant(appId: string, name: string): Promise<Assistant> {
  return profileCall<Assistant>('add_assistant', { appId, name });
}

export function removeAssistant(appId: string): Promise<boolean> {
  return profileCall<boolean>('remove_assistant', { appId });
}

/** Messages close in meaning to `query` (needs `indexSemantic` first; one paid embedding call). */
export function semanticSearch(query: string, limit = 20): Promise<SemanticHit[]> {
  return profileCall<SemanticHit[]>('semantic_search', { query, limit });
}

export function semanticStatus(): Promise<IndexStatus> {
  return profileCall<IndexStatus>('semantic_status');
}

/** Embeds up to `maxMessages` messages not indexed yet, newest first (paid; in the ledger). */
export function indexSemantic(maxMessages = 500): Promise<IndexReport> {
  return profileCall<IndexReport>('index_semantic', { maxMessages });
}

/** The bytes of an image a task was given to edit. */
export function imageInputData(taskId: string, position: number): Promise<BinaryData> {
  return profileCall<BinaryData>('image_input_data', { taskId, position });
}

// --- Data: backups, export, import, settings -------------------------------------------

export function listBackups(): Promise<BackupInfo[]> {
  return profileCall<BackupInfo[]>('list_backups');
}

export function backupNow(): Promise<BackupInfo> {
  return profileCall<BackupInfo>('backup_now');
}

/** Restores a backup after taking a snapshot of the current state (nothing is deleted). Works
 * when the profile's database is damaged, too. */
export function restoreBackup(path: string): Promise<RestoreReport> {
  return profileCall<RestoreReport>('restore_backup', { path });
}

/** A conversation (or everything, for null) as the versioned JSON format or Markdown. */
export function exportData(conversationId: string | null, format: 'json' | 'markdown'): Promise<string> {
  return profileCall<string>('export_data', { conversationId, format });
}

/** Merges an export by ids; what exists is never overwritten. */
export function importData(text: string): Promise<ImportReport> {
  return profileCall<ImportReport>('import_data', { text });
}

export function getSettings(): Promise<Settings> {
  return profileCall<Settings>('get_settings');
}

export function updateSettings(settings: Settings): Promise<Settings> {
  return profileCall<Settings>('update_settings', { settings });
}

/** Saves a download (export, CSV, image) into the downloads folder, never overwriting; resolves
 * with the path it was saved to. The webview cannot save downloads itself. */
export function saveFile(fileName: string, base64: string): Promise<string> {
  return profileCall<string>('save_file', { fileName, base64 });
}

/** Where the logs are, for the settings screen's "open logs folder". */
export function logsFolder(): Promise<string> {
  return profileCall<string>('logs_folder');
}

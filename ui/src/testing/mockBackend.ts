// An in-memory stand-in for every command of api/desk.ts, installed with mockIPC, so the real UI
// runs in a plain browser (tests/browser) and in Vitest with realistic data. It keeps the rules
// the UI depends on (sessions, throttling, budgets, task progress, streaming order), not the
// core's internals.
import type { Channel } from '@tauri-apps/api/core';
import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  ApiKeyStatus,
  AppStatus,
  Assistant,
  BinaryData,
  ImageInput,
  IndexReport,
  IndexStatus,
  Meeting,
  MeetingRecord,
  ReadAloudOutcome,
  SemanticHit,
  Transcript,
  EndpointChoice,
  AtLimit,
  BackupInfo,
  BudgetStatus,
  ConversationPatch,
  ConversationScope,
  ConversationSummary,
  ChatParams,
  DeskError,
  DeviceStatus,
  ErrorCode,
  ImageJob,
  ImageTaskView,
  Message,
  ProfileSummary,
  SearchHit,
  SendOutcome,
  SendRequest,
  Session,
  Settings,
  StoredImage,
  StreamUpdate,
  ToolCall,
  ToolResult,
  TranscriptionJob,
  LiveTranscriptEvent,
  TranscriptSentence,
  UsageGroup,
  UsageTotal,
} from '../api/types';
import { withDefaults } from '../state/chatParams';
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../api/types';
import { recordOf } from '../screens/meetings/format';
import {
  CHAT_MODELS,
  DAY_MS,
  DEFAULT_PARAMS,
  MODELS,
  costOf,
  mockId,
  seedConversations,
  seedImages,
  seedLedger,
  type LedgerRow,
} from './mockData';
import { pcmBytes, speechWav, spokenSeconds, toneSamples } from './mockAudio';
import { bytesToBase64, pngArt, svgArt, textToBase64 } from './mockImages';
import { assistantReply, meetingContentFor, seedAssistants, seedMeetings } from './mockMeetings';
import { replyFor } from './mockReplies';
import { similarity } from './mockSemantic';
import { jsonAnswer, LIVE_SCRIPTS, seedTranscriptions, toolAnswer, toolCallsFor, transcriptFor, type LiveSession } from './mockTools';

export type MockScenario =
  /** A new device: one passwordless profile, no key. Onboarding. */
  | 'first-run'
  /** One passwordless profile with a key: straight into the workspace. */
  | 'ready'
  /** Two profiles with passwords: the login screen. */
  | 'protected';

export interface MockOptions {
  scenario?: MockScenario;
  /** Pause between streamed words; 0 in unit tests. */
  streamDelayMs?: number;
  /** Pause between an image task's (or a meeting's, or an index batch's) status changes. */
  imageStepMs?: number;
  /** BAILIAN_REGION and friends are set: the endpoint cannot be changed in the app. */
  endpointFromEnvironment?: boolean;
  /** How long a session lasts without a refresh. */
  sessionMinutes?: number;
}

/** The password of every protected mock profile. */
export const MOCK_PASSWORD = 'correct horse';
const THROTTLE_AFTER = 5;
const THROTTLE_MS = 30_000;

type Args = Record<string, unknown>;

interface MockProfile {
  summary: ProfileSummary;
  password: string | null;
  settings: Settings;
  failures: number;
  throttledUntil: number;
}

interface MockSession {
  profileId: string;
  expiresAt: number;
}

export interface MockCall {
  cmd: string;
  args: Args;
}

export function mockError(code: ErrorCode, message = code.replace(/_/g, ' '), extra: Partial<DeskError> = {}): DeskError {
  return { code, message, dashscopeCode: null, requestId: null, retryAfterMs: null, ...extra };
}

/** A string argument, or '' when the caller sent something else. */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function defaultSettings(): Settings {
  return {
    language: 'system',
    theme: 'system',
    defaultModel: 'qwen-plus',
    defaultParams: { ...DEFAULT_PARAMS },
    readAloud: false,
    voice: null,
  };
}

function profile(name: string, role: ProfileSummary['role'], password: string | null, createdAt: number): MockProfile {
  return {
    summary: { id: mockId(createdAt), name, role, hasPassword: password !== null, createdAt },
    password,
    settings: defaultSettings(),
    failures: 0,
    throttledUntil: 0,
  };
}

function maskKey(key: string): string {
  return `sk-…${key.slice(-4)}`;
}

/** Splits a reply into the pieces a stream would carry: words for Latin text, pairs of characters
 * for Chinese (which has no spaces). */
export function streamPieces(text: string): string[] {
  return text.match(/[\u3000-\u9fff\uff00-\uffef]{1,2}|\s*[^\s\u3000-\u9fff\uff00-\uffef]+\s*|\s+/g) ?? [text];
}

export class MockBackend {
  readonly calls: MockCall[] = [];
  readonly options: Required<MockOptions>;
  private readonly now = Date.now();
  private profiles: MockProfile[] = [];
  private sessions = new Map<string, MockSession>();
  private idleLockMinutes = 15;
  private mode: AppStatus['mode'];
  private keys = new Map<string, string>();
  private configuredSlot = 'cn-beijing';
  private endpointChoice: EndpointChoice = {
    region: 'cn-beijing',
    workspace: null,
    baseUrl: 'https://dashscope.aliyuncs.com',
    keySlot: 'cn-beijing',
    fromEnvironment: false,
  };
  private conversations: ConversationSummary[] = [];
  private messages = new Map<string, Message[]>();
  private ledger: LedgerRow[];
  private budget: { monthlyCny: number | null; atLimit: AtLimit } = { monthlyCny: 60, atLimit: 'warn' };
  private images: ImageTaskView[] = [];
  private art = new Map<string, { kind: 'svg' | 'png'; seed: number }>();
  private backups: BackupInfo[] = [];
  private stopped = new Set<string>();
  private meetings: Meeting[] = [];
  private assistants: Assistant[] = [];
  /** Messages with a vector of the current model (semantic search). */
  private indexed = new Set<string>();
  /** Input images of edit tasks, by `<task>:<position>`: stored art or uploaded bytes. */
  private inputArt = new Map<string, { kind: 'svg' | 'png'; seed: number } | BinaryData>();
  private failures = new Map<string, DeskError[]>();
  /** What a reply cut by `maxTokens` would have said next (continue writes it). */
  private remainders = new Map<string, string>();
  private transcriptions: TranscriptionJob[] = [];
  private live = new Map<string, LiveSession>();
  private tokenCounter = 0;

  constructor(options: MockOptions = {}) {
    this.options = { scenario: 'ready', streamDelayMs: 35, imageStepMs: 450, sessionMinutes: 15, endpointFromEnvironment: false, ...options };
    if (this.options.endpointFromEnvironment) this.endpointChoice = { ...this.endpointChoice, fromEnvironment: true };
    const { scenario } = this.options;
    const start = this.now - 40 * DAY_MS;
    if (scenario === 'protected') {
      const admin = profile('Lin Wei', 'admin', MOCK_PASSWORD, start);
      const member = profile('Sam', 'member', MOCK_PASSWORD, start + DAY_MS);
      this.profiles = [admin, member];
    } else {
      this.profiles = [profile(scenario === 'first-run' ? 'Me' : 'Lin Wei', 'admin', null, start)];
    }
    this.mode = scenario === 'first-run' ? 'needs_setup' : 'live';
    if (scenario !== 'first-run') this.keys.set('cn-beijing', 'sk-mock0000000000a1b2');

    const seeded = scenario === 'first-run' ? [] : seedConversations(this.now);
    for (const { summary, messages } of seeded) {
      this.conversations.push(summary);
      this.messages.set(summary.id, messages);
    }
    this.ledger = scenario === 'first-run' ? [] : seedLedger(this.now, seeded.map((c) => c.summary.id));
    if (scenario !== 'first-run') {
      for (const { view, art, inputArt } of seedImages(this.now)) {
        this.images.push(view);
        for (const [id, value] of art) this.art.set(id, value);
        for (const [key, value] of inputArt ?? []) this.inputArt.set(key, value);
      }
      this.backups = [3, 2, 1].map((daysAgo) => ({
        path: `/home/lin/.local/share/bailian-desk/backups/desk-${isoDay(this.now - daysAgo * DAY_MS)}.sqlite3`,
        createdAt: this.now - daysAgo * DAY_MS,
        sizeBytes: 2_400_000 + daysAgo * 13_000,
      }));
      this.meetings = seedMeetings(this.now);
      this.assistants = seedAssistants(this.now);
      this.transcriptions = seedTranscriptions(this.now);
      // Everything but the latest few messages has been indexed for search by meaning.
      const all = seeded.flatMap((c) => c.messages).sort((a, b) => b.createdAt - a.createdAt);
      for (const m of all.slice(3)) this.indexed.add(m.id);
    }
  }

  /** Changes the first profile's settings (read aloud, voice…) as if saved in the settings. */
  setSettings(patch: Partial<Settings>): void {
    for (const p of this.profiles) p.settings = { ...p.settings, ...patch };
  }

  /** Makes the next call of `cmd` fail with `error` (once per queued error). */
  failNext(cmd: string, error: DeskError): void {
    this.failures.set(cmd, [...(this.failures.get(cmd) ?? []), error]);
  }

  /** Ends every session as the core does when it times out, so the next call finds it expired. */
  expireSessions(): void {
    for (const session of this.sessions.values()) session.expiresAt = Date.now() - 1;
  }

  /** The keys stored by slot, masked: what a test may check without seeing a key. */
  storedKeyLabels(): Record<string, string> {
    return Object.fromEntries([...this.keys].map(([slot, key]) => [slot, maskKey(key)]));
  }

  handle = async (cmd: string, args: Args = {}): Promise<unknown> => {
    this.calls.push({ cmd, args });
    const queued = this.failures.get(cmd)?.shift();
    if (queued) throw queued;
    const handler = this.commands[cmd];
    if (!handler) throw mockError('internal', `the mock backend has no command ${cmd}`);
    return await handler(args);
  };

  // --- sessions --------------------------------------------------------------------------

  private get protectedDevice(): boolean {
    return this.profiles.some((p) => p.password !== null);
  }

  private device(): DeviceStatus {
    return {
      profiles: this.profiles.map((p) => p.summary),
      protected: this.protectedDevice,
      idleLockMinutes: this.idleLockMinutes,
      dataDir: '/home/lin/.local/share/bailian-desk',
    };
  }

  private openSession(p: MockProfile): Session {
    const token = `mock-session-${++this.tokenCounter}`;
    const expiresAt = Date.now() + this.options.sessionMinutes * 60_000;
    this.sessions.set(token, { profileId: p.summary.id, expiresAt });
    return { token, profile: p.summary, expiresAt };
  }

  /** The caller's profile, as the core checks every profile call. */
  private caller(args: Args): MockProfile {
    const token = typeof args.token === 'string' ? args.token : '';
    const session = this.sessions.get(token);
    if (!session) {
      if (!this.protectedDevice && this.profiles.length > 0) return this.profiles[0];
      throw mockError('session_required', 'sign in first');
    }
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(token);
      throw mockError('session_expired', 'the session has expired');
    }
    const found = this.profiles.find((p) => p.summary.id === session.profileId);
    if (!found) throw mockError('session_required', 'the profile is gone');
    return found;
  }

  private admin(args: Args): MockProfile {
    const p = this.caller(args);
    if (p.summary.role !== 'admin') throw mockError('forbidden', 'only the admin can do this');
    return p;
  }

  private status(): AppStatus {
    return {
      mode: this.mode,
      baseUrl: this.mode === 'demo' ? 'http://127.0.0.1:48213/compatible-mode/v1' : 'https://dashscope.aliyuncs.com/compatible-mode/v1',
      defaultModel: 'qwen-plus',
      models: CHAT_MODELS,
      dataDir: '/home/lin/.local/share/bailian-desk',
      backupProblem: null,
    };
  }

  private keyStatus(): ApiKeyStatus {
    const key = this.keys.get(this.configuredSlot);
    return {
      slot: this.configuredSlot,
      source: key ? 'vault' : 'none',
      configured: key !== undefined,
      label: key ? maskKey(key) : null,
      store: 'os',
      storeError: null,
    };
  }

  // --- conversations ---------------------------------------------------------------------

  private conversation(id: unknown): ConversationSummary {
    const found = this.conversations.find((c) => c.id === id);
    if (!found) throw mockError('conversation_not_found', `no conversation ${String(id)}`);
    return found;
  }

  private findMessage(id: unknown): Message {
    for (const list of this.messages.values()) {
      const found = list.find((m) => m.id === id);
      if (found) return found;
    }
    throw mockError('message_not_found', `no message ${String(id)}`);
  }

  private touch(conversationId: string) {
    const c = this.conversation(conversationId);
    c.updatedAt = Date.now();
    c.messageCount = this.messages.get(conversationId)?.length ?? 0;
  }

  // --- usage -----------------------------------------------------------------------------

  private monthBounds(): { start: number; end: number } {
    const d = new Date();
    return {
      start: new Date(d.getFullYear(), d.getMonth(), 1).getTime(),
      end: new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime(),
    };
  }

  private budgetStatus(): BudgetStatus {
    const { start, end } = this.monthBounds();
    const spentCny = this.ledger.filter((r) => r.at >= start && r.at < end).reduce((sum, r) => sum + (r.costCny ?? 0), 0);
    const { monthlyCny, atLimit } = this.budget;
    const fraction = monthlyCny ? spentCny / monthlyCny : null;
    const level = fraction === null ? 'unset' : fraction >= 1 ? 'exceeded' : fraction >= 0.8 ? 'warning' : 'ok';
    return { monthlyCny, atLimit, spentCny, fraction, level, monthStart: start, monthEnd: end };
  }

  private checkBudget() {
    const status = this.budgetStatus();
    if (status.level === 'exceeded' && status.atLimit === 'block') {
      throw mockError('budget_exceeded', `spent ${status.spentCny.toFixed(2)} of ${status.monthlyCny} CNY this month`);
    }
  }

  private record(row: Omit<LedgerRow, 'at' | 'priceAsOf' | 'costCny'>) {
    const costCny = this.mode === 'demo' ? 0 : row.failed ? 0 : costOf(row.model, row.inputTokens, row.outputTokens, row.units);
    this.ledger.push({ ...row, at: Date.now(), costCny, priceAsOf: costCny === null ? null : '2025-06-01' });
    return costCny;
  }

  private needsKey() {
    if (this.mode === 'needs_setup') throw mockError('missing_api_key', 'no API key is configured');
  }

  // --- streaming -------------------------------------------------------------------------

  private async stream(
    channel: Channel<StreamUpdate>,
    assistant: Message,
    text: string,
    reasoning: string | null,
    onPiece: (piece: string) => void = () => undefined,
    toolCalls: ToolCall[] = [],
  ): Promise<SendOutcome> {
    const emit = (update: StreamUpdate) => channel.onmessage(update);
    // The conversation's limits, as the API applies them: the reply ends before a stop sequence,
    // and after `maxTokens` tokens (a piece of the stream counts as one) with `length`.
    const params = withDefaults(this.conversation(assistant.conversationId).params);
    let cut = false;
    for (const stop of params.stop) {
      const at = text.indexOf(stop);
      if (at >= 0) text = text.slice(0, at);
    }
    let pieces = streamPieces(text);
    if (text === '') pieces = [];
    if (params.maxTokens !== null && pieces.length > params.maxTokens) {
      this.remainders.set(assistant.id, pieces.slice(params.maxTokens).join(''));
      pieces = pieces.slice(0, params.maxTokens);
      cut = true;
    } else {
      this.remainders.delete(assistant.id);
    }
    const pause = () => sleep(this.options.streamDelayMs);
    if (reasoning) {
      for (const piece of streamPieces(reasoning)) {
        if (this.stopped.has(assistant.id)) break;
        assistant.reasoning = (assistant.reasoning ?? '') + piece;
        emit({ type: 'reasoning', text: piece });
        await pause();
      }
    }
    for (const piece of pieces) {
      if (this.stopped.has(assistant.id)) break;
      assistant.content += piece;
      emit({ type: 'delta', text: piece });
      onPiece(piece);
      await pause();
    }
    const conversation = this.conversation(assistant.conversationId);
    const inputTokens = 30 + Math.round((this.messages.get(conversation.id)?.reduce((n, m) => n + m.content.length, 0) ?? 0) / 3);
    const outputTokens = Math.max(1, Math.round((assistant.content.length + (assistant.reasoning?.length ?? 0)) / 3));
    const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
    assistant.usage = usage;
    const stopped = this.stopped.delete(assistant.id);
    const costCny = this.record({ model: assistant.model ?? 'qwen-plus', conversationId: conversation.id, inputTokens, outputTokens, units: 0, failed: false });
    assistant.costCny = costCny;
    this.touch(conversation.id);
    if (stopped) {
      assistant.status = 'partial';
      assistant.error = { code: 'cancelled', message: 'stopped by user' };
      emit({ type: 'finished', status: 'partial', usage, error: mockError('cancelled', 'stopped by user'), costCny, finishReason: null });
      throw mockError('cancelled', 'stopped by user');
    }
    if (toolCalls.length > 0) {
      assistant.toolCalls = toolCalls;
      emit({ type: 'toolCalls', calls: toolCalls });
    }
    assistant.status = 'complete';
    assistant.finishReason = toolCalls.length > 0 ? 'tool_calls' : cut ? 'length' : 'stop';
    emit({ type: 'finished', status: 'complete', usage, error: null, costCny, finishReason: assistant.finishReason });
    const budget = this.budgetStatus();
    return {
      conversationId: conversation.id,
      assistantMessageId: assistant.id,
      status: 'complete',
      budget: budget.level === 'warning' || budget.level === 'exceeded' ? budget : null,
    };
  }

  /** What the core refuses about a request's parameters before storing anything. */
  private checkParams(modelId: string, params: ChatParams, prompt: string) {
    const model = MODELS.find((m) => m.id === modelId);
    if (params.tools.length > 0 && model && !model.tools) throw mockError('unsupported_by_model', `${modelId} cannot call tools`);
    if (params.maxTokens !== null && model && model.maxOutputTokens > 0 && params.maxTokens > model.maxOutputTokens) {
      throw mockError('bad_request', `max_tokens must be at most ${model.maxOutputTokens} for ${modelId}`);
    }
    if (params.stop.length > 4) throw mockError('bad_request', 'at most 4 stop sequences');
    if (params.responseFormat === 'json_object' && !/json/i.test(`${prompt}\n${params.systemPrompt ?? ''}`)) {
      throw mockError('bad_request', "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.");
    }
  }

  private newAssistant(conversation: ConversationSummary, parentId: string, modelId: string): Message {
    const message: Message = {
      id: mockId(),
      conversationId: conversation.id,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: modelId,
      demo: this.mode === 'demo',
      error: null,
      usage: null,
      createdAt: Date.now(),
      parentId,
      reasoning: null,
      searchSources: [],
      toolCalls: [],
      attachments: [],
      costCny: null,
      toolCallId: null,
      finishReason: null,
    };
    this.messages.get(conversation.id)?.push(message);
    return message;
  }

  private thinks(modelId: string, enableThinking: boolean | null): boolean {
    const thinking = MODELS.find((m) => m.id === modelId)?.thinking ?? 'none';
    return thinking === 'required' || (thinking === 'optional' && enableThinking === true);
  }

  // --- images ----------------------------------------------------------------------------

  private async followImage(view: ImageTaskView, channel: Channel<ImageTaskView>, n: number, blocked: boolean) {
    const emit = () => channel.onmessage(structuredClone(view));
    // Synchronous models (image editing) have no DashScope task: no id, no queue.
    const sync = view.task.model.includes('image-edit');
    const step = async (status: ImageTaskView['task']['status']) => {
      await sleep(this.options.imageStepMs);
      view.task.status = status;
      view.task.updatedAt = Date.now();
      if (!sync && status !== 'submitting' && !view.task.taskId) view.task.taskId = `task-${view.task.id.slice(-8)}`;
      emit();
    };
    if (view.task.status === 'submitting') await step(sync ? 'running' : 'pending');
    if (view.task.status === 'pending') await step('running');
    await sleep(this.options.imageStepMs);
    if (blocked) {
      view.task.errorCode = 'DataInspectionFailed';
      view.task.errorMessage = 'Input data may contain inappropriate content.';
      await step('failed');
      this.record({ model: view.task.model, conversationId: '', inputTokens: 0, outputTokens: 0, units: 0, failed: true });
      return view;
    }
    const seedBase = this.art.size + 10;
    view.images = Array.from({ length: n }, (_, position): StoredImage => {
      const id = mockId();
      const kind = position % 2 === 0 ? 'svg' : 'png';
      this.art.set(id, { kind, seed: seedBase + position });
      return {
        id,
        task: view.task.id,
        position,
        status: 'stored',
        actualPrompt: sync ? null : `${view.task.prompt}, highly detailed`,
        mime: kind === 'svg' ? 'image/svg+xml' : 'image/png',
        bytes: kind === 'svg' ? 1400 : 27_900,
        errorCode: null,
        errorMessage: null,
      };
    });
    await step('succeeded');
    this.record({ model: view.task.model, conversationId: '', inputTokens: 0, outputTokens: 0, units: n, failed: false });
    return view;
  }

  // --- sending ---------------------------------------------------------------------------

  /** `send_message`, and the text half of `send_message_read_aloud` (`onPiece` hears each delta). */
  private async send(args: Args, onPiece?: (piece: string) => void): Promise<SendOutcome> {
    this.caller(args);
    const request = args.request as SendRequest;
    const channel = args.onEvent as Channel<StreamUpdate>;
    if (!request.prompt.trim()) throw mockError('empty_prompt', 'the prompt is empty');
    this.needsKey();
    this.checkBudget();
    const existing = request.conversationId ? this.conversation(request.conversationId) : null;
    const modelId = request.model ?? existing?.model ?? 'qwen-plus';
    // An assistant (Bailian App) is checked before anything is stored, as the core does.
    const assistantApp = modelId.startsWith('app:') ? this.assistants.find((a) => a.model === modelId) : undefined;
    if (modelId.startsWith('app:')) {
      if (!assistantApp) throw mockError('model_not_found', `no assistant ${modelId}`);
      if ((request.attachments?.length ?? 0) > 0) throw mockError('unsupported_by_model', 'assistants take text only');
    }
    // The request's parameters are checked before anything is stored, as the core does.
    this.checkParams(modelId, withDefaults(existing ? existing.params : request.params), request.prompt);
    let conversation: ConversationSummary;
    if (existing) {
      conversation = existing;
      // Another model picked for the conversation becomes its model.
      if (request.model) conversation.model = request.model;
    } else {
      const now = Date.now();
      conversation = {
        id: mockId(now),
        title: request.prompt.trim().slice(0, 40),
        model: modelId,
        createdAt: now,
        updatedAt: now,
        messageCount: 0,
        pinned: false,
        folder: null,
        archived: false,
        deletedAt: null,
        params: request.params ?? { ...DEFAULT_PARAMS },
      };
      this.conversations.push(conversation);
      this.messages.set(conversation.id, []);
    }
    const list = this.messages.get(conversation.id) ?? [];
    const parentId = request.parentId === undefined || request.parentId === null ? (list[list.length - 1]?.id ?? null) : request.parentId;
    const userMessage: Message = {
      id: mockId(),
      conversationId: conversation.id,
      role: 'user',
      content: request.prompt,
      status: 'complete',
      model: null,
      demo: false,
      error: null,
      usage: null,
      createdAt: Date.now(),
      parentId,
      reasoning: null,
      searchSources: [],
      toolCalls: [],
      attachments: [],
      costCny: null,
      toolCallId: null,
      finishReason: null,
    };
    list.push(userMessage);
    const assistant = this.newAssistant(conversation, userMessage.id, conversation.model);
    channel.onmessage({ type: 'started', contextLeftOut: 0, conversationId: conversation.id, userMessage, assistantMessage: { ...assistant } });
    if (assistantApp) {
      // The app's thoughts are the reply's reasoning, its document references its sources.
      const answer = assistantReply(request.prompt, assistantApp.name);
      assistant.searchSources = answer.sources;
      channel.onmessage({ type: 'searchSources', sources: answer.sources });
      return this.stream(channel, assistant, answer.text, answer.thoughts, onPiece);
    }
    const params = withDefaults(conversation.params);
    const reply = replyFor(request.prompt);
    if (params.enableSearch) {
      assistant.searchSources = reply.sources;
      channel.onmessage({ type: 'searchSources', sources: reply.sources });
    }
    const reasoning = this.thinks(assistant.model ?? modelId, params.enableThinking) ? reply.reasoning : null;
    const calls = toolCallsFor(request.prompt, params);
    if (calls.length > 0) return this.stream(channel, assistant, '', reasoning, onPiece, calls);
    const answer = params.responseFormat === 'json_object' ? jsonAnswer(request.prompt, reply.text) : reply.text;
    return this.stream(channel, assistant, answer, reasoning, onPiece);
  }

  // --- meetings and search by meaning ------------------------------------------------------

  /** Tingwu's progress: submitted, running (reported a few times), then done or failed. */
  private async followMeeting(meeting: Meeting, channel: Channel<MeetingRecord>): Promise<Meeting> {
    const step = async (patch: Partial<Meeting>) => {
      await sleep(this.options.imageStepMs);
      Object.assign(meeting, patch, { updatedAt: Date.now() });
      channel.onmessage(recordOf(meeting));
    };
    if (meeting.status === 'submitting') await step({ status: 'running', dataId: `tw-${meeting.id.slice(-8)}` });
    await step({});
    await step({});
    await sleep(this.options.imageStepMs);
    if (/fail|broken|403/i.test(meeting.fileUrl)) {
      Object.assign(meeting, {
        status: 'failed',
        errorCode: 'bad_request',
        dashscopeCode: 'TSC.AudioFileLinkError',
        errorMessage: 'The audio file link could not be downloaded (HTTP 403).',
        updatedAt: Date.now(),
      } satisfies Partial<Meeting>);
      this.record({ model: 'tingwu-meeting', conversationId: '', inputTokens: 0, outputTokens: 0, units: 0, failed: true });
    } else {
      const content = meetingContentFor(meeting.fileUrl);
      Object.assign(meeting, {
        ...content,
        status: 'succeeded',
        sentenceCount: content.sentences.length,
        chapterCount: content.chapters.length,
        actionCount: content.actions.length,
        updatedAt: Date.now(),
      } satisfies Partial<Meeting>);
      this.record({ model: 'tingwu-meeting', conversationId: '', inputTokens: 0, outputTokens: 0, units: Math.round(content.durationMs / 1000), failed: false });
    }
    channel.onmessage(recordOf(meeting));
    return meeting;
  }

  /** The calls and the results that lead to `lastTool` (a chain of tool messages after the calls). */
  private toolRun(lastTool: Message): { call: ToolCall; content: string }[] {
    const list = this.messages.get(lastTool.conversationId) ?? [];
    const byId = new Map(list.map((m) => [m.id, m]));
    const results: Message[] = [];
    let at: Message | undefined = lastTool;
    while (at && at.role === 'tool') {
      results.unshift(at);
      at = at.parentId ? byId.get(at.parentId) : undefined;
    }
    const calls = at?.toolCalls ?? [];
    return results.map((r) => ({
      call: calls.find((c) => c.id === r.toolCallId) ?? { id: r.toolCallId ?? '', name: 'tool', arguments: '{}' },
      content: r.content,
    }));
  }

  /** Paraformer's file transcription: pending with a task id, running, then done or failed. */
  private async followTranscription(job: TranscriptionJob, channel: Channel<TranscriptionJob>): Promise<TranscriptionJob> {
    const gone = () => !this.transcriptions.includes(job);
    const step = async (patch: Partial<TranscriptionJob>) => {
      await sleep(this.options.imageStepMs);
      Object.assign(job, patch, { updatedAt: Date.now() });
      if (!gone()) channel.onmessage(structuredClone(job));
    };
    if (job.taskId === null) await step({ taskId: `asr-${job.id.slice(-8)}` });
    if (job.status === 'pending') await step({ status: 'running' });
    await step({});
    await sleep(this.options.imageStepMs);
    if (/fail|broken|403/i.test(job.fileUrl)) {
      Object.assign(job, {
        status: 'failed',
        errorCode: 'bad_request',
        dashscopeCode: 'FILE_DOWNLOAD_FAILED',
        errorMessage: 'The audio file could not be downloaded from its URL (HTTP 403).',
        updatedAt: Date.now(),
      } satisfies Partial<TranscriptionJob>);
      this.record({ model: job.model, conversationId: '', inputTokens: 0, outputTokens: 0, units: 0, failed: true });
    } else {
      const transcript = transcriptFor(job.fileUrl);
      Object.assign(job, { status: 'succeeded', transcript, updatedAt: Date.now() } satisfies Partial<TranscriptionJob>);
      this.record({ model: job.model, conversationId: '', inputTokens: 0, outputTokens: 0, units: Math.round(transcript.durationSeconds ?? 0), failed: false });
    }
    if (!gone()) channel.onmessage(structuredClone(job));
    return job;
  }

  private liveEmit(session: LiveSession, event: LiveTranscriptEvent) {
    session.channel.onmessage(structuredClone(event));
  }

  /** 100 ms more audio: the partial grows by a piece; a finished sentence is settled. */
  private hearPiece(session: LiveSession) {
    const sentence = session.script.sentences[session.sentenceIndex % session.script.sentences.length];
    if (session.pieces === 0) session.sentenceBeganMs = Math.round((session.bytes / (session.sampleRate * 2)) * 1000);
    session.pieces++;
    if (session.pieces >= sentence.length) {
      this.settleSentence(session);
      // A queued failure strikes after the first settled sentence, so what was settled is kept.
      if (session.failure) {
        session.over = true;
        this.liveEmit(session, { type: 'failed', error: session.failure });
      }
      return;
    }
    this.liveEmit(session, { type: 'partial', text: sentence.slice(0, session.pieces).join('').trim(), beginMs: session.sentenceBeganMs });
  }

  private settleSentence(session: LiveSession) {
    const pieces = session.script.sentences[session.sentenceIndex % session.script.sentences.length];
    const settled: TranscriptSentence = {
      text: pieces.join('').trim(),
      beginMs: session.sentenceBeganMs,
      endMs: Math.round((session.bytes / (session.sampleRate * 2)) * 1000),
    };
    session.sentences.push(settled);
    session.sentenceIndex++;
    session.pieces = 0;
    this.liveEmit(session, { type: 'sentence', sentence: settled });
  }

  private allMessages(): Message[] {
    return [...this.messages.values()].flat();
  }

  private indexStatus(): IndexStatus {
    const all = this.allMessages().filter((m) => m.content.trim() !== '');
    const indexed = all.filter((m) => this.indexed.has(m.id)).length;
    return { model: 'text-embedding-v4', dimension: 512, indexed, pending: all.length - indexed };
  }

  // --- the commands ----------------------------------------------------------------------

  /** A streaming command read aloud: its deltas are spoken a sentence at a time, as CosyVoice would. */
  private async readAloudWhile(args: Args, run: (plain: Args) => Promise<SendOutcome>): Promise<ReadAloudOutcome> {
    const audio = args.onAudio as Channel<string>;
    const events = args.onEvent as Channel<StreamUpdate>;
    const voice = (args.voice as string | null) ?? 'longxiaochun';
    let sentence = '';
    let audioBytes = 0;
    let characters = 0;
    const speakSentence = () => {
      const text = sentence;
      sentence = '';
      if (text.trim() === '') return;
      const bytes = pcmBytes(toneSamples(spokenSeconds(text), 220));
      audioBytes += bytes.length;
      characters += text.length;
      audio.onmessage(bytesToBase64(bytes));
    };
    const proxy = {
      onmessage: (update: StreamUpdate) => {
        events.onmessage(update);
        if (update.type !== 'delta') return;
        sentence += update.text;
        if (/[.!?。！？\n]\s*$/.test(update.text)) speakSentence();
      },
    } as unknown as Channel<StreamUpdate>;
    const reply = await run({ ...args, onEvent: proxy });
    speakSentence();
    this.record({ model: 'cosyvoice-v2', conversationId: reply.conversationId, inputTokens: 0, outputTokens: 0, units: characters, failed: false });
    return { reply, speech: { model: 'cosyvoice-v2', voice, format: 'pcm', audioBytes, characters }, speechError: null };
  }

  private readonly commands: Record<string, (args: Args) => unknown> = {
    device_status: () => this.device(),

    create_profile: (args) => {
      const name = text(args.name).trim();
      const password = text(args.password);
      if (!name || password.length < 8) throw mockError('invalid_profile', 'a name and a password of 8 characters or more are needed');
      if (!this.protectedDevice) {
        // The first protected profile takes over the data of first use and becomes its admin.
        const first = this.profiles[0];
        first.summary = { ...first.summary, name, hasPassword: true, role: 'admin' };
        first.password = password;
        // The passwordless sessions of first use end with it.
        this.sessions.clear();
        return first.summary;
      }
      this.admin(args);
      if (this.profiles.some((p) => p.summary.name === name)) throw mockError('invalid_profile', 'that name is taken');
      const created = profile(name, 'member', password, Date.now());
      this.profiles.push(created);
      return created.summary;
    },

    login: (args) => {
      const found = this.profiles.find((p) => p.summary.id === args.profileId);
      if (!found) throw mockError('profile_not_found', 'no such profile');
      const now = Date.now();
      if (found.throttledUntil > now) {
        throw mockError('login_throttled', 'too many attempts', { retryAfterMs: found.throttledUntil - now });
      }
      const password = (args.password as string | null) ?? null;
      if (found.password !== password) {
        found.failures++;
        if (found.failures >= THROTTLE_AFTER) {
          found.throttledUntil = now + THROTTLE_MS;
          found.failures = 0;
          throw mockError('login_throttled', 'too many attempts', { retryAfterMs: THROTTLE_MS });
        }
        throw mockError('wrong_password', 'the password is wrong');
      }
      found.failures = 0;
      return this.openSession(found);
    },

    logout: (args) => {
      this.sessions.delete(String(args.token));
      return null;
    },

    refresh_session: (args) => {
      const p = this.caller(args);
      const token = String(args.token);
      const expiresAt = Date.now() + this.options.sessionMinutes * 60_000;
      const session = this.sessions.get(token);
      if (session) session.expiresAt = expiresAt;
      return { token, profile: p.summary, expiresAt } satisfies Session;
    },

    change_password: (args) => {
      const p = this.caller(args);
      const old = text(args.oldPassword);
      if ((p.password ?? '') !== old) throw mockError('wrong_password', 'the current password is wrong');
      const next = text(args.newPassword);
      if (next.length < 8) throw mockError('invalid_profile', 'the new password is too short');
      p.password = next;
      p.summary = { ...p.summary, hasPassword: true };
      return null;
    },

    remove_profile: (args) => {
      const me = this.admin(args);
      if (args.profileId === me.summary.id) throw mockError('forbidden', 'the admin cannot remove itself');
      const before = this.profiles.length;
      this.profiles = this.profiles.filter((p) => p.summary.id !== args.profileId);
      if (this.profiles.length === before) throw mockError('profile_not_found', 'no such profile');
      return null;
    },

    set_idle_lock: (args) => {
      this.admin(args);
      const minutes = Number(args.minutes);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) throw mockError('bad_request', 'minutes out of range');
      this.idleLockMinutes = minutes;
      return this.device();
    },

    app_status: (args) => {
      this.caller(args);
      return this.status();
    },

    start_demo: (args) => {
      this.caller(args);
      this.mode = 'demo';
      return this.status();
    },

    list_models: (args) => {
      this.caller(args);
      return MODELS;
    },

    list_conversations: (args) => {
      this.caller(args);
      const scope = (args.scope as ConversationScope | undefined) ?? 'active';
      return this.conversations
        .filter((c) => (scope === 'trash' ? c.deletedAt !== null : c.deletedAt === null && c.archived === (scope === 'archived')))
        .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt);
    },

    get_conversation: (args) => {
      this.caller(args);
      const conversation = this.conversation(args.conversationId);
      return { conversation, messages: [...(this.messages.get(conversation.id) ?? [])] };
    },

    update_conversation: (args) => {
      this.caller(args);
      const conversation = this.conversation(args.conversationId);
      Object.assign(conversation, args.patch as ConversationPatch, { updatedAt: Date.now() });
      return conversation;
    },

    trash_conversation: (args) => {
      this.caller(args);
      this.conversation(args.conversationId).deletedAt = Date.now();
      return null;
    },

    restore_conversation: (args) => {
      this.caller(args);
      this.conversation(args.conversationId).deletedAt = null;
      return null;
    },

    purge_conversation: (args) => {
      this.caller(args);
      const conversation = this.conversation(args.conversationId);
      this.conversations = this.conversations.filter((c) => c !== conversation);
      this.messages.delete(conversation.id);
      return null;
    },

    delete_message: (args) => {
      this.caller(args);
      const target = this.findMessage(args.messageId);
      const list = this.messages.get(target.conversationId) ?? [];
      const doomed = new Set([target.id]);
      for (const m of list) if (m.parentId && doomed.has(m.parentId)) doomed.add(m.id);
      this.messages.set(target.conversationId, list.filter((m) => !doomed.has(m.id)));
      this.touch(target.conversationId);
      return null;
    },

    send_message: (args) => this.send(args),

    regenerate_reply_read_aloud: (args) =>
      this.readAloudWhile(args, (plain) => this.commands.regenerate_reply(plain) as Promise<SendOutcome>),

    continue_reply_read_aloud: (args) =>
      this.readAloudWhile(args, (plain) => this.commands.continue_reply(plain) as Promise<SendOutcome>),

    send_message_read_aloud: async (args) => {
      const audio = args.onAudio as Channel<string>;
      const voice = (args.voice as string | null) ?? 'longxiaochun';
      const speechFailure = this.failures.get('read_aloud_speech')?.shift() ?? null;
      // Audio follows the text a sentence at a time, as CosyVoice reads it.
      let sentence = '';
      let audioBytes = 0;
      let characters = 0;
      let tone = 0;
      const speakSentence = () => {
        const text = sentence;
        sentence = '';
        if (text.trim() === '' || speechFailure) return;
        const bytes = pcmBytes(toneSamples(spokenSeconds(text), [196, 220, 247, 262][tone++ % 4]));
        audioBytes += bytes.length;
        characters += text.length;
        audio.onmessage(bytesToBase64(bytes));
      };
      const reply = await this.send(args, (piece) => {
        sentence += piece;
        if (/[.!?。！？\n]\s*$/.test(piece)) speakSentence();
      });
      speakSentence();
      if (!speechFailure) {
        this.record({ model: 'cosyvoice-v2', conversationId: reply.conversationId, inputTokens: 0, outputTokens: 0, units: characters, failed: false });
      }
      return {
        reply,
        speech: speechFailure ? null : { model: 'cosyvoice-v2', voice, format: 'pcm', audioBytes, characters },
        speechError: speechFailure,
      } satisfies ReadAloudOutcome;
    },

    list_assistants: (args) => {
      this.caller(args);
      return structuredClone(this.assistants);
    },

    add_assistant: (args) => {
      this.caller(args);
      const appId = text(args.appId).trim();
      const name = text(args.name).trim();
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(appId)) throw mockError('bad_request', `${appId} is not an app id`);
      if (!name) throw mockError('bad_request', 'the assistant needs a name');
      const existing = this.assistants.find((a) => a.appId === appId);
      if (existing) {
        existing.name = name;
        return { ...existing };
      }
      const added: Assistant = { appId, name, model: `app:${appId}`, addedAt: Date.now() };
      this.assistants.push(added);
      return { ...added };
    },

    remove_assistant: (args) => {
      this.caller(args);
      const before = this.assistants.length;
      this.assistants = this.assistants.filter((a) => a.appId !== args.appId);
      return this.assistants.length < before;
    },

    semantic_status: (args) => {
      this.caller(args);
      return this.indexStatus();
    },

    index_semantic: async (args) => {
      this.caller(args);
      this.needsKey();
      this.checkBudget();
      const max = Number(args.maxMessages ?? 500);
      const pending = this.allMessages()
        .filter((m) => !this.indexed.has(m.id) && m.content.trim() !== '')
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, max);
      let requests = 0;
      let tokens = 0;
      for (let i = 0; i < pending.length; i += 10) {
        const batch = pending.slice(i, i + 10);
        await sleep(this.options.imageStepMs / 3);
        const batchTokens = batch.reduce((n, m) => n + Math.ceil(m.content.length / 3), 0);
        this.record({ model: 'text-embedding-v4', conversationId: '', inputTokens: batchTokens, outputTokens: 0, units: 0, failed: false });
        for (const m of batch) this.indexed.add(m.id);
        requests++;
        tokens += batchTokens;
      }
      const status = this.indexStatus();
      return { model: status.model, dimension: status.dimension, embedded: pending.length, requests, tokens, indexed: status.indexed, pending: status.pending, error: null } satisfies IndexReport;
    },

    semantic_search: (args) => {
      this.caller(args);
      this.needsKey();
      const query = text(args.query).trim();
      const limit = Number(args.limit ?? 20);
      if (!query) return [];
      this.record({ model: 'text-embedding-v4', conversationId: '', inputTokens: Math.ceil(query.length / 3), outputTokens: 0, units: 0, failed: false });
      const hits: SemanticHit[] = [];
      for (const c of this.conversations) {
        if (c.deletedAt !== null) continue;
        for (const m of this.messages.get(c.id) ?? []) {
          if (!this.indexed.has(m.id)) continue;
          const score = similarity(query, m.content);
          if (score < 0.3) continue;
          const snippet = m.content.length > 140 ? `${m.content.slice(0, 140)}…` : m.content;
          hits.push({ messageId: m.id, conversationId: c.id, conversationTitle: c.title, role: m.role, snippet, score, createdAt: m.createdAt });
        }
      }
      return hits.sort((a, b) => b.score - a.score).slice(0, limit);
    },

    transcribe_meeting: async (args) => {
      this.caller(args);
      const fileUrl = text(args.fileUrl).trim();
      if (!/^https?:\/\/\S+$/i.test(fileUrl)) throw mockError('bad_request', 'Tingwu needs a public http(s) URL; local files cannot be reached');
      this.needsKey();
      this.checkBudget();
      const channel = args.onEvent as Channel<MeetingRecord>;
      const now = Date.now();
      const meeting: Meeting = {
        id: mockId(now),
        dataId: null,
        fileUrl,
        status: 'submitting',
        errorCode: null,
        dashscopeCode: null,
        errorMessage: null,
        summary: null,
        keywords: [],
        durationMs: null,
        sentenceCount: 0,
        chapterCount: 0,
        actionCount: 0,
        createdAt: now,
        updatedAt: now,
        sentences: [],
        chapters: [],
        actions: [],
      };
      this.meetings.unshift(meeting);
      channel.onmessage(recordOf(meeting));
      return structuredClone(await this.followMeeting(meeting, channel));
    },

    resume_meetings: async (args) => {
      this.caller(args);
      const channel = args.onEvent as Channel<MeetingRecord>;
      const unfinished = this.meetings.filter((m) => m.status === 'submitting' || m.status === 'running');
      const done: Meeting[] = [];
      for (const meeting of unfinished) done.push(structuredClone(await this.followMeeting(meeting, channel)));
      return done;
    },

    list_meetings: (args) => {
      this.caller(args);
      return [...this.meetings]
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, Number(args.limit ?? 100))
        .map(recordOf);
    },

    get_meeting: (args) => {
      this.caller(args);
      const found = this.meetings.find((m) => m.id === args.meetingId);
      if (!found) throw mockError('bad_request', `no meeting ${String(args.meetingId)}`);
      return structuredClone(found);
    },

    image_input_data: (args) => {
      this.caller(args);
      const input = this.inputArt.get(`${String(args.taskId)}:${Number(args.position)}`);
      if (!input) throw mockError('storage', 'no such input image');
      if ('base64' in input) return { ...input };
      return input.kind === 'svg'
        ? { mime: 'image/svg+xml', base64: textToBase64(svgArt(input.seed)) }
        : { mime: 'image/png', base64: bytesToBase64(pngArt(input.seed)) };
    },

    transcribe_url: async (args) => {
      this.caller(args);
      const url = text(args.url).trim();
      if (!/^https?:\/\/\S+$/i.test(url)) throw mockError('bad_request', 'only public http(s) URLs can be transcribed');
      this.needsKey();
      this.checkBudget();
      const channel = args.onEvent as Channel<TranscriptionJob>;
      const now = Date.now();
      const job: TranscriptionJob = {
        id: mockId(now),
        fileUrl: url,
        model: 'paraformer-v2',
        taskId: null,
        status: 'pending',
        errorCode: null,
        dashscopeCode: null,
        errorMessage: null,
        transcript: null,
        createdAt: now,
        updatedAt: now,
      };
      this.transcriptions.unshift(job);
      channel.onmessage(structuredClone(job));
      return structuredClone(await this.followTranscription(job, channel));
    },

    resume_transcriptions: async (args) => {
      this.caller(args);
      const channel = args.onEvent as Channel<TranscriptionJob>;
      // Jobs without a task id never reached Bailian: there is nothing to follow.
      const unfinished = this.transcriptions.filter((j) => (j.status === 'pending' || j.status === 'running') && j.taskId !== null);
      const done: TranscriptionJob[] = [];
      for (const job of unfinished) done.push(structuredClone(await this.followTranscription(job, channel)));
      return done;
    },

    list_transcriptions: (args) => {
      this.caller(args);
      return structuredClone([...this.transcriptions].sort((a, b) => b.createdAt - a.createdAt).slice(0, Number(args.limit ?? 100)));
    },

    delete_transcription: (args) => {
      this.caller(args);
      this.transcriptions = this.transcriptions.filter((j) => j.id !== args.jobId);
      return null;
    },

    start_live_transcription: (args) => {
      this.caller(args);
      const sampleRate = Number(args.sampleRate);
      if (sampleRate !== 8000 && sampleRate !== 16_000) throw mockError('bad_request', `live recognition takes 8000 or 16000 Hz PCM, not ${sampleRate}`);
      this.needsKey();
      this.checkBudget();
      const hints = Array.isArray(args.languageHints) ? (args.languageHints as string[]) : [];
      const id = mockId();
      this.live.set(id, {
        sampleRate,
        channel: args.onEvent as Channel<LiveTranscriptEvent>,
        script: hints[0] === 'zh' ? LIVE_SCRIPTS.zh : LIVE_SCRIPTS.en,
        bytes: 0,
        sentenceIndex: 0,
        pieces: 0,
        sentenceBeganMs: 0,
        sentences: [],
        failure: this.failures.get('live_transcription')?.shift() ?? null,
        over: false,
      });
      return id;
    },

    push_live_audio: (args) => {
      this.caller(args);
      const session = this.live.get(text(args.sessionId));
      if (!session || session.over) throw mockError('bad_request', 'the live recognition session is over');
      const bytes = Math.floor((text(args.pcmBase64).replace(/=+$/, '').length * 3) / 4);
      if (bytes % 2 !== 0) throw mockError('bad_request', 'PCM must be whole 16-bit samples');
      const before = Math.floor(session.bytes / (session.sampleRate * 0.2));
      session.bytes += bytes;
      const after = Math.floor(session.bytes / (session.sampleRate * 0.2));
      // One more word (or a few Chinese characters) per 100 ms of audio.
      for (let i = before; i < after && !session.over; i++) this.hearPiece(session);
      return null;
    },

    finish_live_transcription: async (args) => {
      this.caller(args);
      const id = text(args.sessionId);
      const session = this.live.get(id);
      if (!session) throw mockError('bad_request', 'no such live recognition session');
      this.live.delete(id);
      if (session.over && session.failure) throw session.failure;
      // The sentence being spoken is settled once the audio ends.
      if (session.pieces > 0) this.settleSentence(session);
      await sleep(this.options.streamDelayMs);
      const durationSeconds = session.bytes / (session.sampleRate * 2);
      this.record({ model: 'paraformer-realtime-v2', conversationId: '', inputTokens: 0, outputTokens: 0, units: Math.ceil(durationSeconds), failed: false });
      return {
        model: 'paraformer-realtime-v2',
        text: session.sentences.map((s) => s.text).join(session.script.joiner),
        sentences: session.sentences,
        durationSeconds,
      } satisfies Transcript;
    },

    cancel_live_transcription: (args) => {
      this.caller(args);
      this.live.delete(text(args.sessionId));
      return null;
    },

    submit_tool_results: async (args) => {
      this.caller(args);
      this.needsKey();
      this.checkBudget();
      const caller = this.findMessage(args.assistantMessageId);
      const results = (Array.isArray(args.results) ? args.results : []) as ToolResult[];
      const list = this.messages.get(caller.conversationId) ?? [];
      if (caller.role !== 'assistant' || caller.toolCalls.length === 0) throw mockError('bad_request', 'this message made no tool calls');
      if (list.some((m) => m.parentId === caller.id && m.role === 'tool')) throw mockError('bad_request', 'these tool calls are answered already');
      const ids = caller.toolCalls.map((c) => c.id);
      const answered = results.map((r) => r.toolCallId);
      if (answered.length !== ids.length || ids.some((id) => !answered.includes(id))) {
        throw mockError('bad_request', 'every tool call needs exactly one result');
      }
      const conversation = this.conversation(caller.conversationId);
      // The results follow the calls in the calls' order, each after the one before.
      let parentId = caller.id;
      const toolMessages: Message[] = caller.toolCalls.map((call) => {
        const result = results.find((r) => r.toolCallId === call.id)!;
        const message: Message = {
          id: mockId(),
          conversationId: conversation.id,
          role: 'tool',
          content: result.content,
          status: 'complete',
          model: null,
          demo: false,
          error: null,
          usage: null,
          createdAt: Date.now(),
          parentId,
          reasoning: null,
          searchSources: [],
          toolCalls: [],
          attachments: [],
          costCny: null,
          toolCallId: call.id,
          finishReason: null,
        };
        list.push(message);
        parentId = message.id;
        return message;
      });
      const channel = args.onEvent as Channel<StreamUpdate>;
      const assistant = this.newAssistant(conversation, parentId, caller.model ?? conversation.model);
      channel.onmessage({
        type: 'started',
        contextLeftOut: 0,
        conversationId: conversation.id,
        userMessage: null,
        assistantMessage: { ...assistant },
        toolMessages: toolMessages.map((m) => ({ ...m })),
      });
      return this.stream(channel, assistant, toolAnswer(this.toolRun(toolMessages[toolMessages.length - 1])), null);
    },

    regenerate_reply: async (args) => {
      this.caller(args);
      this.needsKey();
      this.checkBudget();
      const previous = this.findMessage(args.assistantMessageId);
      const conversation = this.conversation(previous.conversationId);
      const question = this.findMessage(previous.parentId);
      const channel = args.onEvent as Channel<StreamUpdate>;
      const assistant = this.newAssistant(conversation, question.id, previous.model ?? conversation.model);
      channel.onmessage({ type: 'started', contextLeftOut: 0, conversationId: conversation.id, userMessage: null, assistantMessage: { ...assistant } });
      if (question.role === 'tool') return this.stream(channel, assistant, toolAnswer(this.toolRun(question)), null);
      const calls = toolCallsFor(question.content, withDefaults(conversation.params));
      if (calls.length > 0) return this.stream(channel, assistant, '', null, undefined, calls);
      const reply = replyFor(question.content, 1);
      return this.stream(channel, assistant, reply.text, null);
    },

    continue_reply: async (args) => {
      this.caller(args);
      this.needsKey();
      const assistant = this.findMessage(args.assistantMessageId);
      const cutShort = assistant.status === 'complete' && assistant.finishReason === 'length';
      if (assistant.status !== 'partial' && !cutShort) throw mockError('bad_request', 'only a partial reply can be continued');
      const channel = args.onEvent as Channel<StreamUpdate>;
      assistant.status = 'streaming';
      assistant.error = null;
      assistant.finishReason = null;
      channel.onmessage({ type: 'resumed', contextLeftOut: 0, conversationId: assistant.conversationId, assistantMessage: { ...assistant } });
      return this.stream(
        channel,
        assistant,
        this.remainders.get(assistant.id) ??
          ' the tea horse road carried pressed tea to Tibet. Song dynasty scholars whisked powdered tea into foam; the Ming turned to loose leaves steeped in pots, the way most tea is drunk today.',
        null,
      );
    },

    stop_stream: (args) => {
      this.caller(args);
      this.stopped.add(String(args.assistantMessageId));
      return null;
    },

    attachment_data: (args) => {
      this.caller(args);
      return { mime: 'image/png', base64: bytesToBase64(pngArt(String(args.attachmentId).length)) };
    },

    search: (args) => {
      this.caller(args);
      const query = text(args.query).trim();
      const limit = Number(args.limit ?? 50);
      if (!query) return [];
      const hits: SearchHit[] = [];
      for (const c of this.conversations) {
        if (c.deletedAt !== null) continue;
        for (const m of this.messages.get(c.id) ?? []) {
          const at = m.content.toLowerCase().indexOf(query.toLowerCase());
          if (at < 0) continue;
          const from = Math.max(0, at - 30);
          const to = Math.min(m.content.length, at + query.length + 50);
          const snippet =
            (from > 0 ? '…' : '') +
            m.content.slice(from, at) +
            HIGHLIGHT_START +
            m.content.slice(at, at + query.length) +
            HIGHLIGHT_END +
            m.content.slice(at + query.length, to) +
            (to < m.content.length ? '…' : '');
          hits.push({ messageId: m.id, conversationId: c.id, conversationTitle: c.title, role: m.role, snippet, createdAt: m.createdAt });
        }
      }
      return hits.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    },

    usage_totals: (args) => {
      this.caller(args);
      const group = args.group as UsageGroup;
      const since = (args.since as number | null) ?? -Infinity;
      const until = (args.until as number | null) ?? Infinity;
      const totals = new Map<string, UsageTotal>();
      for (const row of this.ledger) {
        if (row.at < since || row.at >= until) continue;
        const key = group === 'day' ? isoDay(row.at) : group === 'model' ? row.model : row.conversationId;
        const t = totals.get(key) ?? { key, calls: 0, failedCalls: 0, inputTokens: 0, outputTokens: 0, units: 0, costCny: 0, unpricedCalls: 0 };
        t.calls++;
        if (row.failed) t.failedCalls++;
        t.inputTokens += row.inputTokens;
        t.outputTokens += row.outputTokens;
        t.units += row.units;
        if (row.costCny === null) t.unpricedCalls++;
        else t.costCny += row.costCny;
        totals.set(key, t);
      }
      const list = [...totals.values()];
      return group === 'day' ? list.sort((a, b) => a.key.localeCompare(b.key)) : list.sort((a, b) => b.costCny - a.costCny);
    },

    usage_csv: (args) => {
      this.caller(args);
      const since = (args.since as number | null) ?? -Infinity;
      const until = (args.until as number | null) ?? Infinity;
      const lines = ['time,model,conversation,status,input_tokens,output_tokens,units,cost_cny,price_as_of'];
      for (const r of this.ledger) {
        if (r.at < since || r.at >= until) continue;
        lines.push(
          [new Date(r.at).toISOString(), r.model, r.conversationId, r.failed ? 'failed' : 'ok', r.inputTokens, r.outputTokens, r.units, r.costCny === null ? '' : r.costCny.toFixed(6), r.priceAsOf ?? ''].join(','),
        );
      }
      return `${lines.join('\n')}\n`;
    },

    budget_status: (args) => {
      this.caller(args);
      return this.budgetStatus();
    },

    set_budget: (args) => {
      this.caller(args);
      const monthlyCny = args.monthlyCny as number | null;
      if (monthlyCny !== null && !(monthlyCny > 0)) throw mockError('bad_request', 'the budget must be positive');
      this.budget = { monthlyCny, atLimit: args.atLimit as AtLimit };
      return this.budgetStatus();
    },

    api_key_status: (args) => {
      this.caller(args);
      return this.keyStatus();
    },

    set_api_key: (args) => {
      this.caller(args);
      const slot = text(args.slot);
      const key = text(args.key).trim();
      if (!/^(ws:)?[A-Za-z0-9._-]+$/.test(slot)) throw mockError('bad_request', `${slot} is not a key slot`);
      if (!key) throw mockError('bad_request', 'the API key is empty');
      this.keys.set(slot, key);
      if (slot === this.configuredSlot && this.mode === 'needs_setup') this.mode = 'live';
      return this.keyStatus();
    },

    remove_api_key: (args) => {
      this.caller(args);
      const removed = this.keys.delete(String(args.slot));
      if (removed && args.slot === this.configuredSlot && this.mode === 'live') this.mode = 'needs_setup';
      return removed;
    },

    test_connection: (args) => {
      this.caller(args);
      const key = this.keys.get(this.configuredSlot);
      if (!key) return { ok: false, modelCount: 0, error: mockError('missing_api_key', 'no API key is configured') };
      if (key.includes('bad')) {
        return { ok: false, modelCount: 0, error: mockError('invalid_api_key', 'Incorrect API key provided.', { dashscopeCode: 'InvalidApiKey', requestId: 'req-7f3a9c' }) };
      }
      return { ok: true, modelCount: 87, error: null };
    },

    create_image: async (args) => {
      this.caller(args);
      this.needsKey();
      this.checkBudget();
      const job = args.job as ImageJob;
      if (!job.prompt.trim()) throw mockError('empty_prompt', 'the prompt is empty');
      const model = job.model ?? 'wanx2.1-t2i-turbo';
      // Image editing: checked before anything is stored, as the core does.
      const editing = model.includes('image-edit');
      const hasId = Boolean(job.inputImageId);
      const hasBytes = Boolean(job.inputImage);
      if ((hasId || hasBytes) && !editing) throw mockError('unsupported_by_model', `${model} cannot edit images`);
      if (editing && hasId === hasBytes) throw mockError('bad_request', 'an edit takes exactly one input image');
      if (hasId && !this.art.has(job.inputImageId!)) throw mockError('bad_request', `no stored image ${job.inputImageId}`);
      if (hasBytes && !job.inputImage!.mime.startsWith('image/')) throw mockError('bad_request', 'the input is not an image');
      const now = Date.now();
      const id = mockId(now);
      const inputs: ImageInput[] = [];
      if (hasId) {
        const source = this.images.flatMap((v) => v.images).find((i) => i.id === job.inputImageId);
        inputs.push({ task: id, position: 0, sourceImage: job.inputImageId!, mime: source?.mime ?? 'image/png', bytes: source?.bytes ?? 0 });
        this.inputArt.set(`${id}:0`, this.art.get(job.inputImageId!)!);
      } else if (hasBytes) {
        const { mime, base64 } = job.inputImage!;
        inputs.push({ task: id, position: 0, sourceImage: null, mime, bytes: Math.floor((base64.length * 3) / 4) });
        this.inputArt.set(`${id}:0`, { mime, base64 });
      }
      const view: ImageTaskView = {
        task: {
          id,
          taskId: null,
          model,
          prompt: job.prompt,
          parameters: JSON.stringify({
            ...(editing ? {} : { size: job.size ?? '1024*1024' }),
            n: editing ? 1 : (job.n ?? 1),
            ...(job.seed === null ? {} : { seed: job.seed }),
            ...(job.negativePrompt ? { negative_prompt: job.negativePrompt } : {}),
          }),
          status: 'submitting',
          errorCode: null,
          errorMessage: null,
          createdAt: now,
          updatedAt: now,
        },
        images: [],
        inputs,
      };
      this.images.unshift(view);
      const channel = args.onEvent as Channel<ImageTaskView>;
      channel.onmessage(structuredClone(view));
      return structuredClone(await this.followImage(view, channel, editing ? 1 : (job.n ?? 1), /blocked/i.test(job.prompt)));
    },

    list_image_tasks: (args) => {
      this.caller(args);
      return structuredClone(this.images.slice(0, Number(args.limit ?? 100)));
    },

    resume_image_tasks: async (args) => {
      this.caller(args);
      const channel = args.onEvent as Channel<ImageTaskView>;
      const unfinished = this.images.filter((v) => ['submitting', 'pending', 'running'].includes(v.task.status));
      const done = [];
      for (const view of unfinished) done.push(structuredClone(await this.followImage(view, channel, 1, false)));
      return done;
    },

    image_data: (args) => {
      this.caller(args);
      const art = this.art.get(String(args.imageId));
      if (!art) throw mockError('storage', 'no such image');
      return art.kind === 'svg'
        ? { mime: 'image/svg+xml', base64: textToBase64(svgArt(art.seed)) }
        : { mime: 'image/png', base64: bytesToBase64(pngArt(art.seed)) };
    },

    transcribe_audio: (args) => {
      this.caller(args);
      this.needsKey();
      if (text(args.base64) === '') throw mockError('bad_request', 'the audio is empty');
      if (text(args.fileName) === 'dictation.wav') {
        const words = 'Remind me to send the release notes to the team on Friday.';
        this.record({ model: 'paraformer-realtime-v2', conversationId: '', inputTokens: 0, outputTokens: 0, units: 3, failed: false });
        return {
          model: 'paraformer-realtime-v2',
          text: words,
          sentences: [{ text: words, beginMs: 0, endMs: 2900 }],
          durationSeconds: 3,
        } satisfies Transcript;
      }
      const said = '今天下午三点开会，讨论新版本的发布计划。';
      this.record({ model: 'paraformer-realtime-v2', conversationId: '', inputTokens: 0, outputTokens: 0, units: 3, failed: false });
      return {
        model: 'paraformer-realtime-v2',
        text: said,
        sentences: [
          { text: '今天下午三点开会，', beginMs: 0, endMs: 1400 },
          { text: '讨论新版本的发布计划。', beginMs: 1400, endMs: 3200 },
        ],
        durationSeconds: 3.2,
      };
    },

    speak: (args) => {
      this.caller(args);
      this.needsKey();
      const said = text(args.text);
      if (said.trim() === '') throw mockError('empty_prompt', 'there is nothing to read');
      const model = text(args.model) || 'cosyvoice-v2';
      this.record({ model, conversationId: '', inputTokens: 0, outputTokens: 0, units: said.length, failed: false });
      // A tone as long as the text would take to say, as WAV (what Qwen-TTS returns; every webview plays it).
      return { mime: 'audio/wav', base64: bytesToBase64(speechWav(said)) };
    },

    list_backups: (args) => {
      this.caller(args);
      return [...this.backups].sort((a, b) => b.createdAt - a.createdAt);
    },

    backup_now: (args) => {
      this.caller(args);
      const now = Date.now();
      const backup = { path: `/home/lin/.local/share/bailian-desk/backups/desk-${isoDay(now)}-${now % 100_000}.sqlite3`, createdAt: now, sizeBytes: 2_450_000 };
      this.backups.push(backup);
      return backup;
    },

    restore_backup: (args) => {
      this.caller(args);
      const backup = this.backups.find((b) => b.path === args.path);
      if (!backup) throw mockError('storage', 'no such backup');
      const now = Date.now();
      const snapshot = { path: `/home/lin/.local/share/bailian-desk/backups/before-restore-${now}.sqlite3`, createdAt: now, sizeBytes: 2_460_000 };
      this.backups.push(snapshot);
      return { snapshot: snapshot.path, replacedFile: `/home/lin/.local/share/bailian-desk/desk.sqlite3.replaced-${now}` };
    },

    export_data: (args) => {
      this.caller(args);
      const only = args.conversationId as string | null;
      const chosen = this.conversations.filter((c) => c.deletedAt === null && (only === null || c.id === only));
      if (args.format === 'markdown') {
        return chosen
          .map((c) => [`# ${c.title}`, ...(this.messages.get(c.id) ?? []).map((m) => `**${m.role}**\n\n${m.content}`)].join('\n\n'))
          .join('\n\n---\n\n');
      }
      return JSON.stringify(
        { format: 'bailian-desk-export', version: 1, exportedAt: Date.now(), conversations: chosen.map((c) => ({ ...c, messages: this.messages.get(c.id) ?? [] })) },
        null,
        2,
      );
    },

    import_data: (args) => {
      this.caller(args);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text(args.text));
      } catch {
        throw mockError('invalid_import', 'the file is not JSON');
      }
      const doc = parsed as { format?: unknown; conversations?: unknown };
      if (doc.format !== 'bailian-desk-export' || !Array.isArray(doc.conversations)) {
        throw mockError('invalid_import', 'the file is not a Bailian Desk export');
      }
      const report = { conversationsAdded: 0, conversationsSkipped: 0, messagesAdded: 0, messagesSkipped: 0 };
      for (const raw of doc.conversations as (ConversationSummary & { messages?: Message[] })[]) {
        const messages = raw.messages ?? [];
        if (this.conversations.some((c) => c.id === raw.id)) {
          report.conversationsSkipped++;
          report.messagesSkipped += messages.length;
          continue;
        }
        const summary: ConversationSummary = { ...raw };
        delete (summary as { messages?: unknown }).messages;
        this.conversations.push(summary);
        this.messages.set(summary.id, messages);
        report.conversationsAdded++;
        report.messagesAdded += messages.length;
      }
      return report;
    },

    get_settings: (args) => structuredClone(this.caller(args).settings),

    update_settings: (args) => {
      const p = this.caller(args);
      p.settings = structuredClone(args.settings as Settings);
      return structuredClone(p.settings);
    },

    logs_folder: (args) => {
      this.caller(args);
      return '/home/lin/.local/share/bailian-desk/logs';
    },

    api_key_statuses: (args) => {
      this.caller(args);
      const slots = ['cn-beijing', 'ap-southeast-1', 'us-east-1', ...[...this.keys.keys()].filter((slot) => slot.startsWith('ws:'))];
      return slots.map((slot): ApiKeyStatus => {
        const key = this.keys.get(slot);
        return { slot, source: key ? 'vault' : 'none', configured: key !== undefined, label: key ? maskKey(key) : null, store: 'os', storeError: null };
      });
    },

    endpoint: (args) => {
      this.caller(args);
      return structuredClone(this.endpointChoice);
    },

    set_endpoint: (args) => {
      this.caller(args);
      if (this.endpointChoice.fromEnvironment) throw mockError('bad_request', 'the endpoint is set by BAILIAN_REGION / BAILIAN_BASE_URL');
      const region = String(args.region);
      const workspace = (args.workspace as string | null) ?? null;
      const hosts: Record<string, string> = {
        'cn-beijing': 'https://dashscope.aliyuncs.com',
        'ap-southeast-1': 'https://dashscope-intl.aliyuncs.com',
        'us-east-1': 'https://dashscope-us.aliyuncs.com',
      };
      if (!hosts[region]) throw mockError('bad_request', `${region} is not a region`);
      if (workspace !== null && !/^[A-Za-z0-9._-]{1,120}$/.test(workspace)) throw mockError('bad_request', `${workspace} is not a workspace id`);
      this.endpointChoice = {
        region,
        workspace,
        baseUrl: workspace ? `https://${workspace}.${region}.maas.aliyuncs.com` : hosts[region],
        keySlot: workspace ? `ws:${workspace}` : region,
        fromEnvironment: false,
      };
      this.configuredSlot = this.endpointChoice.keySlot;
      if (this.mode !== 'demo') this.mode = this.keys.has(this.configuredSlot) ? 'live' : 'needs_setup';
      return structuredClone(this.endpointChoice);
    },

    save_file: (args) => {
      this.caller(args);
      return `/home/lin/Downloads/${String(args.fileName)}`;
    },
  };
}

function isoDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Routes every IPC call of this window to a new mock backend and returns it. */
export function installMockBackend(options: MockOptions = {}): MockBackend {
  const backend = new MockBackend(options);
  mockIPC((cmd, payload) => backend.handle(cmd, payload as Args));
  return backend;
}

import { startTransition, useCallback, useEffect, useReducer, useRef, useState } from 'react';
import {
  continueReply as continueReplyCommand,
  deleteMessage as deleteMessageCommand,
  getConversation,
  regenerateReply,
  sendMessage,
  sendMessageReadAloud,
  regenerateReplyReadAloud,
  continueReplyReadAloud,
  stopStream,
  submitToolResults as submitToolResultsCommand,
} from '../api/desk';
import type {
  BudgetStatus,
  ConversationSummary,
  DeskError,
  MessageError,
  MessageStatus,
  ReadAloudOutcome,
  SendOutcome,
  SendRequest,
  StreamUpdate,
  ToolResult,
} from '../api/types';
import { mark, traced } from '../perf/trace';
import { chatReducer, initialChatState, type ChatState, type ChatAction } from './chatReducer';
import { createFrameBatcher } from './frameBatcher';

const tracedChatReducer = (state: ChatState, action: ChatAction): ChatState =>
  traced(`chat reducer: ${action.type}`, () => chatReducer(state, action));

/** The one reply in flight. Mutable on purpose: channel callbacks fill it in as events arrive. */
interface InFlight {
  viewKey: number;
  conversationId: string | null;
  assistantMessageId: string | null;
  stopRequested: boolean;
}

export interface ActiveStream {
  viewKey: number;
  conversationId: string | null;
  assistantMessageId: string | null;
}

export type SendResult = 'started' | 'rejected';

/** What a send needs besides the conversation, which the session knows. */
export type SendInput = Omit<SendRequest, 'conversationId'>;

export interface ChatSession {
  chat: ChatState;
  /** The reply in flight, in whichever conversation; null when idle. */
  activeStream: ActiveStream | null;
  /** Set when a reply pushed this month's spending to 80 % of the budget or past it. */
  budgetNotice: BudgetStatus | null;
  dismissBudgetNotice: () => void;
  newChat: () => void;
  /** Opens a conversation; `focusMessageId` scrolls to and marks that message once it is shown. */
  openConversation: (conversationId: string, focusMessageId?: string | null) => void;
  /** Marks a message of the open conversation and scrolls to it. */
  focusMessage: (messageId: string) => void;
  /** Resolves once the reply has started (or the backend refused before it could). */
  send: (input: SendInput) => Promise<SendResult>;
  /** A new reply to the same prompt, kept as a sibling of this one. */
  regenerate: (assistantMessageId: string) => Promise<SendResult>;
  /** Writes on where a partial reply stopped. */
  continueReply: (assistantMessageId: string) => Promise<SendResult>;
  /** Answers the tool calls of an assistant message and streams the model's next reply. */
  submitToolResults: (assistantMessageId: string, results: ToolResult[]) => Promise<SendResult>;
  deleteMessage: (messageId: string) => Promise<void>;
  stepBranch: (messageId: string, step: number) => void;
  conversationChanged: (conversation: ConversationSummary) => void;
  stop: () => void;
}

type StreamCommand = (onUpdate: (update: StreamUpdate) => void) => Promise<SendOutcome>;

/**
 * Reading replies aloud as they stream (`send_message_read_aloud`): the text still goes through the
 * session's one stream path; the audio goes to these.
 */
export interface ReadAloudHooks {
  /** Asked at every send: the voice to read the reply with (null for the default), or false for
   * not reading it aloud. */
  voiceFor: () => string | null | false;
  /** The send is about to go out (still within the person's key press or click). */
  onBegin: () => void;
  /** Base64 chunks of 16-bit mono PCM, in order. */
  onAudio: (pcmBase64: string) => void;
  /** The reply ended; `speechError` when reading it failed (which never fails the reply). */
  onEnd: (speechError: DeskError | null) => void;
  /** The person stopped the reply. */
  onStop: () => void;
}

// Channel messages and the command's own answer travel separately, so `finished`
// can arrive just after the command resolves. Wait this long for it before
// settling the row from the command's outcome instead.
const FINISHED_GRACE_MS = 1500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function snapshot(inFlight: InFlight): ActiveStream {
  return {
    viewKey: inFlight.viewKey,
    conversationId: inFlight.conversationId,
    assistantMessageId: inFlight.assistantMessageId,
  };
}

function messageError(error: DeskError | null): MessageError | null {
  return error && { code: error.code, message: error.message };
}

export function useChatSession(options: {
  notify: (error: DeskError) => void;
  /** A reply started or ended: the conversation list may have changed. */
  onReplySettled: () => void;
  /** Sends read the reply aloud while it streams when these say so. */
  readAloud?: ReadAloudHooks;
}): ChatSession {
  const { notify, onReplySettled, readAloud } = options;
  const [chat, dispatch] = useReducer(tracedChatReducer, initialChatState);
  const [activeStream, setActiveStream] = useState<ActiveStream | null>(null);
  const [budgetNotice, setBudgetNotice] = useState<BudgetStatus | null>(null);

  const viewKeyRef = useRef(initialChatState.viewKey);
  const openIdRef = useRef<string | null>(null);
  const inFlightRef = useRef<InFlight | null>(null);
  const readAloudRef = useRef<ReadAloudHooks | undefined>(readAloud);

  useEffect(() => {
    readAloudRef.current = readAloud;
  }, [readAloud]);

  const loadView = useCallback(
    (conversationId: string) => {
      // Marks for tests/e2e/perf.mjs: how much of opening a thread is the IPC, how much the page.
      performance.mark('desk:conversation-requested');
      getConversation(conversationId).then(
        (view) => {
          performance.mark('desk:conversation-received');
          dispatch({ type: 'viewLoaded', view });
        },
        (error: DeskError) => {
          dispatch({ type: 'loadFailed', conversationId });
          notify(error);
        },
      );
    },
    [notify],
  );

  const newChat = useCallback(() => {
    viewKeyRef.current += 1;
    openIdRef.current = null;
    dispatch({ type: 'newChat', viewKey: viewKeyRef.current });
  }, []);

  const openConversation = useCallback(
    (conversationId: string, focusMessageId: string | null = null) => {
      viewKeyRef.current += 1;
      openIdRef.current = conversationId;
      dispatch({ type: 'loadRequested', viewKey: viewKeyRef.current, conversationId, focusMessageId });
      loadView(conversationId);
    },
    [loadView],
  );

  const focusMessage = useCallback((messageId: string) => {
    dispatch({ type: 'focusRequested', viewKey: viewKeyRef.current, messageId });
  }, []);

  const requestStop = useCallback(
    (messageId: string) => {
      stopStream(messageId).catch((error: unknown) => notify(error as DeskError));
    },
    [notify],
  );

  /** Runs one streaming command (send, regenerate, continue) into the open view. */
  const run = useCallback(
    async (command: StreamCommand): Promise<SendResult> => {
      if (inFlightRef.current) return 'rejected';
      const viewKey = viewKeyRef.current;
      const inFlight: InFlight = {
        viewKey,
        conversationId: openIdRef.current,
        assistantMessageId: null,
        stopRequested: false,
      };
      inFlightRef.current = inFlight;
      // A transition too: the composer has already cleared its draft (urgent, in the same event),
      // and the busy state re-renders the list and every row in it, 17-25 ms the first time, which
      // as one task on a busy machine crossed 50 ms. The in-flight ref, not this state, is what
      // refuses a second send meanwhile (and its draft is given back).
      startTransition(() => setActiveStream(snapshot(inFlight)));

      let announceStart: (result: SendResult) => void = () => undefined;
      const startResult = new Promise<SendResult>((resolve) => (announceStart = resolve));
      let finishedSeen = false;
      let announceFinished: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (announceFinished = resolve));

      // What the stream shows is rendered as a transition: React yields to the page between
      // components (every ~5 ms), so a reply's start (new rows, the reducer adding them to a
      // 10,000-message tree, the commit) and its first Markdown are not one long task, and typing
      // or a click on Stop (urgent updates) is handled first. Transitions that update this one
      // reducer are rendered together, in the order they were dispatched.
      const showStreamed = (action: ChatAction) => startTransition(() => dispatch(action));

      const batcher = createFrameBatcher(({ content, reasoning }) => {
        if (inFlight.assistantMessageId)
          showStreamed({
            type: 'streamed',
            viewKey,
            messageId: inFlight.assistantMessageId,
            content,
            reasoning,
            at: Date.now(),
          });
      });

      const begin = (conversationId: string, assistantMessageId: string) => {
        inFlight.conversationId = conversationId;
        inFlight.assistantMessageId = assistantMessageId;
        if (viewKeyRef.current === viewKey) openIdRef.current = conversationId;
        startTransition(() => setActiveStream(snapshot(inFlight)));
        announceStart('started');
        if (inFlight.stopRequested) requestStop(assistantMessageId);
      };

      const onUpdate = (update: StreamUpdate) => {
        mark(`update:${update.type}`);
        const messageId = inFlight.assistantMessageId;
        switch (update.type) {
          case 'started':
            showStreamed({
              type: 'started',
              viewKey,
              conversationId: update.conversationId,
              userMessage: update.userMessage,
              assistantMessage: update.assistantMessage,
              toolMessages: update.toolMessages,
              contextLeftOut: update.contextLeftOut,
            });
            begin(update.conversationId, update.assistantMessage.id);
            return;
          case 'resumed':
            showStreamed({
              type: 'resumed',
              viewKey,
              assistantMessage: update.assistantMessage,
              contextLeftOut: update.contextLeftOut,
            });
            begin(update.conversationId, update.assistantMessage.id);
            return;
          case 'delta':
            batcher.push(update.text, 'content');
            return;
          case 'reasoning':
            batcher.push(update.text, 'reasoning');
            return;
          case 'searchSources':
            batcher.flush();
            if (messageId) showStreamed({ type: 'searchSources', viewKey, messageId, sources: update.sources });
            return;
          case 'toolCalls':
            batcher.flush();
            if (messageId) showStreamed({ type: 'toolCalls', viewKey, messageId, calls: update.calls });
            return;
          case 'retrying':
            batcher.flush();
            if (messageId)
              showStreamed({
                type: 'retrying',
                viewKey,
                messageId,
                attempt: update.attempt,
                delayMs: update.delayMs,
                reason: update.reason,
              });
            return;
          case 'finished':
            batcher.flush();
            finishedSeen = true;
            if (messageId) {
              showStreamed({
                type: 'finished',
                viewKey,
                messageId,
                status: update.status,
                usage: update.usage,
                error: messageError(update.error),
                costCny: update.costCny,
                finishReason: update.finishReason ?? null,
                at: Date.now(),
              });
              if (update.error?.requestId)
                showStreamed({ type: 'requestIdNoted', viewKey, messageId, requestId: update.error.requestId });
            }
            announceFinished();
            return;
        }
      };

      const settle = async () => {
        let outcome: SendOutcome | null = null;
        let failure: DeskError | null = null;
        try {
          outcome = await command(onUpdate);
        } catch (error) {
          failure = error as DeskError;
        }

        const messageId = inFlight.assistantMessageId;
        if (messageId === null) {
          // Refused before a reply existed: nothing to show inline.
          batcher.cancel();
          if (failure) notify(failure);
          announceStart('rejected');
        } else {
          if (!finishedSeen) await Promise.race([finished, sleep(FINISHED_GRACE_MS)]);
          batcher.flush();
          if (!finishedSeen) {
            const status: MessageStatus =
              outcome?.status ?? (failure?.code === 'cancelled' ? 'partial' : 'failed');
            showStreamed({
              type: 'finished',
              viewKey,
              messageId,
              status,
              usage: null,
              error: messageError(failure),
              costCny: null,
              finishReason: null,
              at: Date.now(),
            });
          }
          if (failure?.requestId)
            showStreamed({ type: 'requestIdNoted', viewKey, messageId, requestId: failure.requestId });
        }
        if (outcome?.budget) setBudgetNotice(outcome.budget);

        inFlightRef.current = null;
        // In one render with the reply's last update when that is still pending (see
        // `streamSettled`), so the composer does not come back beside a reply still shown
        // streaming. A `finished` already drawn (it arrives apart from the command's result) may
        // still show a frame before the composer returns.
        startTransition(() => {
          dispatch({ type: 'streamSettled' });
          setActiveStream(null);
        });
        onReplySettled();
        // The view was reopened mid-reply and so ignored its deltas: show what was stored.
        const streamConversation = inFlight.conversationId;
        if (
          messageId !== null &&
          streamConversation !== null &&
          viewKeyRef.current !== viewKey &&
          openIdRef.current === streamConversation
        )
          loadView(streamConversation);
      };

      void settle();
      return startResult;
    },
    [loadView, notify, onReplySettled, requestStop],
  );

  /** Runs a reply command, read aloud while it streams when the person asked for that. */
  const runMaybeAloud = useCallback(
    (
      plain: (onUpdate: (update: StreamUpdate) => void) => Promise<SendOutcome>,
      aloud: (voice: string | null, onUpdate: (update: StreamUpdate) => void, onAudio: (pcm: string) => void) => Promise<ReadAloudOutcome>,
    ) => {
      const reading = readAloudRef.current;
      const voice = reading && !inFlightRef.current ? reading.voiceFor() : false;
      if (!reading || voice === false) return run(plain);
      reading.onBegin();
      return run((onUpdate) =>
        aloud(voice, onUpdate, reading.onAudio).then(
          (outcome) => {
            reading.onEnd(outcome.speechError);
            return outcome.reply;
          },
          (error: unknown) => {
            reading.onEnd(null);
            throw error;
          },
        ),
      );
    },
    [run],
  );

  const send = useCallback(
    (input: SendInput) => {
      const request: SendRequest = { ...input, conversationId: openIdRef.current };
      return runMaybeAloud(
        (onUpdate) => sendMessage(request, onUpdate),
        (voice, onUpdate, onAudio) => sendMessageReadAloud(request, voice, onUpdate, onAudio),
      );
    },
    [runMaybeAloud],
  );

  const regenerate = useCallback(
    (assistantMessageId: string) =>
      runMaybeAloud(
        (onUpdate) => regenerateReply(assistantMessageId, onUpdate),
        (voice, onUpdate, onAudio) => regenerateReplyReadAloud(assistantMessageId, voice, onUpdate, onAudio),
      ),
    [runMaybeAloud],
  );

  const continueReply = useCallback(
    (assistantMessageId: string) =>
      runMaybeAloud(
        (onUpdate) => continueReplyCommand(assistantMessageId, onUpdate),
        (voice, onUpdate, onAudio) => continueReplyReadAloud(assistantMessageId, voice, onUpdate, onAudio),
      ),
    [runMaybeAloud],
  );

  const submitToolResults = useCallback(
    (assistantMessageId: string, results: ToolResult[]) =>
      run((onUpdate) => submitToolResultsCommand(assistantMessageId, results, onUpdate)),
    [run],
  );

  const deleteMessage = useCallback(
    async (messageId: string) => {
      const viewKey = viewKeyRef.current;
      try {
        await deleteMessageCommand(messageId);
        dispatch({ type: 'messageRemoved', viewKey, messageId });
        onReplySettled();
      } catch (error) {
        notify(error as DeskError);
      }
    },
    [notify, onReplySettled],
  );

  const stepBranch = useCallback((messageId: string, step: number) => {
    dispatch({ type: 'branchStepped', viewKey: viewKeyRef.current, messageId, step });
  }, []);

  const conversationChanged = useCallback((conversation: ConversationSummary) => {
    dispatch({ type: 'conversationChanged', conversation });
  }, []);

  const stop = useCallback(() => {
    const inFlight = inFlightRef.current;
    if (!inFlight) return;
    readAloudRef.current?.onStop();
    if (inFlight.assistantMessageId) requestStop(inFlight.assistantMessageId);
    else inFlight.stopRequested = true;
  }, [requestStop]);

  const dismissBudgetNotice = useCallback(() => setBudgetNotice(null), []);

  return {
    chat,
    activeStream,
    budgetNotice,
    dismissBudgetNotice,
    newChat,
    openConversation,
    focusMessage,
    send,
    regenerate,
    continueReply,
    submitToolResults,
    deleteMessage,
    stepBranch,
    conversationChanged,
    stop,
  };
}

import { useCallback, useReducer, useRef, useState } from 'react';
import { getConversation, sendMessage, stopStream } from '../api/desk';
import type { DeskError, MessageError, MessageStatus, SendOutcome, StreamUpdate } from '../api/types';
import { chatReducer, initialChatState, type ChatState } from './chatReducer';
import { createFrameBatcher } from './frameBatcher';

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

export interface ChatSession {
  chat: ChatState;
  /** The reply in flight, in whichever conversation; null when idle. */
  activeStream: ActiveStream | null;
  newChat: () => void;
  openConversation: (conversationId: string) => void;
  /** Resolves once the reply has started (or the backend refused before it could). */
  send: (prompt: string) => Promise<SendResult>;
  stop: () => void;
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

export function useChatSession(options: {
  /** Model for a new conversation; existing conversations keep theirs. */
  newChatModel: string | null;
  notify: (error: DeskError) => void;
  onReplySettled: () => void;
}): ChatSession {
  const { newChatModel, notify, onReplySettled } = options;
  const [chat, dispatch] = useReducer(chatReducer, initialChatState);
  const [activeStream, setActiveStream] = useState<ActiveStream | null>(null);

  const viewKeyRef = useRef(initialChatState.viewKey);
  const openIdRef = useRef<string | null>(null);
  const inFlightRef = useRef<InFlight | null>(null);

  const loadView = useCallback(
    (conversationId: string) => {
      getConversation(conversationId).then(
        (view) => dispatch({ type: 'viewLoaded', view }),
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
    (conversationId: string) => {
      viewKeyRef.current += 1;
      openIdRef.current = conversationId;
      dispatch({ type: 'loadRequested', viewKey: viewKeyRef.current, conversationId });
      loadView(conversationId);
    },
    [loadView],
  );

  const requestStop = useCallback(
    (messageId: string) => {
      stopStream(messageId).catch((error: unknown) => notify(error as DeskError));
    },
    [notify],
  );

  const send = useCallback(
    async (prompt: string): Promise<SendResult> => {
      if (inFlightRef.current) return 'rejected';
      const viewKey = viewKeyRef.current;
      const conversationId = openIdRef.current;
      const inFlight: InFlight = {
        viewKey,
        conversationId,
        assistantMessageId: null,
        stopRequested: false,
      };
      inFlightRef.current = inFlight;
      setActiveStream(snapshot(inFlight));

      let announceStart: (result: SendResult) => void = () => undefined;
      const startResult = new Promise<SendResult>((resolve) => (announceStart = resolve));
      let finishedSeen = false;
      let announceFinished: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (announceFinished = resolve));

      const batcher = createFrameBatcher((text) => {
        if (inFlight.assistantMessageId)
          dispatch({ type: 'delta', viewKey, messageId: inFlight.assistantMessageId, text });
      });

      const onUpdate = (update: StreamUpdate) => {
        switch (update.type) {
          case 'started':
            inFlight.conversationId = update.conversationId;
            inFlight.assistantMessageId = update.assistantMessage.id;
            if (viewKeyRef.current === viewKey) openIdRef.current = update.conversationId;
            dispatch({
              type: 'started',
              viewKey,
              conversationId: update.conversationId,
              userMessage: update.userMessage,
              assistantMessage: update.assistantMessage,
            });
            setActiveStream(snapshot(inFlight));
            announceStart('started');
            if (inFlight.stopRequested) requestStop(update.assistantMessage.id);
            return;
          case 'delta':
            batcher.push(update.text);
            return;
          case 'retrying':
            batcher.flush();
            if (inFlight.assistantMessageId)
              dispatch({
                type: 'retrying',
                viewKey,
                messageId: inFlight.assistantMessageId,
                attempt: update.attempt,
                delayMs: update.delayMs,
                reason: update.reason,
              });
            return;
          case 'finished':
            batcher.flush();
            finishedSeen = true;
            if (inFlight.assistantMessageId)
              dispatch({
                type: 'finished',
                viewKey,
                messageId: inFlight.assistantMessageId,
                status: update.status,
                usage: update.usage,
                error: update.error,
              });
            announceFinished();
            return;
        }
      };

      const settle = async () => {
        let outcome: SendOutcome | null = null;
        let failure: DeskError | null = null;
        try {
          const model = conversationId ? null : newChatModel;
          outcome = await sendMessage({ conversationId, prompt, model }, onUpdate);
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
            const error: MessageError | null = failure && { code: failure.code, message: failure.message };
            dispatch({ type: 'finished', viewKey, messageId, status, usage: null, error });
          }
          if (failure?.requestId)
            dispatch({ type: 'requestIdNoted', viewKey, messageId, requestId: failure.requestId });
        }

        inFlightRef.current = null;
        setActiveStream(null);
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
    [loadView, newChatModel, notify, onReplySettled, requestStop],
  );

  const stop = useCallback(() => {
    const inFlight = inFlightRef.current;
    if (!inFlight) return;
    if (inFlight.assistantMessageId) requestStop(inFlight.assistantMessageId);
    else inFlight.stopRequested = true;
  }, [requestStop]);

  return { chat, activeStream, newChat, openConversation, send, stop };
}

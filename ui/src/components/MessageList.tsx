import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../api/types';
import type { RetryNotice } from '../state/chatReducer';
import { MessageRow } from './MessageRow';

interface Props {
  messages: Message[];
  liveMessageId: string | null;
  retry: RetryNotice | null;
  requestIds: Readonly<Record<string, string>>;
  /** Shown above the (still present) log, e.g. while loading or when the chat is empty. */
  children?: ReactNode;
}

// Within this distance of the bottom the list keeps following new text;
// further up, the reader has scrolled back on purpose and is left alone.
const FOLLOW_THRESHOLD_PX = 80;

export function MessageList({ messages, liveMessageId, retry, requestIds, children }: Props) {
  const { t } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const shownCount = useRef(0);

  useLayoutEffect(() => {
    // A newly added message (the person just sent one) always brings the view back down.
    if (messages.length > shownCount.current) following.current = true;
    shownCount.current = messages.length;
    const el = scroller.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const onScroll = () => {
    const el = scroller.current;
    if (el) following.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_THRESHOLD_PX;
  };

  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll}>
      {children}
      <div className="message-list" role="log" aria-live="polite" aria-label={t('chat.messagesLabel')}>
        {messages.map((message) => (
          <MessageRow
            key={message.id}
            message={message}
            retry={message.id === liveMessageId ? retry : null}
            requestId={requestIds[message.id] ?? null}
          />
        ))}
      </div>
    </div>
  );
}

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../api/types';
import type { FocusRequest, RetryNotice, ThinkingTime } from '../state/chatReducer';
import { siblingPosition, type MessageTree } from '../state/messageTree';
import { mark, record, traced, tracing } from '../perf/trace';
import { ArrowDownIcon } from './icons';
import type { MessageActions } from './messageActions';
import { MessageRow } from './MessageRow';

interface Props {
  /** The shown branch, root first. */
  messages: readonly Message[];
  tree: MessageTree;
  liveMessageId: string | null;
  retry: RetryNotice | null;
  requestIds: Readonly<Record<string, string>>;
  thinking: Readonly<Record<string, ThinkingTime>>;
  focus: FocusRequest | null;
  busy: boolean;
  actions: MessageActions;
}

// Within this distance of the bottom the list keeps following new text;
// further up, the reader has scrolled back on purpose and is left alone.
const FOLLOW_THRESHOLD_PX = 80;
const HIGHLIGHT_MS = 2500;

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

// Estimates per message object: a message that has not changed keeps its estimate when the path
// grows (a new reply in a 10,000-message thread would otherwise scan every message again).
const estimates = new WeakMap<Message, number>();

/** A first guess at a row's height; rows are measured once shown, so it only needs to be close. */
function estimateHeight(message: Message | undefined): number {
  if (!message) return 80;
  const known = estimates.get(message);
  if (known !== undefined) return known;
  const lines = Math.ceil(message.content.length / 80) + countNewlines(message.content);
  const estimate = 64 + Math.min(lines, 400) * 22 + (message.attachments.length > 0 ? 96 : 0);
  estimates.set(message, estimate);
  return estimate;
}

/**
 * The history, virtualised: only the rows in and near the viewport exist, so a 10,000-message
 * conversation opens as fast as a short one. Rows are measured as they render (dynamic
 * heights), the view sticks to the bottom while a reply streams unless the reader scrolled up,
 * and a search hit is scrolled to and marked.
 */
export function MessageList({ messages, tree, liveMessageId, retry, requestIds, thinking, focus, busy, actions }: Props) {
  const { t } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  const placedInitially = useRef(false);
  const [expiredFocus, setExpiredFocus] = useState<number | null>(null);
  // Render-to-commit time of the list and its rows, for tests/e2e/perf.mjs's trace.
  const renderStarted = tracing() ? performance.now() : 0;
  useLayoutEffect(() => {
    if (renderStarted === 0) return;
    const committed = performance.now();
    mark('list-committed');
    record('message list commit', committed - renderStarted);
    // Forcing the layout here (it would happen before the paint anyway) puts its cost in the trace.
    void scroller.current?.scrollHeight;
    record('message list layout', performance.now() - committed);
  });

  // The virtualiser recomputes every row's position whenever `getItemKey` is a new function, so
  // a new one each render (each streamed frame) cost a pass over all 10,000 rows, with a height
  // estimate each. The shown path is fixed by its length and its two ends (two different paths
  // through the tree end at different leaves), so keys and estimates are redone only when one of
  // those changes; the streaming row's growth is measured, not estimated.
  const count = messages.length;
  const firstId = messages[0]?.id;
  const lastId = messages[count - 1]?.id;
  const rowShape = useMemo(() => {
    const { ids, estimates } = traced('message list: row shape', () => ({
      ids: messages.map((m) => m.id),
      estimates: messages.map(estimateHeight),
    }));
    return {
      getItemKey: (index: number) => ids[index] ?? index,
      estimateSize: (index: number) => estimates[index] ?? estimateHeight(undefined),
    };
    // `messages` changes with every streamed frame; the path's shape only with these.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [count, firstId, lastId]);

  const focusIndex = focus ? messages.findIndex((m) => m.id === focus.messageId) : -1;

  // The virtualiser's functions are not memoisable by the React compiler; this component does not
  // rely on it, and the rows below are memoised by hand.
  const virtualizerStarted = renderStarted === 0 ? 0 : performance.now();
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: rowShape.estimateSize,
    getItemKey: rowShape.getItemKey,
    // The first render already shows the rows where the thread opens (its end, or the message
    // searched for) instead of its first rows, which scrolling there would throw away at once.
    initialOffset: () => {
      const until = focusIndex >= 0 ? focusIndex : count;
      let offset = 0;
      for (let i = 0; i < until; i++) offset += rowShape.estimateSize(i);
      return offset;
    },
    overscan: 4,
    paddingStart: 20,
    paddingEnd: 12,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: FOLLOW_THRESHOLD_PX,
  });


  // Where a freshly opened conversation starts: at its end, or at the message searched for.
  useLayoutEffect(() => {
    if (placedInitially.current || messages.length === 0) return;
    placedInitially.current = true;
    performance.mark('desk:view-committed');
    if (focusIndex >= 0) virtualizer.scrollToIndex(focusIndex, { align: 'center' });
    else virtualizer.scrollToEnd();
  }, [messages.length, focusIndex, virtualizer]);

  // A reply that starts (the person sent, regenerated or continued) brings the view down to it.
  useLayoutEffect(() => {
    if (liveMessageId !== null) virtualizer.scrollToEnd();
  }, [liveMessageId, virtualizer]);

  // A later jump (search while the conversation is open) scrolls there too.
  const focusNonce = focus?.nonce ?? null;
  useEffect(() => {
    if (focusNonce === null || focusIndex < 0) return;
    virtualizer.scrollToIndex(focusIndex, { align: 'center' });
    const timer = setTimeout(() => setExpiredFocus(focusNonce), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
    // Only a new request moves the view; the index changing under a stream must not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focusNonce, focusIndex >= 0]);

  const highlightedId = focus && focus.nonce !== expiredFocus ? focus.messageId : null;
  const items = virtualizer.getVirtualItems();
  if (virtualizerStarted !== 0) record('message list: virtualiser', performance.now() - virtualizerStarted);
  const atEnd = messages.length === 0 || virtualizer.isAtEnd(FOLLOW_THRESHOLD_PX);

  return (
    <div className="message-viewport">
      <div className="message-scroller" ref={scroller} data-testid="message-scroller">
        <div
          className="message-list"
          role="log"
          aria-live="off"
          aria-label={t('chat.messagesLabel')}
          style={{ height: virtualizer.getTotalSize() }}
        >
          {items.map((item) => {
            const message = messages[item.index];
            const position = siblingPosition(tree, message.id);
            const time = thinking[message.id];
            return (
              <div
                key={item.key}
                className="message-slot"
                data-index={item.index}
                ref={virtualizer.measureElement}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <MessageRow
                  message={message}
                  retry={message.id === liveMessageId ? retry : null}
                  requestId={requestIds[message.id] ?? null}
                  branchIndex={position.index}
                  branchCount={position.count}
                  highlighted={message.id === highlightedId}
                  busy={busy}
                  thinkingStartedAt={time?.startedAt ?? null}
                  thinkingEndedAt={time?.endedAt ?? null}
                  actions={actions}
                />
              </div>
            );
          })}
        </div>
      </div>
      {atEnd ? null : (
        <button
          type="button"
          className="jump-to-latest"
          data-testid="jump-to-latest"
          aria-label={t('chat.jumpToLatest')}
          onClick={() => virtualizer.scrollToEnd({ behavior: 'smooth' })}
        >
          <ArrowDownIcon />
          <span>{t('chat.jumpToLatest')}</span>
        </button>
      )}
    </div>
  );
}

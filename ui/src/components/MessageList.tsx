import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../api/types';
import type { FocusRequest, RetryNotice, ThinkingTime } from '../state/chatReducer';
import { siblingPosition, type MessageTree } from '../state/messageTree';
import { mark, record, timedRender, traced, tracing } from '../perf/trace';
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
  contextLeftOut: Readonly<Record<string, number>>;
  thinking: Readonly<Record<string, ThinkingTime>>;
  focus: FocusRequest | null;
  busy: boolean;
  actions: MessageActions;
}

// Within this distance of the bottom the list keeps following new text;
// further up, the reader has scrolled back on purpose and is left alone.
const FOLLOW_THRESHOLD_PX = 80;
const HIGHLIGHT_MS = 2500;
// The list holds the path's newest messages, not all of them: the virtualiser's work when the
// path grows (a reply starts) is a pass over every row it holds, which for a 10,000-message
// thread was most of a reply's first frame. Older messages are taken in a step at a time as the
// reader scrolls up to them, the view kept where it was (the virtualiser anchors to the end).
export const HELD_ROWS = 150;
export const OLDER_ROWS_STEP = 150;
// Older rows come in while the reader is still this far below the top of what is held, so
// scrolling up does not stop at an edge.
const LOAD_OLDER_WITHIN_PX = 2000;
// A message jumped to (search) is held with enough of what came before it that the jump itself
// does not land within LOAD_OLDER_WITHIN_PX of the top (rows are at least 64 px high).
const ROWS_BEFORE_FOCUS = 60;

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
export const MessageList = timedRender('list', MessageListImpl);
function MessageListImpl({
  messages,
  tree,
  liveMessageId,
  retry,
  requestIds,
  contextLeftOut,
  thinking,
  focus,
  busy,
  actions,
}: Props) {
  const { t } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  const placedInitially = useRef(false);
  const [expiredFocus, setExpiredFocus] = useState<number | null>(null);
  // Where the held rows start once the reader has scrolled up for older ones (an index into
  // `messages`); until then they are the newest HELD_ROWS, so the top ones drop as replies come.
  const [olderFrom, setOlderFrom] = useState<number | null>(null);
  // Whether the view is at the newest message (the jump button hides), kept from the
  // virtualiser's changes: with its direct DOM updates a scroll no longer re-renders the list.
  const [atEnd, setAtEnd] = useState(true);
  // What was last set, so the virtualiser's every change (each frame of a stream) does not queue
  // an update of the list that React would only find unchanged after rendering it again.
  const atEndShown = useRef(true);
  // Render-to-commit time of the list and its rows, for tests/e2e/perf.mjs's trace.
  const renderStarted = tracing() ? performance.now() : 0;
  useLayoutEffect(() => {
    mark('list-committed');
    if (renderStarted === 0) return;
    const committed = performance.now();
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
  const pathFocusIndex = focus ? messages.findIndex((m) => m.id === focus.messageId) : -1;
  const newestStart = Math.max(0, messages.length - HELD_ROWS);
  const heldStart = Math.min(
    olderFrom ?? newestStart,
    newestStart,
    pathFocusIndex >= 0 ? Math.max(0, pathFocusIndex - ROWS_BEFORE_FOCUS) : newestStart,
  );
  const count = messages.length - heldStart;
  const firstId = messages[heldStart]?.id;
  const lastId = messages[messages.length - 1]?.id;
  const rowShape = useMemo(() => {
    const { ids, estimates } = traced('message list: row shape', () => {
      const held = messages.slice(heldStart);
      return { ids: held.map((m) => m.id), estimates: held.map(estimateHeight) };
    });
    return {
      getItemKey: (index: number) => ids[index] ?? index,
      estimateSize: (index: number) => estimates[index] ?? estimateHeight(undefined),
    };
    // `messages` changes with every streamed frame; the path's shape only with these.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [count, firstId, lastId]);

  const focusIndex = pathFocusIndex >= 0 ? pathFocusIndex - heldStart : -1;

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
    // Row positions and the list's height are written to the DOM by the virtualiser itself, and
    // the list re-renders only when the rows in view change: a streaming row that grows moves
    // nothing but styles, instead of a synchronous re-render of the list in the resize
    // observer's callback (the longest task of a reply's first frames), and the re-render that
    // is still needed waits for its own task instead of being forced into the frame's.
    directDomUpdates: true,
    useFlushSync: false,
    onChange: (instance) => {
      const now = instance.options.count === 0 || instance.isAtEnd(FOLLOW_THRESHOLD_PX);
      if (now === atEndShown.current) return;
      atEndShown.current = now;
      setAtEnd(now);
    },
  });

  // Where a freshly opened conversation starts: at its end, or at the message searched for.
  useLayoutEffect(() => {
    if (placedInitially.current || count === 0) return;
    placedInitially.current = true;
    performance.mark('desk:view-committed');
    if (focusIndex >= 0) virtualizer.scrollToIndex(focusIndex, { align: 'center' });
    else virtualizer.scrollToEnd();
  }, [count, focusIndex, virtualizer]);

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

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    // Back at the end, the list lets go of the older rows it took in (the reader cannot see the
    // top from here), so the next reply's start is as cheap as the first one's. (Read from the
    // element: React's handler runs before the virtualiser has seen this scroll.)
    if (olderFrom !== null && element.scrollHeight - element.scrollTop - element.clientHeight <= FOLLOW_THRESHOLD_PX) {
      setOlderFrom(null);
      return;
    }
    if (heldStart === 0 || element.scrollTop > LOAD_OLDER_WITHIN_PX) return;
    setOlderFrom(Math.max(0, heldStart - OLDER_ROWS_STEP));
  };

  return (
    <div className="message-viewport">
      <div
        className="message-scroller"
        ref={scroller}
        data-testid="message-scroller"
        data-held-from={heldStart}
        onScroll={onScroll}
      >
        <div
          className="message-list"
          role="log"
          aria-live="off"
          aria-label={t('chat.messagesLabel')}
          ref={virtualizer.containerRef}
        >
          {items.map((item) => {
            const message = messages[heldStart + item.index];
            const position = siblingPosition(tree, message.id);
            const time = thinking[message.id];
            return (
              <div
                key={item.key}
                className="message-slot"
                data-index={item.index}
                ref={virtualizer.measureElement}
              >
                <MessageRow
                  message={message}
                  retry={message.id === liveMessageId ? retry : null}
                  requestId={requestIds[message.id] ?? null}
                  contextLeftOut={contextLeftOut[message.id] ?? 0}
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

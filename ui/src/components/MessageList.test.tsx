// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Channel } from '@tauri-apps/api/core';
import type { ComponentProps } from 'react';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppStatus, DeskError, Message, StreamUpdate } from '../api/types';
import { App } from '../App';
import i18n from '../i18n';
import { aConversation, aMessage, aThread, stubListLayout } from '../testing/fixtures';
import { buildTree } from '../state/messageTree';
import { HELD_ROWS, MessageList, OLDER_ROWS_STEP } from './MessageList';
import type { MessageActions } from './messageActions';
import type * as MessageRowModule from './MessageRow';
import type * as SidebarModule from './Sidebar';
import type { MessageRowProps } from './MessageRow';

// Counts how often each message row really renders: the real row, wrapped in the same memo.
const renders = vi.hoisted(() => ({ byId: new Map<string, number>(), sidebar: 0 }));
vi.mock('./MessageRow', async (importOriginal) => {
  const actual = await importOriginal<typeof MessageRowModule>();
  const { createElement, memo } = await import('react');
  const Counting = memo(function CountingRow(props: MessageRowProps) {
    renders.byId.set(props.message.id, (renders.byId.get(props.message.id) ?? 0) + 1);
    return createElement(actual.MessageRow, props);
  });
  return { ...actual, MessageRow: Counting };
});
// And the sidebar, which has nothing to redraw while a reply streams.
vi.mock('./Sidebar', async (importOriginal) => {
  const actual = await importOriginal<typeof SidebarModule>();
  const { createElement, memo } = await import('react');
  const Counting = memo(function CountingSidebar(props: ComponentProps<typeof actual.Sidebar>) {
    renders.sidebar += 1;
    return createElement(actual.Sidebar, props);
  });
  return { ...actual, Sidebar: Counting };
});

const status: AppStatus = {
  mode: 'demo',
  baseUrl: null,
  defaultModel: 'qwen-plus',
  models: ['qwen-plus'],
  dataDir: '/tmp/desk',
  backupProblem: null,
};

function deskError(code: DeskError['code']): DeskError {
  return { code, message: 'no', dashscopeCode: null, requestId: null, retryAfterMs: null };
}

function backend(messages: Message[], send?: (emit: (u: StreamUpdate) => void) => Promise<unknown>) {
  mockIPC((cmd, payload) => {
    const args = payload as Record<string, unknown>;
    switch (cmd) {
      case 'device_status':
        return {
          profiles: [{ id: 'p1', name: 'Me', role: 'admin', hasPassword: false, createdAt: 0 }],
          protected: false,
          idleLockMinutes: 15,
          dataDir: '/tmp',
        };
      case 'login':
        return { token: 't', profile: { id: 'p1', name: 'Me', role: 'admin', hasPassword: false, createdAt: 0 }, expiresAt: Date.now() + 900_000 };
      case 'app_status':
        return status;
      case 'list_conversations':
        return args.scope === 'active' ? [aConversation({ id: 'c1', title: 'Long', messageCount: messages.length })] : [];
      case 'list_models':
        return [];
      case 'get_conversation':
        return { conversation: aConversation({ id: 'c1', title: 'Long' }), messages };
      case 'send_message':
        return send?.((u) => (args.onEvent as Channel<StreamUpdate>).onmessage(u));
      default:
        return Promise.reject(deskError('internal'));
    }
  });
}

/** Opens the conversation from the sidebar; resolves with how long it took to show its rows. */
async function openConversation(): Promise<number> {
  render(
    <I18nextProvider i18n={i18n}>
      <App />
    </I18nextProvider>,
  );
  const item = await screen.findByTestId('conversation-item');
  const started = performance.now();
  fireEvent.click(item);
  await waitFor(() => expect(screen.getAllByTestId('message').length).toBeGreaterThan(0), { interval: 5 });
  return performance.now() - started;
}

let restoreLayout: () => void = () => undefined;

beforeEach(async () => {
  await i18n.changeLanguage('en');
  renders.byId.clear();
  renders.sidebar = 0;
  restoreLayout = stubListLayout({ viewport: 800, row: 100 });
  window.matchMedia = vi.fn((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    addListener: () => undefined,
    removeListener: () => undefined,
    dispatchEvent: () => false,
  }));
});

afterEach(() => {
  cleanup();
  clearMocks();
  restoreLayout();
});

describe('the message list', () => {
  it('opens a 10,000-message conversation at its end, rendering only a window of it', async () => {
    backend(aThread(10_000));
    const elapsed = await openConversation();
    console.log(`opened 10,000 messages in ${Math.round(elapsed)} ms (jsdom)`);

    await waitFor(() => expect(screen.getAllByTestId('message').some((r) => r.dataset.messageId === 'm9999')).toBe(true));
    const shown = screen.getAllByTestId('message');
    // An 800-px viewport of 100-px rows plus the overscan: a few dozen rows, never thousands.
    expect(shown.length).toBeLessThan(30);
    expect(shown.every((r) => Number(r.dataset.messageId!.slice(1)) > 9_950)).toBe(true);
    // Generous for a loaded CI machine under jsdom; the real app is measured in the report.
    expect(elapsed).toBeLessThan(3_000);
  });

  it('does not re-render the history while the person types', async () => {
    backend(aThread(40));
    await openConversation();
    await waitFor(() => expect(renders.byId.size).toBeGreaterThan(0));
    // Let the first layout and measurements settle before counting.
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    const before = new Map(renders.byId);

    const input = screen.getByTestId('composer-input');
    const text = 'A long question typed one key at a time';
    for (let i = 1; i <= text.length; i++) fireEvent.change(input, { target: { value: text.slice(0, i) } });

    expect(input).toHaveProperty('value', text);
    expect(renders.byId).toEqual(before);
  });

  it('renders a streaming reply once per frame, not once per delta, and leaves other rows and the sidebar alone', async () => {
    let emit: (u: StreamUpdate) => void = () => undefined;
    let finish: () => void = () => undefined;
    const done = { promise: new Promise<void>((resolve) => (finish = resolve)), resolve: () => finish() };
    backend(aThread(10), async (e) => {
      emit = e;
      e({
        type: 'started',
        contextLeftOut: 0,
        conversationId: 'c1',
        userMessage: aMessage({ id: 'u-new', role: 'user', parentId: 'm9', content: 'More?', createdAt: 2_000_000_000_000 }),
        assistantMessage: aMessage({ id: 'a-new', role: 'assistant', parentId: 'u-new', status: 'streaming', createdAt: 2_000_000_000_001 }),
      });
      await done.promise;
      return { conversationId: 'c1', assistantMessageId: 'a-new', status: 'complete', budget: null };
    });
    await openConversation();
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'More?' } });
    fireEvent.keyDown(screen.getByTestId('composer-input'), { key: 'Enter' });
    await waitFor(() => expect(renders.byId.get('a-new')).toBeGreaterThan(0));
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    const before = new Map(renders.byId);
    const sidebarBefore = renders.sidebar;

    // 200 deltas arrive within one frame.
    act(() => {
      for (let i = 0; i < 200; i++) emit({ type: 'delta', text: `w${i} ` });
    });
    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.textContent).toContain('w199'));

    const streamedRenders = (renders.byId.get('a-new') ?? 0) - (before.get('a-new') ?? 0);
    expect(streamedRenders).toBeGreaterThan(0);
    expect(streamedRenders).toBeLessThanOrEqual(3);
    for (const [id, count] of before) if (id !== 'a-new') expect(renders.byId.get(id), id).toBe(count);
    expect(renders.sidebar).toBe(sidebarBefore);

    act(() => emit({ type: 'finished', status: 'complete', usage: null, error: null, costCny: null, finishReason: null }));
    done.resolve();
  });

  describe('holding the newest rows of a long thread', () => {
    const noActions: MessageActions = {
      remove: () => undefined,
      regenerate: () => undefined,
      continueReply: () => undefined,
      editAndResend: () => undefined,
      stepBranch: () => undefined,
      errorAction: () => undefined,
    };

    function renderList(messages: Message[], focusId: string | null = null) {
      const props = {
        tree: buildTree(messages),
        liveMessageId: null,
        retry: null,
        requestIds: {},
        contextLeftOut: {},
        thinking: {},
        busy: false,
        actions: noActions,
      };
      const view = render(
        <I18nextProvider i18n={i18n}>
          <MessageList messages={messages} focus={focusId ? { messageId: focusId, nonce: 1 } : null} {...props} />
        </I18nextProvider>,
      );
      const rerender = (next: Message[]) =>
        view.rerender(
          <I18nextProvider i18n={i18n}>
            <MessageList messages={next} focus={null} {...props} tree={buildTree(next)} />
          </I18nextProvider>,
        );
      return { rerender };
    }

    const scroller = () => screen.getByTestId('message-scroller');
    const heldFrom = () => Number(scroller().dataset.heldFrom);
    /** Where a row is drawn, from the top of the scroller's viewport. */
    const topOnScreen = (id: string) => {
      const slot = screen.getAllByTestId('message').find((row) => row.dataset.messageId === id)?.closest('.message-slot');
      // The virtualiser writes each row's position itself, as `translate3d(0, <y>px, 0)`.
      const y = Number(/translate3d\([^,]+,\s*([-\d.]+)px/.exec((slot as HTMLElement | null)?.style.transform ?? '')?.[1]);
      expect(Number.isFinite(y)).toBe(true);
      return y - scroller().scrollTop;
    };
    const shownIds = () => screen.getAllByTestId('message').map((row) => row.dataset.messageId);

    it('holds only the newest rows, and takes older ones in as the reader scrolls up, the view staying put', async () => {
      const N = 1_000;
      const messages = aThread(N);
      renderList(messages);
      await waitFor(() => expect(shownIds()).toContain(`m${N - 1}`));
      expect(heldFrom()).toBe(N - HELD_ROWS);
      // The list's height is that of the rows held, not of the thread.
      expect(parseFloat(screen.getByRole('log').style.height)).toBeLessThan(HELD_ROWS * 200);

      // The reader scrolls to the top of what is held: its first rows are on screen.
      act(() => scroller().scrollTo({ top: 0 }));
      const before = topOnScreen(`m${N - HELD_ROWS}`);
      await waitFor(() => expect(heldFrom()).toBe(N - HELD_ROWS - OLDER_ROWS_STEP));
      // The older rows went in above: the same messages are still the ones on screen.
      await waitFor(() => expect(shownIds()).toContain(`m${N - HELD_ROWS}`));
      expect(shownIds()).not.toContain(`m${N - HELD_ROWS - OLDER_ROWS_STEP}`);
      // Exactly where it was: the first held row is still at the top of the viewport.
      expect(topOnScreen(`m${N - HELD_ROWS}`)).toBe(before);

      // Again, down to the thread's first message.
      for (let step = 0; step < 100 && heldFrom() > 0; step++) act(() => scroller().scrollTo({ top: 0 }));
      expect(heldFrom()).toBe(0);
      act(() => scroller().scrollTo({ top: 0 }));
      await waitFor(() => expect(shownIds()).toContain('m0'));

      // Back at the end, only the newest rows are held again, the end still in view.
      act(() => scroller().scrollTo({ top: scroller().scrollHeight }));
      await waitFor(() => expect(heldFrom()).toBe(N - HELD_ROWS));
      await waitFor(() => expect(shownIds()).toContain(`m${N - 1}`));
    });

    it('offers a way back to the newest message once the reader scrolls up, and hides it there', async () => {
      renderList(aThread(1_000));
      await waitFor(() => expect(shownIds()).toContain('m999'));
      expect(screen.queryByTestId('jump-to-latest')).toBeNull();

      // Well up the held rows, but not near enough to their top to take older ones in.
      act(() => scroller().scrollTo({ top: scroller().scrollHeight / 2 }));
      await waitFor(() => expect(screen.queryByTestId('jump-to-latest')).not.toBeNull());
      expect(shownIds()).not.toContain('m999');

      fireEvent.click(screen.getByTestId('jump-to-latest'));
      await waitFor(() => expect(shownIds()).toContain('m999'));
      await waitFor(() => expect(screen.queryByTestId('jump-to-latest')).toBeNull());
    });

    it('drops its oldest rows as replies come while the reader stays at the end', async () => {
      const messages = aThread(1_000);
      const { rerender } = renderList(messages);
      await waitFor(() => expect(shownIds()).toContain('m999'));
      const longer = aThread(1_002);
      rerender(longer);
      await waitFor(() => expect(shownIds()).toContain('m1001'));
      expect(heldFrom()).toBe(1_002 - HELD_ROWS);
    });

    it('holds a message jumped to far back in the thread, and shows it', async () => {
      renderList(aThread(10_000), 'm500');
      await new Promise((r) => setTimeout(r, 500));
      await waitFor(() => expect(shownIds()).toContain('m500'));
      expect(heldFrom()).toBeLessThanOrEqual(500);
      expect(heldFrom()).toBeGreaterThan(300);
    });
  });
});

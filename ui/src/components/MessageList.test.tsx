// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Channel } from '@tauri-apps/api/core';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppStatus, DeskError, Message, StreamUpdate } from '../api/types';
import { App } from '../App';
import i18n from '../i18n';
import { aConversation, aMessage, aThread, stubListLayout } from '../testing/fixtures';
import type * as MessageRowModule from './MessageRow';
import type { MessageRowProps } from './MessageRow';

// Counts how often each message row really renders: the real row, wrapped in the same memo.
const renders = vi.hoisted(() => ({ byId: new Map<string, number>() }));
vi.mock('./MessageRow', async (importOriginal) => {
  const actual = await importOriginal<typeof MessageRowModule>();
  const { createElement, memo } = await import('react');
  const Counting = memo(function CountingRow(props: MessageRowProps) {
    renders.byId.set(props.message.id, (renders.byId.get(props.message.id) ?? 0) + 1);
    return createElement(actual.MessageRow, props);
  });
  return { ...actual, MessageRow: Counting };
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

  it('renders a streaming reply once per frame, not once per delta, and leaves other rows alone', async () => {
    let emit: (u: StreamUpdate) => void = () => undefined;
    let finish: () => void = () => undefined;
    const done = { promise: new Promise<void>((resolve) => (finish = resolve)), resolve: () => finish() };
    backend(aThread(10), async (e) => {
      emit = e;
      e({
        type: 'started',
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

    // 200 deltas arrive within one frame.
    act(() => {
      for (let i = 0; i < 200; i++) emit({ type: 'delta', text: `w${i} ` });
    });
    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.textContent).toContain('w199'));

    const streamedRenders = (renders.byId.get('a-new') ?? 0) - (before.get('a-new') ?? 0);
    expect(streamedRenders).toBeGreaterThan(0);
    expect(streamedRenders).toBeLessThanOrEqual(3);
    for (const [id, count] of before) if (id !== 'a-new') expect(renders.byId.get(id), id).toBe(count);

    act(() => emit({ type: 'finished', status: 'complete', usage: null, error: null, costCny: null, finishReason: null }));
    done.resolve();
  });
});

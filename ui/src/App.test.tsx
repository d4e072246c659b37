// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Channel } from '@tauri-apps/api/core';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppStatus, ConversationSummary, DeskError, SendRequest, StreamUpdate } from './api/types';
import { App } from './App';
import i18n from './i18n';
import { aConversation, aMessage } from './testing/fixtures';

const demoStatus: AppStatus = {
  mode: 'demo',
  baseUrl: 'http://127.0.0.1:9/compatible-mode/v1',
  defaultModel: 'qwen-plus',
  models: ['qwen-plus', 'qwen-turbo'],
  dataDir: '/tmp/desk',
  backupProblem: null,
};

function deskError(code: DeskError['code'], message = 'backend says no'): DeskError {
  return { code, message, dashscopeCode: null, requestId: null, retryAfterMs: null };
}

interface SendCall {
  request: SendRequest;
  emit: (update: StreamUpdate) => void;
}

/** Stands in for the Rust commands; each test scripts send_message itself. */
function mockBackend(options: {
  status: AppStatus;
  conversations?: () => ConversationSummary[];
  send?: (call: SendCall) => Promise<unknown>;
  stop?: (assistantMessageId: string) => void;
}) {
  const calls: string[] = [];
  mockIPC((cmd, payload) => {
    calls.push(cmd);
    const args = payload as Record<string, unknown>;
    switch (cmd) {
      case 'app_status':
        return options.status;
      case 'start_demo':
        return demoStatus;
      case 'list_conversations':
        return options.conversations?.() ?? [];
      case 'send_message': {
        const channel = args.onEvent as Channel<StreamUpdate>;
        return options.send?.({ request: args.request as SendRequest, emit: (u) => channel.onmessage(u) });
      }
      case 'stop_stream':
        options.stop?.(args.assistantMessageId as string);
        return null;
      default:
        return Promise.reject(deskError('internal', `unexpected command ${cmd}`));
    }
  });
  return calls;
}

function renderApp() {
  return render(
    <I18nextProvider i18n={i18n}>
      <App />
    </I18nextProvider>,
  );
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function startedUpdate(conversationId = 'c1'): StreamUpdate {
  return {
    type: 'started',
    conversationId,
    userMessage: aMessage({ id: 'u1', role: 'user', content: 'Hi there', conversationId }),
    assistantMessage: aMessage({
      id: 'a1',
      role: 'assistant',
      status: 'streaming',
      model: 'qwen-plus',
      demo: true,
      conversationId,
    }),
  };
}

function typeAndSend(text: string) {
  const input = screen.getByTestId('composer-input');
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

let narrowScreen = false;

beforeEach(async () => {
  await i18n.changeLanguage('en');
  narrowScreen = false;
  window.matchMedia = vi.fn((query: string) => ({
    matches: narrowScreen && query.includes('max-width'),
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
  delete window.__TAURI_INTERNALS__;
});

describe('App outside the desktop app', () => {
  it('shows the welcome panel with the demo button disabled', () => {
    delete window.__TAURI_INTERNALS__;
    const { container } = renderApp();
    expect(container.querySelector('.app')?.getAttribute('data-mode')).toBe('needs_setup');
    expect(screen.getByTestId('start-demo')).toHaveProperty('disabled', true);
    expect(screen.getByText(/Run inside the Bailian Desk app/)).toBeTruthy();
  });
});

describe('App with a backend', () => {
  it('starts the offline demo from the welcome panel', async () => {
    const calls = mockBackend({ status: { ...demoStatus, mode: 'needs_setup' } });
    const { container } = renderApp();

    const button = await screen.findByTestId('start-demo');
    expect(screen.getByText(/No DashScope API key is configured/)).toBeTruthy();
    fireEvent.click(button);

    expect(await screen.findByTestId('demo-banner')).toBeTruthy();
    expect(container.querySelector('.app')?.getAttribute('data-mode')).toBe('demo');
    expect(calls).toContain('start_demo');
  });

  it('streams a reply into the open chat and lists the new conversation', async () => {
    let conversations: ConversationSummary[] = [];
    const release = deferred();
    const sent: SendRequest[] = [];
    mockBackend({
      status: demoStatus,
      conversations: () => conversations,
      send: async ({ request, emit }) => {
        sent.push(request);
        emit(startedUpdate());
        for (const piece of ['Hel', 'lo', ' there']) emit({ type: 'delta', text: piece });
        await release.promise;
        const usage = { inputTokens: 2, outputTokens: 3, totalTokens: 5 };
        emit({ type: 'finished', status: 'complete', usage, error: null });
        conversations = [aConversation({ id: 'c1', title: 'Hi there' })];
        return { conversationId: 'c1', assistantMessageId: 'a1', status: 'complete' };
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');

    typeAndSend('Hi there');
    await screen.findByTestId('stop-button');
    expect(sent).toEqual([{ conversationId: null, prompt: 'Hi there', model: 'qwen-plus' }]);
    expect(screen.getByTestId('composer-input')).toHaveProperty('value', '');

    const rows = () => screen.getAllByTestId('message');
    await waitFor(() =>
      expect(within(rows()[1]).getByTestId('message-content').textContent).toBe('Hello there'),
    );
    expect(rows().map((r) => [r.dataset.role, r.dataset.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'streaming'],
    ]);
    expect(within(rows()[1]).getByTestId('demo-badge')).toBeTruthy();

    act(() => release.resolve());
    await screen.findByTestId('send-button');
    expect(rows()[1].dataset.status).toBe('complete');
    expect(screen.getByText('2 in · 3 out · 5 tokens')).toBeTruthy();

    const item = await screen.findByTestId('conversation-item');
    expect(item.dataset.conversationId).toBe('c1');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Hi there');
  });

  it('stops a reply with Escape and keeps the partial text', async () => {
    const stopped = deferred<string>();
    mockBackend({
      status: demoStatus,
      stop: (id) => stopped.resolve(id),
      send: async ({ emit }) => {
        emit(startedUpdate());
        emit({ type: 'delta', text: 'Half an ans' });
        await stopped.promise;
        const error = { code: 'cancelled' as const, message: 'stopped by user' };
        emit({ type: 'finished', status: 'partial', usage: null, error });
        throw deskError('cancelled', 'stopped by user');
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');

    typeAndSend('Tell me a story');
    await screen.findByTestId('stop-button');
    fireEvent.keyDown(window, { key: 'Escape' });
    await expect(stopped.promise).resolves.toBe('a1');

    await screen.findByTestId('send-button');
    const assistant = screen.getAllByTestId('message')[1];
    expect(assistant.dataset.status).toBe('partial');
    expect(within(assistant).getByTestId('message-content').textContent).toBe('Half an ans');
    expect(within(assistant).getByText('Stopped — the text so far is kept')).toBeTruthy();
    expect(screen.queryByTestId('toast')).toBeNull();
  });

  it('shows an interrupted reply with its translated error', async () => {
    mockBackend({
      status: demoStatus,
      send: ({ emit }) => {
        emit(startedUpdate());
        emit({ type: 'delta', text: 'Some text' });
        const error = { code: 'stream_interrupted' as const, message: 'connection reset' };
        emit({ type: 'finished', status: 'partial', usage: null, error });
        return Promise.reject({ ...deskError('stream_interrupted'), requestId: 'req-42' });
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');

    typeAndSend('Hello');
    await waitFor(() => expect(screen.getByText('Request ID: req-42')).toBeTruthy());
    const assistant = screen.getAllByTestId('message')[1];
    expect(assistant.dataset.status).toBe('partial');
    expect(within(assistant).getByText('Reply interrupted — the text so far is kept')).toBeTruthy();
    expect(within(assistant).getByText('The connection dropped in the middle of the reply.')).toBeTruthy();
    expect(assistant.textContent).not.toContain('stream_interrupted');
  });

  it('reports a refused send in a toast and gives the text back', async () => {
    mockBackend({
      status: { ...demoStatus, mode: 'live' },
      send: () => Promise.reject(deskError('invalid_api_key', 'Incorrect API key provided')),
    });
    renderApp();
    await screen.findByTestId('composer-input');
    expect(screen.queryByTestId('demo-banner')).toBeNull();

    typeAndSend('Hello?');
    const toast = await screen.findByTestId('toast');
    expect(within(toast).getByText('The API key was refused.')).toBeTruthy();
    expect(within(toast).getByText('Check that it belongs to this region.')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('composer-input')).toHaveProperty('value', 'Hello?'));
    expect(screen.queryAllByTestId('message')).toHaveLength(0);
  });

  it('turns the sidebar into a drawer on narrow screens', async () => {
    narrowScreen = true;
    mockBackend({ status: demoStatus, conversations: () => [aConversation({ id: 'c9', title: 'Old chat' })] });
    const { container } = renderApp();

    const menu = await screen.findByRole('button', { name: 'Open the conversation list' });
    const sidebar = container.querySelector<HTMLElement>('#sidebar');
    expect(sidebar?.hasAttribute('data-open')).toBe(false);
    expect(sidebar?.hasAttribute('inert')).toBe(true);

    fireEvent.click(menu);
    expect(sidebar?.hasAttribute('data-open')).toBe(true);
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Close the conversation list');

    fireEvent.keyDown(window, { key: 'Escape' });
    expect(sidebar?.hasAttribute('data-open')).toBe(false);
  });
});

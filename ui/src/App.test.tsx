// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Channel } from '@tauri-apps/api/core';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type * as React from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  HIGHLIGHT_END,
  HIGHLIGHT_START,
  type AppStatus,
  type ConversationPatch,
  type ConversationScope,
  type ConversationSummary,
  type DeskError,
  type DeviceStatus,
  type Message,
  type ModelView,
  type SearchHit,
  type SendRequest,
  type StreamUpdate,
} from './api/types';
import { App } from './App';
import i18n from './i18n';
import { aConversation, aMessage, aModel, stubListLayout } from './testing/fixtures';

// Watched, not changed: which reducer actions are dispatched inside a transition (what a stream
// shows is rendered as one: useChatSession), and likewise each stream state set (a state holding
// an `ActiveStream`, recorded as 'activeStream').
const dispatched = vi.hoisted(() => ({ inTransition: false, actions: [] as [type: string, inTransition: boolean][] }));
const isActiveStream = vi.hoisted(
  () => (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).sort().join() === 'assistantMessageId,conversationId,viewKey',
);
vi.mock('react', async (importOriginal) => {
  const react = await importOriginal<typeof React>();
  // One stable recorder per setter or dispatch (components compare them between renders).
  const recorders = new WeakMap<object, (value: unknown) => void>();
  const recorded = (update: (value: unknown) => void, kind: (value: unknown) => string | null) => {
    let recorder = recorders.get(update);
    if (!recorder) {
      recorder = (value) => {
        const name = kind(value);
        if (name !== null) dispatched.actions.push([name, dispatched.inTransition]);
        update(value);
      };
      recorders.set(update, recorder);
    }
    return recorder;
  };
  const useState = (initial?: unknown) => {
    const [state, setState] = react.useState(initial);
    return [state, recorded(setState, (value) => (isActiveStream(value) ? 'activeStream' : null))];
  };
  const useReducer = (...args: unknown[]) => {
    const [state, dispatch] = (react.useReducer as (...a: unknown[]) => [unknown, (action: unknown) => void])(...args);
    return [state, recorded(dispatch, (action) => (action as { type: string }).type)];
  };
  const startTransition = (callback: () => void) =>
    react.startTransition(() => {
      dispatched.inTransition = true;
      try {
        callback();
      } finally {
        dispatched.inTransition = false;
      }
    });
  return { ...react, useReducer, useState, startTransition };
});

const demoStatus: AppStatus = {
  mode: 'demo',
  baseUrl: 'http://127.0.0.1:9/compatible-mode/v1',
  defaultModel: 'qwen-plus',
  models: ['qwen-plus', 'qwen-turbo'],
  dataDir: '/tmp/desk',
  backupProblem: null,
};

const firstUseDevice: DeviceStatus = {
  profiles: [{ id: 'p1', name: 'Me', role: 'admin', hasPassword: false, createdAt: 1_700_000_000_000 }],
  protected: false,
  idleLockMinutes: 15,
  dataDir: '/tmp/desk',
};

function deskError(code: DeskError['code'], message = 'backend says no'): DeskError {
  return { code, message, dashscopeCode: null, requestId: null, retryAfterMs: null };
}

interface StreamCall<T> {
  request: T;
  emit: (update: StreamUpdate) => void;
}

interface Backend {
  status: AppStatus;
  conversations?: (scope: ConversationScope) => ConversationSummary[];
  messages?: (conversationId: string) => Message[];
  models?: ModelView[];
  send?: (call: StreamCall<SendRequest>) => Promise<unknown>;
  regenerate?: (call: StreamCall<string>) => Promise<unknown>;
  continueReply?: (call: StreamCall<string>) => Promise<unknown>;
  stop?: (assistantMessageId: string) => void;
  search?: (query: string) => SearchHit[];
  update?: (conversationId: string, patch: ConversationPatch) => ConversationSummary;
  restore?: (conversationId: string) => void;
  purge?: (conversationId: string) => void;
}

/** Stands in for the Rust commands; each test scripts the ones it is about. */
function mockBackend(backend: Backend) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, payload) => {
    const args = payload as Record<string, unknown>;
    calls.push({ cmd, args });
    const channel = () => args.onEvent as Channel<StreamUpdate>;
    switch (cmd) {
      // First use: one passwordless profile, signed in without a question.
      case 'device_status':
        return firstUseDevice;
      case 'login':
        return { token: 't1', profile: firstUseDevice.profiles[0], expiresAt: Date.now() + 900_000 };
      case 'get_settings':
        return Promise.reject(deskError('internal', 'no settings in this test'));
      case 'app_status':
        return backend.status;
      case 'start_demo':
        return demoStatus;
      case 'list_conversations':
        return backend.conversations?.(args.scope as ConversationScope) ?? [];
      case 'list_models':
        return backend.models ?? [];
      case 'get_conversation': {
        const id = args.conversationId as string;
        const conversation = backend.conversations?.('active').find((c) => c.id === id) ?? aConversation({ id });
        return { conversation, messages: backend.messages?.(id) ?? [] };
      }
      case 'send_message':
        return backend.send?.({ request: args.request as SendRequest, emit: (u) => channel().onmessage(u) });
      case 'regenerate_reply':
        return backend.regenerate?.({ request: args.assistantMessageId as string, emit: (u) => channel().onmessage(u) });
      case 'continue_reply':
        return backend.continueReply?.({ request: args.assistantMessageId as string, emit: (u) => channel().onmessage(u) });
      case 'stop_stream':
        backend.stop?.(args.assistantMessageId as string);
        return null;
      case 'search':
        return backend.search?.(args.query as string) ?? [];
      case 'update_conversation':
        return backend.update?.(args.conversationId as string, args.patch as ConversationPatch);
      case 'restore_conversation':
        backend.restore?.(args.conversationId as string);
        return null;
      case 'purge_conversation':
        backend.purge?.(args.conversationId as string);
        return null;
      default:
        return Promise.reject(deskError('internal', `unexpected command ${cmd}`));
    }
  });
  return {
    calls,
    named: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
  };
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

function startedUpdate(conversationId = 'c1', contextLeftOut = 0): StreamUpdate {
  return {
    type: 'started',
    contextLeftOut,
    conversationId,
    userMessage: aMessage({ id: 'u1', role: 'user', content: 'Hi there', conversationId, createdAt: 1 }),
    assistantMessage: aMessage({
      id: 'a1',
      role: 'assistant',
      status: 'streaming',
      model: 'qwen-plus',
      demo: true,
      conversationId,
      parentId: 'u1',
      createdAt: 2,
    }),
  };
}

const finished = (extra: Partial<Extract<StreamUpdate, { type: 'finished' }>> = {}): StreamUpdate => ({
  type: 'finished',
  status: 'complete',
  usage: null,
  error: null,
  costCny: null,
  finishReason: null,
  ...extra,
});

function typeAndSend(text: string) {
  const input = screen.getByTestId('composer-input');
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

const rows = () => screen.getAllByTestId('message');
const contentOf = (row: HTMLElement) => within(row).getByTestId('message-content').textContent?.trim();

/** A stored exchange: u1 → a1 (and more pairs after it). */
function storedThread(conversationId: string, pairs: [string, string][]): Message[] {
  const messages: Message[] = [];
  pairs.forEach(([question, answer], i) => {
    const parentId = messages.length > 0 ? messages[messages.length - 1].id : null;
    messages.push(aMessage({ id: `u${i + 1}`, role: 'user', content: question, parentId, conversationId, createdAt: 10 * i + 1 }));
    messages.push(
      aMessage({
        id: `a${i + 1}`,
        role: 'assistant',
        content: answer,
        parentId: `u${i + 1}`,
        model: 'qwen-plus',
        conversationId,
        createdAt: 10 * i + 2,
      }),
    );
  });
  return messages;
}

let narrowScreen = false;
let restoreLayout: () => void = () => undefined;

beforeEach(async () => {
  await i18n.changeLanguage('en');
  narrowScreen = false;
  restoreLayout = stubListLayout();
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
  restoreLayout();
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
  it('starts the offline demo from onboarding', async () => {
    const backend = mockBackend({ status: { ...demoStatus, mode: 'needs_setup' } });
    const { container } = renderApp();

    const button = await screen.findByTestId('start-demo');
    expect(screen.getByTestId('onboarding')).toBeTruthy();
    expect(container.querySelector('.app')?.getAttribute('data-mode')).toBe('needs_setup');
    fireEvent.click(button);

    expect(await screen.findByTestId('demo-banner')).toBeTruthy();
    expect(container.querySelector('.app')?.getAttribute('data-mode')).toBe('demo');
    expect(backend.named('start_demo')).toHaveLength(1);
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
        emit(finished({ usage, costCny: 0.0004 }));
        conversations = [aConversation({ id: 'c1', title: 'Hi there' })];
        return { conversationId: 'c1', assistantMessageId: 'a1', status: 'complete', budget: null };
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');

    dispatched.actions = [];
    typeAndSend('Hi there');
    await screen.findByTestId('stop-button');
    expect(sent).toEqual([{ conversationId: null, prompt: 'Hi there', model: 'qwen-plus' }]);
    expect(screen.getByTestId('composer-input')).toHaveProperty('value', '');

    await waitFor(() => expect(contentOf(rows()[1])).toBe('Hello there'));
    expect(rows().map((r) => [r.dataset.role, r.dataset.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'streaming'],
    ]);
    expect(within(rows()[1]).getByTestId('demo-badge')).toBeTruthy();
    // Screen readers hear that a reply is coming and when it is done, not every word.
    expect(screen.getByTestId('reply-announcement').textContent).toBe('Qwen is replying…');

    act(() => release.resolve());
    await screen.findByTestId('send-button');
    expect(rows()[1].dataset.status).toBe('complete');
    expect(screen.getByTestId('reply-announcement').textContent).toBe('The reply is complete.');
    expect(screen.getByText('2 in · 3 out · 5 tokens · ¥0.00040')).toBeTruthy();
    // The busy state at the send, the start, the text, the end and the composer's return were
    // dispatched as transitions (so none of them is one long task in a 10,000-message thread).
    const streamActions = ['activeStream', 'started', 'streamed', 'finished', 'streamSettled'];
    const ofStream = dispatched.actions.filter(([type]) => streamActions.includes(type));
    expect(new Set(ofStream.map(([type]) => type))).toEqual(new Set(streamActions));
    expect(ofStream.filter(([, inTransition]) => !inTransition)).toEqual([]);

    const item = await screen.findByTestId('conversation-item');
    expect(item.dataset.conversationId).toBe('c1');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Hi there');
  });

  it('streams the thinking apart from the answer, folded away', async () => {
    const answer = deferred();
    mockBackend({
      status: demoStatus,
      send: async ({ emit }) => {
        emit(startedUpdate());
        emit({ type: 'reasoning', text: 'The user greets me; ' });
        emit({ type: 'reasoning', text: 'I should greet back.' });
        await answer.promise;
        emit({ type: 'delta', text: 'Hello!' });
        emit(finished());
        return { conversationId: 'c1', assistantMessageId: 'a1', status: 'complete', budget: null };
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');
    typeAndSend('Hi there');

    const thinking = await screen.findByTestId('thinking');
    expect(within(thinking).getByText('Thinking…')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('thinking-body').textContent).toBe('The user greets me; I should greet back.'));
    expect(screen.getByTestId('thinking-body').hidden).toBe(true);
    expect(contentOf(rows()[1])).toBe('');

    act(() => answer.resolve());
    await screen.findByTestId('send-button');
    expect(within(screen.getByTestId('thinking')).getByRole('button', { name: /Thought for \d+ s/ })).toBeTruthy();
    expect(contentOf(rows()[1])).toBe('Hello!');
  });

  it('says under a reply how many of the oldest messages its request left out', async () => {
    mockBackend({
      status: demoStatus,
      send: ({ emit }) => {
        emit(startedUpdate('c1', 42));
        emit({ type: 'delta', text: 'Hello!' });
        emit(finished());
        return Promise.resolve({ conversationId: 'c1', assistantMessageId: 'a1', status: 'complete', budget: null });
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');
    typeAndSend('Hi there');
    await screen.findByTestId('send-button');
    expect(contentOf(rows()[1])).toBe('Hello!');
    expect(within(rows()[1]).getByTestId('context-left-out').textContent).toBe('42 earlier messages not sent to the model');
    expect(within(rows()[0]).queryByTestId('context-left-out')).toBeNull();
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
        emit(finished({ status: 'partial', error: deskError('cancelled', 'stopped by user') }));
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
    const assistant = rows()[1];
    expect(assistant.dataset.status).toBe('partial');
    expect(contentOf(assistant)).toBe('Half an ans');
    expect(within(assistant).getByText('Stopped — the text so far is kept')).toBeTruthy();
    expect(screen.queryByTestId('toast')).toBeNull();
  });

  it('shows an interrupted reply with its translated error and continues it in place', async () => {
    const backend = mockBackend({
      status: demoStatus,
      send: ({ emit }) => {
        emit(startedUpdate());
        emit({ type: 'delta', text: 'Some text' });
        emit(finished({ status: 'partial', error: deskError('stream_interrupted', 'connection reset') }));
        return Promise.reject({ ...deskError('stream_interrupted'), requestId: 'req-42' });
      },
      continueReply: ({ request, emit }) => {
        const resumed = aMessage({ id: request, role: 'assistant', parentId: 'u1', content: 'Some text', status: 'streaming' });
        emit({ type: 'resumed', contextLeftOut: 0, conversationId: 'c1', assistantMessage: resumed });
        emit({ type: 'delta', text: ' and the rest.' });
        emit(finished());
        return Promise.resolve({ conversationId: 'c1', assistantMessageId: request, status: 'complete', budget: null });
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');

    typeAndSend('Hello');
    await waitFor(() => expect(screen.getByText('Request ID: req-42')).toBeTruthy());
    const assistant = rows()[1];
    expect(assistant.dataset.status).toBe('partial');
    expect(within(assistant).getByText('Reply interrupted — the text so far is kept')).toBeTruthy();
    expect(within(assistant).getByText('The connection dropped in the middle of the reply.')).toBeTruthy();
    expect(assistant.textContent).not.toContain('stream_interrupted');

    fireEvent.click(within(assistant).getByTestId('error-action'));
    await waitFor(() => expect(contentOf(rows()[1])).toBe('Some text and the rest.'));
    expect(rows()).toHaveLength(2);
    expect(rows()[1].dataset.status).toBe('complete');
    expect(backend.named('continue_reply')).toEqual([expect.objectContaining({ assistantMessageId: 'a1' })]);
  });

  it('reports a refused send in a toast, with its action, and gives the text back', { timeout: 30_000 }, async () => {
    mockBackend({
      status: { ...demoStatus, mode: 'live' },
      send: () => Promise.reject(deskError('invalid_api_key', 'Incorrect API key provided')),
    });
    const { container } = renderApp();
    await screen.findByTestId('composer-input');
    expect(screen.queryByTestId('demo-banner')).toBeNull();

    typeAndSend('Hello?');
    const toast = await screen.findByTestId('toast');
    expect(within(toast).getByText('The API key was refused.')).toBeTruthy();
    expect(within(toast).getByText('Check that it belongs to this region.')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('composer-input')).toHaveProperty('value', 'Hello?'));
    expect(screen.queryAllByTestId('message')).toHaveLength(0);

    fireEvent.click(within(toast).getByRole('button', { name: 'Open settings' }));
    expect(container.querySelector('.workspace')?.getAttribute('data-screen')).toBe('settings');
    // The settings screen is a lazy chunk; its first import under a loaded test run takes a while.
    await waitFor(() => expect(container.querySelector('[data-screen="SettingsScreen"]')).not.toBeNull(), { timeout: 15_000 });
  });

  it('regenerates a reply as a new version and switches between versions', async () => {
    const backend = mockBackend({
      status: demoStatus,
      conversations: () => [aConversation({ id: 'c1', title: 'Greetings' })],
      messages: () => storedThread('c1', [['Hi', 'First answer']]),
      regenerate: ({ emit }) => {
        const assistantMessage = aMessage({ id: 'a1b', role: 'assistant', parentId: 'u1', status: 'streaming', createdAt: 50 });
        emit({ type: 'started', contextLeftOut: 0, conversationId: 'c1', userMessage: null, assistantMessage });
        emit({ type: 'delta', text: 'Second answer' });
        emit(finished());
        return Promise.resolve({ conversationId: 'c1', assistantMessageId: 'a1b', status: 'complete', budget: null });
      },
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('conversation-item'));
    await waitFor(() => expect(rows()).toHaveLength(2));

    fireEvent.click(within(rows()[1]).getByTestId('regenerate'));
    await waitFor(() => expect(contentOf(rows()[1])).toBe('Second answer'));
    await screen.findByTestId('send-button');
    expect(backend.named('regenerate_reply')).toEqual([expect.objectContaining({ assistantMessageId: 'a1' })]);
    expect(rows()).toHaveLength(2);
    const switcher = () => within(rows()[1]).getByTestId('branch-switcher');
    expect(within(switcher()).getByText('2 / 2')).toBeTruthy();

    fireEvent.click(within(switcher()).getByRole('button', { name: 'Previous version' }));
    await waitFor(() => expect(contentOf(rows()[1])).toBe('First answer'));
    expect(within(switcher()).getByText('1 / 2')).toBeTruthy();
  });

  it('edits a prompt and resends it as a sibling of the original', async () => {
    const sent: SendRequest[] = [];
    mockBackend({
      status: demoStatus,
      conversations: () => [aConversation({ id: 'c1', title: 'Rivers' })],
      messages: () => storedThread('c1', [['Hi', 'Hello'], ['Longest river?', 'The Nile.']]),
      send: ({ request, emit }) => {
        sent.push(request);
        // The core makes the edited prompt's sibling: same parent as the message it edits.
        const userMessage = aMessage({ id: 'u2b', role: 'user', parentId: request.editOf === 'u2' ? 'a1' : null, content: request.prompt, createdAt: 60 });
        const assistantMessage = aMessage({ id: 'a2b', role: 'assistant', parentId: 'u2b', status: 'streaming', createdAt: 61 });
        emit({ type: 'started', contextLeftOut: 0, conversationId: 'c1', userMessage, assistantMessage });
        emit({ type: 'delta', text: 'The Yangtze.' });
        emit(finished());
        return Promise.resolve({ conversationId: 'c1', assistantMessageId: 'a2b', status: 'complete', budget: null });
      },
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('conversation-item'));
    await waitFor(() => expect(rows()).toHaveLength(4));

    expect(within(rows()[0]).getByTestId('edit-message')).toBeTruthy();
    fireEvent.click(within(rows()[2]).getByTestId('edit-message'));
    const editor = within(rows()[2]).getByRole('textbox', { name: 'Edit your message' });
    fireEvent.change(editor, { target: { value: 'Longest river in Asia?' } });
    fireEvent.click(within(rows()[2]).getByTestId('edit-send'));

    await waitFor(() => expect(contentOf(rows()[3])).toBe('The Yangtze.'));
    expect(sent).toEqual([{ prompt: 'Longest river in Asia?', model: null, editOf: 'u2', conversationId: 'c1' }]);
    expect(contentOf(rows()[2])).toBe('Longest river in Asia?');
    expect(within(rows()[2]).getByText('2 / 2')).toBeTruthy();

    fireEvent.click(within(rows()[2]).getByRole('button', { name: 'Previous version' }));
    await waitFor(() => expect(contentOf(rows()[3])).toBe('The Nile.'));
  });

  it('edits the first prompt of a conversation into a new root', async () => {
    const sent: SendRequest[] = [];
    mockBackend({
      status: demoStatus,
      conversations: () => [aConversation({ id: 'c1' })],
      messages: () => storedThread('c1', [['Hi', 'Hello']]),
      send: ({ request, emit }) => {
        sent.push(request);
        const userMessage = aMessage({ id: 'u1b', role: 'user', parentId: null, content: request.prompt, createdAt: 60 });
        const assistantMessage = aMessage({ id: 'a1b', role: 'assistant', parentId: 'u1b', status: 'streaming', createdAt: 61 });
        emit({ type: 'started', contextLeftOut: 0, conversationId: 'c1', userMessage, assistantMessage });
        emit({ type: 'delta', text: 'Good evening!' });
        emit(finished());
        return Promise.resolve({ conversationId: 'c1', assistantMessageId: 'a1b', status: 'complete', budget: null });
      },
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('conversation-item'));
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(within(rows()[0]).getByTestId('edit-message'));
    fireEvent.change(within(rows()[0]).getByRole('textbox'), { target: { value: 'Good evening' } });
    fireEvent.click(within(rows()[0]).getByTestId('edit-send'));

    await waitFor(() => expect(contentOf(rows()[1])).toBe('Good evening!'));
    expect(sent[0]).toMatchObject({ editOf: 'u1', prompt: 'Good evening' });
    expect(sent[0]).not.toHaveProperty('parentId');
    expect(within(rows()[0]).getByText('2 / 2')).toBeTruthy();
  });

  it('sends a follow-up after the shown branch, not the newest one', async () => {
    const sent: SendRequest[] = [];
    const messages = storedThread('c1', [['Hi', 'Old answer']]);
    messages.push(aMessage({ id: 'a1b', role: 'assistant', parentId: 'u1', content: 'New answer', createdAt: 40 }));
    mockBackend({
      status: demoStatus,
      conversations: () => [aConversation({ id: 'c1' })],
      messages: () => messages,
      send: ({ request }) => {
        sent.push(request);
        return Promise.reject(deskError('network'));
      },
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('conversation-item'));
    await waitFor(() => expect(contentOf(rows()[1])).toBe('New answer'));
    fireEvent.click(within(rows()[1]).getByRole('button', { name: 'Previous version' }));
    await waitFor(() => expect(contentOf(rows()[1])).toBe('Old answer'));

    typeAndSend('Tell me more');
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ conversationId: 'c1', parentId: 'a1', model: null });
  });

  it('finds a message with the search palette and jumps to it', async () => {
    const backend = mockBackend({
      status: demoStatus,
      conversations: () => [aConversation({ id: 'c1', title: 'Rivers' }), aConversation({ id: 'c2', title: 'Other' })],
      messages: (id) => (id === 'c1' ? storedThread('c1', [['Hi', 'Hello'], ['Longest river?', 'The Nile.']]) : []),
      search: (query) => [
        {
          messageId: 'a2',
          conversationId: 'c1',
          conversationTitle: 'Rivers',
          role: 'assistant',
          snippet: `The ${HIGHLIGHT_START}${query}${HIGHLIGHT_END}.`,
          createdAt: 1_700_000_000_000,
        },
      ],
    });
    renderApp();
    await screen.findAllByTestId('conversation-item');

    fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const palette = await screen.findByTestId('search-palette');
    const input = within(palette).getByTestId('search-input');
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: 'Nile' } });

    const hit = await within(palette).findByTestId('search-hit');
    expect(hit.querySelector('mark')?.textContent).toBe('Nile');
    expect(within(hit).getByText('Rivers')).toBeTruthy();
    fireEvent.keyDown(input, { key: 'Enter' });

    await waitFor(() => expect(screen.queryByTestId('search-palette')).toBeNull());
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(backend.named('get_conversation')).toEqual([expect.objectContaining({ conversationId: 'c1' })]);
    const target = rows().find((r) => r.dataset.messageId === 'a2');
    expect(target?.dataset.highlighted).toBe('true');
  });

  it('moves a chat to the trash and restores it', async () => {
    let active = [aConversation({ id: 'c1', title: 'Keep me' })];
    let trash: ConversationSummary[] = [];
    const backend = mockBackend({
      status: demoStatus,
      conversations: (scope) => (scope === 'trash' ? trash : scope === 'active' ? active : []),
      restore: (id) => {
        active = trash.filter((c) => c.id === id).map((c) => ({ ...c, deletedAt: null }));
        trash = trash.filter((c) => c.id !== id);
      },
    });
    renderApp();
    await screen.findByTestId('conversation-item');

    // Trash through the item's menu: the backend records the move.
    fireEvent.click(screen.getByTestId('conversation-menu'));
    trash = active.map((c) => ({ ...c, deletedAt: Date.now() }));
    active = [];
    fireEvent.click(screen.getByTestId('menu-trash'));
    await waitFor(() => expect(screen.queryByTestId('conversation-item')).toBeNull());

    fireEvent.click(screen.getByTestId('scope-trash'));
    const item = await screen.findByTestId('trash-item');
    expect(within(item).getByText('Keep me')).toBeTruthy();
    fireEvent.click(within(item).getByTestId('restore'));
    await waitFor(() => expect(screen.queryByTestId('trash-item')).toBeNull());
    expect(backend.named('restore_conversation')).toEqual([expect.objectContaining({ conversationId: 'c1' })]);

    fireEvent.click(screen.getByTestId('scope-active'));
    expect(await screen.findByTestId('conversation-item')).toBeTruthy();
  });

  it('deletes a chat in the trash for good only after a confirmation', async () => {
    const trash = [aConversation({ id: 'c9', title: 'Gone', deletedAt: Date.now() })];
    const purged: string[] = [];
    mockBackend({
      status: demoStatus,
      conversations: (scope) => (scope === 'trash' ? trash.filter((c) => !purged.includes(c.id)) : []),
      purge: (id) => purged.push(id),
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('scope-trash'));
    const item = await screen.findByTestId('trash-item');
    fireEvent.click(within(item).getByTestId('purge'));
    expect(purged).toEqual([]);
    fireEvent.click(within(item).getByTestId('confirm-purge'));
    await waitFor(() => expect(purged).toEqual(['c9']));
    await waitFor(() => expect(screen.queryByTestId('trash-item')).toBeNull());
  });

  it('pins a chat and files another in a folder', async () => {
    let list = [aConversation({ id: 'c1', title: 'One', updatedAt: 2 }), aConversation({ id: 'c2', title: 'Two', updatedAt: 1 })];
    const backend = mockBackend({
      status: demoStatus,
      conversations: () => list,
      update: (id, patch) => {
        list = list.map((c) => (c.id === id ? { ...c, ...patch } : c));
        return list.find((c) => c.id === id)!;
      },
    });
    renderApp();
    await screen.findAllByTestId('conversation-item');

    const menuOf = (title: string) => screen.getByRole('button', { name: `More actions for ${title}` });
    fireEvent.click(menuOf('Two'));
    fireEvent.click(screen.getByTestId('menu-pin'));
    await waitFor(() => expect(screen.getByRole('button', { name: /Pinned/ })).toBeTruthy());

    fireEvent.click(menuOf('One'));
    fireEvent.click(screen.getByTestId('menu-folder'));
    const field = screen.getByTestId('inline-field');
    fireEvent.change(field, { target: { value: 'Work' } });
    fireEvent.submit(field.closest('form')!);
    await waitFor(() => expect(screen.getByRole('button', { name: /Work/ })).toBeTruthy());

    expect(backend.named('update_conversation')).toEqual([
      { conversationId: 'c2', patch: { pinned: true }, token: 't1' },
      { conversationId: 'c1', patch: { folder: 'Work' }, token: 't1' },
    ]);
    const titles = screen.getAllByTestId('conversation-item').map((el) => el.dataset.conversationId);
    expect(titles).toEqual(['c2', 'c1']);
  });

  it("saves a conversation's parameters with update_conversation", async () => {
    let list = [aConversation({ id: 'c1', title: 'Tuned' })];
    const backend = mockBackend({
      status: demoStatus,
      models: [aModel({ id: 'qwen-plus', thinking: 'optional', search: true })],
      conversations: () => list,
      messages: () => storedThread('c1', [['Hi', 'Hello']]),
      update: (id, patch) => {
        list = list.map((c) => (c.id === id ? { ...c, ...patch } : c));
        return list[0];
      },
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('conversation-item'));
    await waitFor(() => expect(rows()).toHaveLength(2));

    fireEvent.click(screen.getByTestId('params-button'));
    const panel = screen.getByTestId('params-panel');
    fireEvent.change(within(panel).getByRole('textbox', { name: 'System prompt' }), { target: { value: 'Answer in haiku.' } });
    fireEvent.click(within(panel).getByRole('checkbox', { name: "Model's default" }));
    fireEvent.change(within(panel).getByRole('combobox', { name: 'Thinking' }), { target: { value: 'on' } });
    fireEvent.click(within(panel).getByRole('checkbox', { name: 'Search the web while answering' }));
    fireEvent.click(within(panel).getByTestId('params-save'));

    await waitFor(() => expect(backend.named('update_conversation')).toHaveLength(1));
    expect(backend.named('update_conversation')[0]).toMatchObject({
      conversationId: 'c1',
      patch: { params: { systemPrompt: 'Answer in haiku.', temperature: 0.7, enableThinking: true, enableSearch: true } },
    });
    expect(screen.queryByTestId('params-panel')).toBeNull();
  });

  it('sends the parameters of a new chat with its first message', async () => {
    const sent: SendRequest[] = [];
    mockBackend({
      status: demoStatus,
      send: ({ request }) => {
        sent.push(request);
        return Promise.reject(deskError('network'));
      },
    });
    renderApp();
    await screen.findByTestId('demo-banner');
    fireEvent.click(screen.getByTestId('params-button'));
    fireEvent.change(screen.getByRole('textbox', { name: 'System prompt' }), { target: { value: 'Be brief.' } });
    fireEvent.click(screen.getByTestId('params-save'));
    typeAndSend('Hello');
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      conversationId: null,
      prompt: 'Hello',
      model: 'qwen-plus',
      params: { systemPrompt: 'Be brief.', temperature: null, enableThinking: null, enableSearch: false, tools: [], toolChoice: null, responseFormat: 'text', seed: null, stop: [], maxTokens: null },
    });
  });

  it('offers image attachments only for models that read images', async () => {
    mockBackend({
      status: { ...demoStatus, defaultModel: 'qwen-vl-plus', models: ['qwen-vl-plus', 'qwen-plus'] },
      models: [aModel({ id: 'qwen-vl-plus', acceptsImages: true }), aModel({ id: 'qwen-plus' })],
    });
    renderApp();
    const picker = await screen.findByTestId('model-picker');
    await screen.findByTestId('attach-button');
    fireEvent.change(picker, { target: { value: 'qwen-plus' } });
    expect(screen.queryByTestId('attach-button')).toBeNull();
  });

  it('moves between chats and opens the help sheet from the keyboard', async () => {
    const backend = mockBackend({
      status: demoStatus,
      conversations: () => [aConversation({ id: 'c1', title: 'Newer', updatedAt: 2 }), aConversation({ id: 'c2', title: 'Older', updatedAt: 1 })],
    });
    renderApp();
    await screen.findAllByTestId('conversation-item');

    fireEvent.keyDown(window, { key: 'ArrowDown', ctrlKey: true, altKey: true });
    await waitFor(() => expect(backend.named('get_conversation').at(-1)).toMatchObject({ conversationId: 'c1' }));
    fireEvent.keyDown(window, { key: 'ArrowDown', ctrlKey: true, altKey: true });
    await waitFor(() => expect(backend.named('get_conversation').at(-1)).toMatchObject({ conversationId: 'c2' }));

    fireEvent.keyDown(document.body, { key: '?' });
    const help = await screen.findByTestId('shortcuts-help');
    expect(within(help).getByText('Search all chats')).toBeTruthy();
    fireEvent.keyDown(within(help).getAllByRole('button')[0], { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('shortcuts-help')).toBeNull());
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

  it('mounts the other screens from the navigation', { timeout: 120_000 }, async () => {
    // The screens are lazy chunks whose first import (the charts above all) took over 15 s on a
    // loaded machine: load them first, so the waits below time the app, not the transform.
    await Promise.all([import('./screens/UsageCockpit'), import('./screens/ImageStudio')]);
    const { container } = (mockBackend({ status: demoStatus }), renderApp());
    fireEvent.click(await screen.findByTestId('nav-usage'));
    // The screens are lazy chunks: their first import in jsdom can take over the default second.
    await waitFor(() => expect(container.querySelector('[data-screen="UsageCockpit"]')).not.toBeNull(), { timeout: 15_000 });
    fireEvent.click(screen.getByTestId('nav-images'));
    await waitFor(() => expect(container.querySelector('[data-screen="ImageStudio"]')).not.toBeNull(), { timeout: 15_000 });
    // A visited screen stays mounted (hidden) so its work goes on.
    expect(container.querySelector('[data-screen="UsageCockpit"]')?.closest('[hidden]')).not.toBeNull();
    fireEvent.click(screen.getByTestId('nav-chat'));
    expect(screen.getByTestId('composer-input').closest('[hidden]')).toBeNull();
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '../api/types';
import i18n from '../i18n';
import { aMessage } from '../testing/fixtures';
import type { MessageActions } from './messageActions';
import { MessageRow, type MessageRowProps } from './MessageRow';

function actions(): MessageActions {
  return {
    remove: vi.fn(),
    regenerate: vi.fn(),
    continueReply: vi.fn(),
    editAndResend: vi.fn(),
    stepBranch: vi.fn(),
    errorAction: vi.fn(),
  };
}

function renderRow(message: Message, overrides: Partial<MessageRowProps> = {}) {
  const props: MessageRowProps = {
    message,
    retry: null,
    requestId: null,
    contextLeftOut: 0,
    branchIndex: 0,
    branchCount: 1,
    highlighted: false,
    busy: false,
    thinkingStartedAt: null,
    thinkingEndedAt: null,
    actions: actions(),
    ...overrides,
  };
  render(
    <I18nextProvider i18n={i18n}>
      <MessageRow {...props} />
    </I18nextProvider>,
  );
  return { row: screen.getByTestId('message'), actions: props.actions };
}

beforeEach(() => i18n.changeLanguage('en'));
afterEach(cleanup);

describe('MessageRow', () => {
  it('marks demo replies next to the model name', () => {
    const { row } = renderRow(aMessage({ id: 'a', role: 'assistant', model: 'qwen-plus', demo: true, content: 'Hi' }));
    expect(row.dataset.role).toBe('assistant');
    expect(screen.getByText('qwen-plus')).toBeTruthy();
    expect(screen.getByTestId('demo-badge').textContent).toBe('Demo');
  });

  it('renders replies as Markdown and prompts as plain text', () => {
    renderRow(aMessage({ id: 'a', role: 'assistant', content: '**bold** and `code`' }));
    expect(screen.getByText('bold').tagName).toBe('STRONG');
    cleanup();
    renderRow(aMessage({ id: 'u', role: 'user', content: '**not bold**' }));
    expect(screen.getByTestId('message-content').textContent).toBe('**not bold**');
  });

  it('shows a failed reply as a human message with its request id and a retry', () => {
    const { row, actions } = renderRow(
      aMessage({
        id: 'a',
        role: 'assistant',
        parentId: 'u',
        status: 'failed',
        error: { code: 'rate_limited', message: 'Throttling.RateQuota' },
      }),
      { requestId: 'req-7' },
    );
    expect(row.dataset.status).toBe('failed');
    expect(screen.getByText('Too many requests right now.')).toBeTruthy();
    expect(screen.getByText('Request ID: req-7')).toBeTruthy();
    expect(row.textContent).not.toContain('rate_limited');
    fireEvent.click(screen.getByTestId('error-action'));
    expect(actions.errorAction).toHaveBeenCalledWith('retry', expect.objectContaining({ id: 'a' }));
  });

  it('offers to continue a reply the connection cut', () => {
    const { actions } = renderRow(
      aMessage({
        id: 'a',
        role: 'assistant',
        parentId: 'u',
        status: 'partial',
        content: 'Half',
        error: { code: 'stream_interrupted', message: 'reset' },
      }),
    );
    expect(screen.getByTestId('error-action').textContent).toBe('Continue the reply');
    fireEvent.click(screen.getByTestId('continue-reply'));
    expect(actions.continueReply).toHaveBeenCalledWith('a');
  });

  it('speaks Chinese when the interface does', async () => {
    await i18n.changeLanguage('zh-CN');
    renderRow(
      aMessage({
        id: 'a',
        role: 'assistant',
        status: 'partial',
        content: '一半',
        demo: true,
        error: { code: 'network', message: 'reset' },
      }),
    );
    expect(screen.getByText('回复已中断——已保留目前的文字')).toBeTruthy();
    expect(screen.getByText('无法连接百炼。')).toBeTruthy();
    expect(screen.getByTestId('demo-badge').textContent).toBe('演示');
  });

  it('shows token usage and cost of a reply', () => {
    const usage = { inputTokens: 10, outputTokens: 2000, totalTokens: 2010 };
    renderRow(aMessage({ id: 'a', role: 'assistant', content: 'Done', usage, costCny: 0.00042 }));
    expect(screen.getByTestId('message-usage').textContent).toBe('10 in · 2,000 out · 2,010 tokens · ¥0.00042');
  });

  it('says how many earlier messages a reply was written without, in both languages', async () => {
    const reply = aMessage({ id: 'a', role: 'assistant', content: 'Done' });
    renderRow(reply, { contextLeftOut: 7730 });
    const note = screen.getByTestId('context-left-out');
    expect(note.textContent).toBe('7,730 earlier messages not sent to the model');
    expect(note.getAttribute('title')).toContain('longer than the model can read at once');
    cleanup();
    renderRow(reply, { contextLeftOut: 1 });
    expect(screen.getByTestId('context-left-out').textContent).toBe('1 earlier message not sent to the model');
    cleanup();
    await i18n.changeLanguage('zh-CN');
    renderRow(reply, { contextLeftOut: 7730 });
    expect(screen.getByTestId('context-left-out').textContent).toBe('较早的 7,730 条消息未发送给模型');
    cleanup();
    // Nothing when the whole thread was sent.
    renderRow(reply);
    expect(screen.queryByTestId('context-left-out')).toBeNull();
  });

  it('folds the thinking away by default and opens it on request', () => {
    renderRow(
      aMessage({ id: 'a', role: 'assistant', reasoning: 'First, the user wants…', content: 'Answer' }),
      { thinkingStartedAt: 1_000, thinkingEndedAt: 13_000 },
    );
    const thinking = screen.getByTestId('thinking');
    const toggle = within(thinking).getByRole('button', { name: /Thought for 12 s/ });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.getByTestId('thinking-body').hidden).toBe(true);
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByTestId('thinking-body').hidden).toBe(false);
    expect(screen.getByTestId('thinking-body').textContent).toBe('First, the user wants…');
  });

  it('says the model is thinking while only its thinking streams', () => {
    renderRow(aMessage({ id: 'a', role: 'assistant', status: 'streaming', reasoning: 'Hmm', content: '' }), {
      thinkingStartedAt: Date.now(),
    });
    expect(within(screen.getByTestId('thinking')).getByText('Thinking…')).toBeTruthy();
    expect(screen.getByTestId('thinking-body').hidden).toBe(true);
  });

  it('lists search sources and tool calls', () => {
    renderRow(
      aMessage({
        id: 'a',
        role: 'assistant',
        content: 'Sunny [1]',
        searchSources: [{ index: 1, title: 'Weather', url: 'https://example.com/w', siteName: 'Example' }],
        toolCalls: [{ id: 't', name: 'get_weather', arguments: '{"city":"Hangzhou"}' }],
      }),
    );
    expect(screen.getByText('1 web source')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Weather' }).getAttribute('href')).toBe('https://example.com/w');
    expect(screen.getByText('get_weather')).toBeTruthy();
    expect(screen.getByText(/"city": "Hangzhou"/)).toBeTruthy();
  });

  it('switches between versions of a message', () => {
    const { actions } = renderRow(aMessage({ id: 'a2', role: 'assistant', parentId: 'u', content: 'Two' }), {
      branchIndex: 1,
      branchCount: 3,
    });
    expect(within(screen.getByTestId('branch-switcher')).getByText('2 / 3')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Previous version' }));
    fireEvent.click(screen.getByRole('button', { name: 'Next version' }));
    expect(actions.stepBranch).toHaveBeenNthCalledWith(1, 'a2', -1);
    expect(actions.stepBranch).toHaveBeenNthCalledWith(2, 'a2', 1);
  });

  it('regenerates a reply and edits a prompt into a new version', () => {
    const { actions } = renderRow(aMessage({ id: 'a', role: 'assistant', parentId: 'u', content: 'Reply' }));
    fireEvent.click(screen.getByTestId('regenerate'));
    expect(actions.regenerate).toHaveBeenCalledWith('a');
    cleanup();

    const prompt = aMessage({ id: 'u2', role: 'user', parentId: 'a', content: 'Old question' });
    const edited = renderRow(prompt);
    fireEvent.click(screen.getByTestId('edit-message'));
    const editor = within(screen.getByTestId('message-editor')).getByRole('textbox');
    fireEvent.change(editor, { target: { value: 'Better question' } });
    fireEvent.keyDown(editor, { key: 'Enter' });
    expect(edited.actions.editAndResend).toHaveBeenCalledWith(prompt, 'Better question');
  });

  it('asks before deleting', () => {
    const { actions } = renderRow(aMessage({ id: 'a', role: 'assistant', parentId: 'u', content: 'Reply' }));
    fireEvent.click(screen.getByTestId('delete-message'));
    expect(actions.remove).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('confirm-delete'));
    expect(actions.remove).toHaveBeenCalledWith('a');
  });

  it('copies a reply and a code block', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderRow(aMessage({ id: 'a', role: 'assistant', content: 'See:\n\n```js\nlet a = 1;\n```' }));
    fireEvent.click(screen.getByTestId('copy-message'));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('See:\n\n```js\nlet a = 1;\n```'));
    const copyCode = screen.getByRole('button', { name: 'Copy the code' });
    fireEvent.click(copyCode);
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith('let a = 1;'));
    await waitFor(() => expect(copyCode.textContent).toBe('Copied'));
  });

  it('blocks new requests from any row while a reply streams', () => {
    renderRow(aMessage({ id: 'a', role: 'assistant', parentId: 'u', content: 'Reply' }), { busy: true });
    expect(screen.getByTestId('regenerate')).toHaveProperty('disabled', true);
    expect(screen.getByTestId('delete-message')).toHaveProperty('disabled', true);
  });
});

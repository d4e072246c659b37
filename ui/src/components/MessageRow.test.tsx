// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../api/types';
import i18n from '../i18n';
import { aMessage } from '../testing/fixtures';
import { MessageRow } from './MessageRow';

function renderRow(message: Message, requestId: string | null = null) {
  render(
    <I18nextProvider i18n={i18n}>
      <MessageRow message={message} retry={null} requestId={requestId} />
    </I18nextProvider>,
  );
  return screen.getByTestId('message');
}

beforeEach(() => i18n.changeLanguage('en'));
afterEach(cleanup);

describe('MessageRow', () => {
  it('marks demo replies next to the model name', () => {
    const row = renderRow(aMessage({ id: 'a', role: 'assistant', model: 'qwen-plus', demo: true, content: 'Hi' }));
    expect(row.dataset.role).toBe('assistant');
    expect(screen.getByText('qwen-plus')).toBeTruthy();
    expect(screen.getByTestId('demo-badge').textContent).toBe('Demo');
  });

  it('shows no demo badge for live replies', () => {
    renderRow(aMessage({ id: 'a', role: 'assistant', model: 'qwen-plus', content: 'Hi' }));
    expect(screen.queryByTestId('demo-badge')).toBeNull();
  });

  it('shows a failed reply as a human message with its request id', () => {
    const row = renderRow(
      aMessage({
        id: 'a',
        role: 'assistant',
        status: 'failed',
        error: { code: 'rate_limited', message: 'Throttling.RateQuota' },
      }),
      'req-7',
    );
    expect(row.dataset.status).toBe('failed');
    expect(screen.getByText('Too many requests right now.')).toBeTruthy();
    expect(screen.getByText('Request ID: req-7')).toBeTruthy();
    expect(row.textContent).not.toContain('rate_limited');
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

  it('shows token usage only for complete assistant replies', () => {
    const usage = { inputTokens: 10, outputTokens: 20, totalTokens: 30 };
    renderRow(aMessage({ id: 'a', role: 'assistant', content: 'Done', usage }));
    expect(screen.getByText('10 in · 20 out · 30 tokens')).toBeTruthy();
  });
});

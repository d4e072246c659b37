// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createRef } from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n';
import type { SendResult } from '../state/useChatSession';
import { Composer } from './Composer';

function renderComposer(overrides: { streaming?: boolean; busyElsewhere?: boolean } = {}) {
  const onSend = vi.fn<(prompt: string) => Promise<SendResult>>(() => Promise.resolve('started'));
  const onStop = vi.fn();
  render(
    <I18nextProvider i18n={i18n}>
      <Composer
        streaming={overrides.streaming ?? false}
        busyElsewhere={overrides.busyElsewhere ?? false}
        demo={false}
        onSend={onSend}
        onStop={onStop}
        inputRef={createRef<HTMLTextAreaElement>()}
      />
    </I18nextProvider>,
  );
  const input = screen.getByTestId('composer-input');
  const type = (value: string) => fireEvent.change(input, { target: { value } });
  return { input, type, onSend, onStop };
}

afterEach(cleanup);

describe('Composer', () => {
  it('sends on Enter and clears the input', () => {
    const { input, type, onSend } = renderComposer();
    type('Hello');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('Hello');
    expect(input).toHaveProperty('value', '');
  });

  it('keeps Shift+Enter for a new line', () => {
    const { input, type, onSend } = renderComposer();
    type('Line one');
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('does not send while an input method is composing', () => {
    const { input, type, onSend } = renderComposer();
    type('ni hao');
    fireEvent.keyDown(input, { key: 'Enter', isComposing: true });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('offers Stop instead of Send while streaming', () => {
    const { onStop } = renderComposer({ streaming: true });
    expect(screen.queryByTestId('send-button')).toBeNull();
    fireEvent.click(screen.getByTestId('stop-button'));
    expect(onStop).toHaveBeenCalledOnce();
  });

  it('waits while another chat is streaming', () => {
    const { input, type, onSend } = renderComposer({ busyElsewhere: true });
    type('Hello');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByTestId('send-button')).toHaveProperty('disabled', true);
  });
});

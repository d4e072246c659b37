// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createRef } from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NewAttachment } from '../api/types';
import i18n from '../i18n';
import type { SendResult } from '../state/useChatSession';
import { Composer, type ComposerHandle } from './Composer';

function renderComposer(overrides: { streaming?: boolean; busyElsewhere?: boolean; acceptsImages?: boolean } = {}) {
  const onSend = vi.fn<(prompt: string, attachments: NewAttachment[]) => Promise<SendResult>>(() =>
    Promise.resolve('started'),
  );
  const onStop = vi.fn();
  const handle = createRef<ComposerHandle>();
  render(
    <I18nextProvider i18n={i18n}>
      <Composer
        streaming={overrides.streaming ?? false}
        busyElsewhere={overrides.busyElsewhere ?? false}
        demo={false}
        acceptsImages={overrides.acceptsImages ?? false}
        onSend={onSend}
        onStop={onStop}
        inputRef={createRef<HTMLTextAreaElement>()}
        handleRef={handle}
      />
    </I18nextProvider>,
  );
  const input = screen.getByTestId('composer-input');
  const type = (value: string) => fireEvent.change(input, { target: { value } });
  return { input, type, onSend, onStop, handle };
}

const png = () => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'shot.png', { type: 'image/png' });

beforeEach(() => i18n.changeLanguage('en'));
afterEach(cleanup);

describe('Composer', () => {
  it('sends on Enter and clears the input', () => {
    const { input, type, onSend } = renderComposer();
    type('Hello');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('Hello', []);
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

  it('does not send an empty message', () => {
    const { input, type, onSend } = renderComposer();
    type('   ');
    fireEvent.keyDown(input, { key: 'Enter' });
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

  it('attaches pasted and dropped images with previews, and sends them as base64', async () => {
    const { input, type, onSend, handle } = renderComposer({ acceptsImages: true });
    fireEvent.paste(input, { clipboardData: { files: [png()], items: [] } });
    act(() => handle.current?.addFiles([png()]));
    await waitFor(() => expect(screen.getAllByRole('img')).toHaveLength(2));
    expect(screen.getAllByRole('img')[0].getAttribute('src')).toMatch(/^data:image\/png;base64,/);

    fireEvent.click(screen.getAllByRole('button', { name: 'Remove shot.png' })[0]);
    type('What is this?');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('What is this?', [{ mime: 'image/png', base64: 'iVBORw==' }]);
    expect(screen.queryAllByRole('img')).toHaveLength(0);
  });

  it('explains why a text-only model takes no images', () => {
    const { handle } = renderComposer({ acceptsImages: false });
    expect(screen.queryByTestId('attach-button')).toBeNull();
    act(() => handle.current?.addFiles([png()]));
    expect(screen.getByTestId('attachment-problem').textContent).toMatch(/cannot read images/);
  });

  it('leaves out files that are not images', async () => {
    const { handle } = renderComposer({ acceptsImages: true });
    act(() => handle.current?.addFiles([new File(['x'], 'notes.txt', { type: 'text/plain' })]));
    await waitFor(() => expect(screen.getByTestId('attachment-problem').textContent).toMatch(/Only PNG/));
  });
});

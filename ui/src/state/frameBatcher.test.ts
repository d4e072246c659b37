import { describe, expect, it, vi } from 'vitest';
import { createFrameBatcher, type FrameScheduler } from './frameBatcher';

function fakeFrames() {
  let next = 1;
  const callbacks = new Map<number, () => void>();
  const request = vi.fn((cb: () => void) => {
    const id = next++;
    callbacks.set(id, cb);
    return id;
  });
  const cancel = vi.fn((id: number) => {
    callbacks.delete(id);
  });
  const scheduler: FrameScheduler = { request, cancel };
  const runFrame = () => {
    const due = [...callbacks.values()];
    callbacks.clear();
    due.forEach((cb) => cb());
  };
  return { scheduler, request, cancel, runFrame, pending: () => callbacks.size };
}

describe('createFrameBatcher', () => {
  it('coalesces many deltas within one frame into a single delivery', () => {
    const frames = fakeFrames();
    const deliver = vi.fn();
    const batcher = createFrameBatcher(deliver, frames.scheduler);

    for (const piece of ['Hel', 'lo', ', ', 'wor', 'ld']) batcher.push(piece);
    expect(deliver).not.toHaveBeenCalled();
    expect(frames.request).toHaveBeenCalledTimes(1);

    frames.runFrame();
    expect(deliver).toHaveBeenCalledTimes(1);
    expect(deliver).toHaveBeenCalledWith({ content: 'Hello, world', reasoning: '' });
  });

  it('delivers later deltas on a later frame', () => {
    const frames = fakeFrames();
    const deliver = vi.fn();
    const batcher = createFrameBatcher(deliver, frames.scheduler);

    batcher.push('a');
    frames.runFrame();
    batcher.push('b');
    batcher.push('c');
    frames.runFrame();
    expect(deliver.mock.calls).toEqual([[{ content: 'a', reasoning: '' }], [{ content: 'bc', reasoning: '' }]]);
  });

  it('does not schedule a frame for empty text or deliver an empty frame', () => {
    const frames = fakeFrames();
    const deliver = vi.fn();
    const batcher = createFrameBatcher(deliver, frames.scheduler);

    batcher.push('');
    expect(frames.pending()).toBe(0);
    frames.runFrame();
    batcher.flush();
    expect(deliver).not.toHaveBeenCalled();
  });

  it('flush delivers queued text at once and cancels the pending frame', () => {
    const frames = fakeFrames();
    const deliver = vi.fn();
    const batcher = createFrameBatcher(deliver, frames.scheduler);

    batcher.push('last ');
    batcher.push('words');
    batcher.flush();
    expect(deliver).toHaveBeenCalledWith({ content: 'last words', reasoning: '' });
    expect(frames.cancel).toHaveBeenCalledTimes(1);
    expect(frames.pending()).toBe(0);

    frames.runFrame();
    expect(deliver).toHaveBeenCalledTimes(1);
  });

  it('cancel drops queued text', () => {
    const frames = fakeFrames();
    const deliver = vi.fn();
    const batcher = createFrameBatcher(deliver, frames.scheduler);

    batcher.push('never shown');
    batcher.cancel();
    frames.runFrame();
    batcher.flush();
    expect(deliver).not.toHaveBeenCalled();
  });

  it('carries thinking and answer text of one frame in a single delivery', () => {
    const frames = fakeFrames();
    const deliver = vi.fn();
    const batcher = createFrameBatcher(deliver, frames.scheduler);

    batcher.push('Let me ', 'reasoning');
    batcher.push('think.', 'reasoning');
    batcher.push('The answer');
    expect(frames.request).toHaveBeenCalledTimes(1);
    frames.runFrame();
    expect(deliver.mock.calls).toEqual([[{ content: 'The answer', reasoning: 'Let me think.' }]]);
  });
});

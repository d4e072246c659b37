/** The subset of requestAnimationFrame the batcher needs; injectable so tests can drive frames. */
export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

/** What a stream adds to a reply during one frame: answer text and thinking text. */
export interface StreamBatch {
  content: string;
  reasoning: string;
}

export type StreamPart = keyof StreamBatch;

export interface FrameBatcher {
  /** Queues text; it is delivered on the next frame together with anything else queued before it. */
  push(text: string, part?: StreamPart): void;
  /** Delivers queued text now (e.g. before a stream's final status is applied). */
  flush(): void;
  /** Drops queued text without delivering it. */
  cancel(): void;
}

export const animationFrameScheduler: FrameScheduler = {
  request(callback) {
    // Hidden windows and test DOMs may lack rAF; a short timer keeps text flowing.
    if (typeof requestAnimationFrame === 'function') return requestAnimationFrame(() => callback());
    // Under Node (tests) setTimeout returns a Timeout object; its primitive value is the timer id,
    // which clearTimeout accepts too.
    return Number(setTimeout(callback, 16));
  },
  cancel(handle) {
    if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(handle);
    else clearTimeout(handle);
  },
};

/**
 * Streams deliver dozens of deltas per frame; rendering each one would re-render the
 * streaming row far more often than the screen can show it. This coalesces them so
 * `deliver` runs at most once per frame with everything that arrived meanwhile, answer and
 * thinking together (one state update, one render).
 */
export function createFrameBatcher(
  deliver: (batch: StreamBatch) => void,
  scheduler: FrameScheduler = animationFrameScheduler,
): FrameBatcher {
  let buffer: StreamBatch = { content: '', reasoning: '' };
  let pendingFrame: number | null = null;

  const drain = () => {
    pendingFrame = null;
    if (buffer.content === '' && buffer.reasoning === '') return;
    const batch = buffer;
    buffer = { content: '', reasoning: '' };
    deliver(batch);
  };

  const cancelFrame = () => {
    if (pendingFrame !== null) {
      scheduler.cancel(pendingFrame);
      pendingFrame = null;
    }
  };

  return {
    push(text, part = 'content') {
      if (text === '') return;
      buffer[part] += text;
      if (pendingFrame === null) pendingFrame = scheduler.request(drain);
    },
    flush() {
      cancelFrame();
      drain();
    },
    cancel() {
      cancelFrame();
      buffer = { content: '', reasoning: '' };
    },
  };
}

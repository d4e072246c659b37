import type { ReactNode } from 'react';

/**
 * Opt-in timing of the UI's own work, read by tests/e2e/perf.mjs (WebKitGTK has no Long Tasks
 * API, and its sampling profiler, tests/e2e/profile.mjs, cannot run beside WebDriver nor time
 * what it samples). The script sets `window.__deskTrace = {}`
 * and reads it back; when it is absent, as in normal use, a traced call costs one property read.
 */
export interface TraceEntry {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Calls longer than a frame at 60 Hz. */
  over16: number;
}

export type Trace = Record<string, TraceEntry>;

function activeTrace(): Trace | undefined {
  return (globalThis as { __deskTrace?: Trace }).__deskTrace;
}

export function record(label: string, ms: number): void {
  const trace = activeTrace();
  if (!trace) return;
  const entry = (trace[label] ??= { count: 0, totalMs: 0, maxMs: 0, over16: 0 });
  entry.count += 1;
  entry.totalMs += ms;
  if (ms > entry.maxMs) entry.maxMs = ms;
  if (ms > 16) entry.over16 += 1;
}

export function traced<T>(label: string, work: () => T): T {
  if (!activeTrace()) return work();
  const started = performance.now();
  try {
    return work();
  } finally {
    record(label, performance.now() - started);
  }
}

/** Whether a trace is being collected (to skip measuring work that has a cost of its own). */
export function tracing(): boolean {
  return activeTrace() !== undefined;
}

/**
 * A named moment on the page's timeline (to place long tasks), while a trace is collected or
 * while `window.__deskMarks` is set: marks alone cost microseconds and force no layout, so the
 * untraced measurement can have them too.
 */
export function mark(name: string): void {
  if (activeTrace() || (globalThis as { __deskMarks?: boolean }).__deskMarks) performance.mark(`desk:${name}`);
}

/**
 * A component whose renders are timed under `render: <label>` (its own render, not its
 * children's) and marked `r:<label>` where marks are on: perf.mjs prints the marks inside each
 * long task, which is how a reply's first frame was found to be spent component by component.
 */
export function timedRender<P extends object>(label: string, component: (props: P) => ReactNode) {
  return function Timed(props: P) {
    mark(`r:${label}`);
    return traced(`render: ${label}`, () => component(props));
  };
}

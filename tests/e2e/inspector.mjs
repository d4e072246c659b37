// WebKit's remote Web Inspector, reached over the HTTP server WebKitGTK starts when the app runs
// with WEBKIT_INSPECTOR_HTTP_SERVER=host:port. It is the only profiler of the real app's main
// thread here: the Timeline (script, style, layout, paint, timers, animation frames, with their
// nesting), the sampling script profiler (stacks every ~1 ms) and the garbage collector's events.
// Used by tests/e2e/perf.mjs when PERF_PROFILE is set; never by CI's checks.
//
// The page socket carries the Target domain: the page itself is a sub-target whose messages go
// through Target.sendMessageToTarget / Target.dispatchMessageFromTarget.

import WebSocket from 'ws';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to the first inspectable page of the server at `hostPort`; retries while it starts. */
export async function connectInspector(hostPort, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let socketPath = null;
  while (socketPath === null) {
    try {
      const listing = await (await fetch(`http://${hostPort}/`)).text();
      socketPath = listing.match(/\/socket\/\d+\/\d+\/WebPage/)?.[0] ?? null;
    } catch {
      // not listening yet
    }
    if (socketPath === null) {
      if (Date.now() > deadline) throw new Error(`no inspectable page at ${hostPort}`);
      await sleep(200);
    }
  }
  const socket = new WebSocket(`ws://${hostPort}${socketPath}`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });

  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  let pageTarget = null;
  let targetReady;
  const targetKnown = new Promise((resolve) => {
    targetReady = resolve;
  });

  const dispatch = (message) => {
    if (message.id !== undefined && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(`${message.error.message} (${message.error.code})`));
      else resolve(message.result);
      return;
    }
    if (process.env.INSPECTOR_DEBUG) console.log('event', message.method, JSON.stringify(message).slice(0, 200));
    for (const listener of listeners.get(message.method) ?? []) listener(message.params);
  };

  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.method === 'Target.targetCreated' && message.params.targetInfo.type === 'page') {
      pageTarget = message.params.targetInfo.targetId;
      targetReady();
    } else if (message.method === 'Target.dispatchMessageFromTarget') {
      dispatch(JSON.parse(message.params.message));
    } else {
      dispatch(message);
    }
  });

  await Promise.race([
    targetKnown,
    sleep(5000).then(() => {
      throw new Error('the inspector announced no page target');
    }),
  ]);

  return {
    send(method, params = {}) {
      const id = nextId++;
      const inner = JSON.stringify({ id, method, params });
      socket.send(JSON.stringify({ id: nextId++, method: 'Target.sendMessageToTarget', params: { targetId: pageTarget, message: inner } }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    on(method, listener) {
      if (!listeners.has(method)) listeners.set(method, []);
      listeners.get(method).push(listener);
    },
    close() {
      socket.close();
    },
  };
}

/**
 * Samples the page's script (WebKit's sampling profiler, a stack about every millisecond while
 * script runs) until `stop()`, which returns the stacks. In the WebKitGTK here every timestamp the
 * inspector reports is 0 (its stopwatch does not run for a remote frontend), so a recording is cut
 * to the window of interest by starting and stopping it around it, not by time.
 */
export async function startSampling(inspector) {
  let stacks = null;
  const complete = new Promise((resolve) => {
    inspector.on('ScriptProfiler.trackingComplete', (params) => {
      stacks = params.samples?.stackTraces ?? [];
      resolve();
    });
  });
  await inspector.send('ScriptProfiler.startTracking', { includeSamples: true });
  return {
    async stop() {
      await inspector.send('ScriptProfiler.stopTracking');
      await Promise.race([complete, sleep(10000)]);
      return stacks ?? [];
    },
  };
}

const frameName = (frame) => `${frame.name || '(anonymous)'} ${String(frame.url ?? '').split('/').pop()}:${frame.line}`;

/**
 * Where sampled script time went: self samples per function (the top of the stack) and total
 * samples per function (anywhere on the stack, once per stack), the largest `top` of each.
 * One sample is about a millisecond of script.
 */
export function sampleReport(stacks, top = 25) {
  const self = {};
  const total = {};
  for (const stack of stacks) {
    const frames = stack.stackFrames ?? [];
    if (frames[0]) self[frameName(frames[0])] = (self[frameName(frames[0])] ?? 0) + 1;
    for (const name of new Set(frames.map(frameName))) total[name] = (total[name] ?? 0) + 1;
  }
  const largest = (counts) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top);
  return { samples: stacks.length, self: largest(self), total: largest(total) };
}

/**
 * The Timeline's top-level records (task-sized: a timer, an event, a rendering frame) with the
 * time each reached this process. Their own times are 0 here (see `startSampling`), and arrivals
 * are no clock either: the inspector delivers records in batches, so gaps of 40–60 ms show up
 * after trivial timer records too (measured). What a record tells is the kind of work in it (its
 * children: styles, layout, paint, script), not how long it took.
 */
export async function startTimeline(inspector) {
  const records = [];
  inspector.on('Timeline.eventRecorded', ({ record }) => records.push({ arrivedAt: Date.now(), record }));
  await inspector.send('Timeline.enable');
  await inspector.send('Timeline.setInstruments', { instruments: ['Timeline'] });
  await inspector.send('Timeline.start');
  return {
    async stop() {
      await inspector.send('Timeline.stop');
      return records;
    },
  };
}

/** A record's kind and its children's, nested, as one line: `RenderingFrame(Layout Paint×3)`. */
export function describeRecord(record) {
  const children = record.children ?? [];
  if (children.length === 0) return record.type;
  const parts = [];
  for (const child of children) {
    const text = describeRecord(child);
    const last = parts[parts.length - 1];
    if (last && last.text === text) last.count += 1;
    else parts.push({ text, count: 1 });
  }
  return `${record.type}(${parts.map((p) => (p.count > 1 ? `${p.text}×${p.count}` : p.text)).join(' ')})`;
}

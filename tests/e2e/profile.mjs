// Where the main thread's time goes while a reply starts streaming into a 10,000-message thread,
// in the real app: WebKit's sampling profiler through its remote inspector (inspector.mjs).
//
// WebDriver and the remote inspector do not work together in the WebKitGTK here (the session's
// connection drops), so this script starts the app itself and drives the page through the
// inspector's Runtime.evaluate: open the thread, type `/long N`, send, and sample the script for
// PROFILE_WINDOW_MS from the click. It also runs the same timer chain as perf.mjs inside the page,
// to say how long the window's longest tasks were. A diagnostic for a person, not a CI check.
//
// Run (after the builds perf.mjs needs):
//   BAILIAN_DESK_APP=target/release/bailian-desk-app xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/profile.mjs
// Output: the largest self and total sample counts (about 1 ms each), and
// artifacts/e2e/profile-<window>.json.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EMULATOR_KEY, appBinary, artifacts, cleanUp, cleanups, freePort, sleep, startEmulator } from './harness.mjs';
import { connectInspector, describeRecord, sampleReport, startSampling, startTimeline } from './inspector.mjs';
import { lastMessageText, seedLongThread } from './longThread.mjs';

const MESSAGES = Number(process.env.PERF_MESSAGES ?? 10_000);
const REPLY_LINES = Number(process.env.PERF_REPLY_LINES ?? 400);
const WINDOW_MS = Number(process.env.PROFILE_WINDOW_MS ?? 1500);
// `start` samples from the click for WINDOW_MS (`timeline`: the Timeline's records in it too), `stream` from then until the reply's last few
// lines, `end` from there until half a second after it completed.
const WINDOWS = (process.env.PROFILE_WINDOWS ?? 'start,stream,end').split(',');

async function evaluate(inspector, expression) {
  const { result, wasThrown } = await inspector.send('Runtime.evaluate', { expression, returnByValue: true });
  if (wasThrown) throw new Error(`page script failed: ${result.description}`);
  return result.value;
}

async function until(what, inspector, expression, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await evaluate(inspector, expression)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function printReport(name, report, tasks) {
  console.log(`\n== ${name}: ${report.samples} samples; tasks > 50 ms [at ms, ms]: ${JSON.stringify(tasks)}`);
  console.log('  self:');
  for (const [fn, n] of report.self.slice(0, 15)) console.log(`    ${String(n).padStart(5)}  ${fn}`);
  console.log('  total:');
  for (const [fn, n] of report.total.slice(0, 25)) console.log(`    ${String(n).padStart(5)}  ${fn}`);
}

async function main() {
  const baseUrl = await startEmulator(Number(process.env.PERF_TOKEN_DELAY_MS ?? 2));
  const home = mkdtempSync(path.join(os.tmpdir(), 'bailian-desk-profile-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  seedLongThread(home, MESSAGES);

  const inspectorAt = `127.0.0.1:${await freePort()}`;
  const app = spawn(appBinary, [], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      BAILIAN_BASE_URL: baseUrl,
      DASHSCOPE_API_KEY: EMULATOR_KEY,
      BAILIAN_DESK_HOME: home,
      WEBKIT_INSPECTOR_HTTP_SERVER: inspectorAt,
    },
  });
  cleanups.push(() => app.kill());
  const inspector = await connectInspector(inspectorAt, 60000);
  cleanups.push(() => inspector.close());

  await until('live mode', inspector, `!!document.querySelector('[data-mode="live"]')`);
  await until('the conversation', inspector, `!!document.querySelector('[data-testid="conversation-item"]')`);
  await evaluate(inspector, `(document.querySelector('[data-testid="conversation-item"] button') ?? document.querySelector('[data-testid="conversation-item"]')).click()`);
  const last = JSON.stringify(lastMessageText(MESSAGES));
  await until('the thread to open', inspector, `[...document.querySelectorAll('[data-testid="message"]')].some((row) => row.textContent.includes(${last}))`);
  // Past the preloads that follow the workspace's first paint (highlighting, math).
  await sleep(2000);
  // PROFILE_EVAL: an expression to measure something by hand in the opened thread (printed).
  if (process.env.PROFILE_EVAL) console.log(`PROFILE_EVAL: ${JSON.stringify(await evaluate(inspector, process.env.PROFILE_EVAL))}`);

  // The timer chain of perf.mjs, and the UI's own trace, from here on.
  await evaluate(
    inspector,
    `(() => {
      window.__deskTrace = {};
      const state = { t0: performance.now(), epoch: performance.timeOrigin + performance.now(), tasks: [], running: true };
      let armed = performance.now();
      const beat = () => {
        const late = performance.now() - armed - 4;
        if (late > 50 && state.tasks.length < 40) state.tasks.push([Math.round(armed - state.t0), Math.round(late)]);
        armed = performance.now();
        if (state.running) setTimeout(beat, 0);
      };
      setTimeout(beat, 0);
      window.__profileTasks = state;
      const input = document.querySelector('[data-testid="composer-input"]');
      const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
      setValue.call(input, ${JSON.stringify(`/long ${REPLY_LINES}`)});
      input.dispatchEvent(new Event('input', { bubbles: true }));
      return true;
    })()`,
  );
  await sleep(300);
  const tasksSince = async (fromMs) =>
    (await evaluate(inspector, `window.__profileTasks.tasks`)).filter(([at]) => at >= fromMs);

  const clickAt = await evaluate(inspector, `performance.now() - window.__profileTasks.t0`);
  let sampling = WINDOWS.includes('start') ? await startSampling(inspector) : null;
  const timeline = WINDOWS.includes('timeline') ? await startTimeline(inspector) : null;
  const clickedAt = Date.now();
  await evaluate(inspector, `document.querySelector('[data-testid="send-button"]').click(), true`);
  await sleep(WINDOW_MS);
  if (timeline) {
    // Records that arrived after more than 40 ms of silence, by kind. Arrivals are batched
    // (inspector.mjs), so a gap here is a place to look, not a task's length.
    const records = await timeline.stop();
    console.log(`\n== timeline of the reply's first ${WINDOW_MS} ms: ${records.length} records`);
    records.forEach(({ arrivedAt, record }, i) => {
      const gap = arrivedAt - (i > 0 ? records[i - 1].arrivedAt : clickedAt);
      if (gap > 40) console.log(`  +${arrivedAt - clickedAt} ms, after ${gap} ms: ${describeRecord(record).slice(0, 600)}`);
    });
  }
  if (sampling) {
    const report = sampleReport(await sampling.stop(), 500);
    const tasks = (await tasksSince(clickAt)).filter(([at]) => at <= clickAt + WINDOW_MS);
    writeFileSync(path.join(artifacts, 'profile-start.json'), `${JSON.stringify({ tasks, ...report }, null, 2)}\n`);
    printReport(`the reply's first ${WINDOW_MS} ms`, report, tasks);
  }

  // Garbage collections (`gc`): their kinds and when they reached this process, beside the long
  // tasks' own times (the page's clock, as epoch milliseconds), to see which tasks were the
  // collector's.
  const collections = [];
  if (WINDOWS.includes('gc')) {
    inspector.on('Heap.garbageCollected', ({ collection }) => collections.push({ type: collection.type, arrivedAt: Date.now() }));
    await inspector.send('Heap.enable');
  }

  // The middle: until the reply's last few lines are in; then its end and what follows it.
  const nearEnd = JSON.stringify(`Line ${Math.max(1, REPLY_LINES - 5)} of`);
  const liveText = `(() => {
    const rows = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
    return rows[rows.length - 1]?.textContent ?? '';
  })()`;
  const done = `(() => {
    const rows = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
    return rows[rows.length - 1]?.getAttribute('data-status') === 'complete';
  })()`;
  const windows = [
    ['stream', 'the middle of the stream', `${liveText}.includes(${nearEnd})`, 0],
    ['end', "the reply's last lines and its end", done, 500],
  ];
  for (const [name, label, until_, after] of windows) {
    const from = await evaluate(inspector, `performance.now() - window.__profileTasks.t0`);
    sampling = WINDOWS.includes(name) ? await startSampling(inspector) : null;
    await until(label, inspector, until_, 240000);
    await sleep(after);
    if (!sampling) continue;
    const report = sampleReport(await sampling.stop(), 500);
    const tasks = await tasksSince(from);
    writeFileSync(path.join(artifacts, `profile-${name}.json`), `${JSON.stringify({ tasks, ...report }, null, 2)}\n`);
    printReport(label, report, tasks);
  }
  if (WINDOWS.includes('gc')) {
    const { epoch, tasks } = await evaluate(inspector, `({ epoch: window.__profileTasks.epoch, tasks: window.__profileTasks.tasks })`);
    console.log(`\n== garbage collections while streaming: ${collections.length} (${collections.filter((c) => c.type === 'full').length} full)`);
    for (const [at, ms] of tasks) {
      const start = epoch + at;
      const near = collections.filter((c) => c.arrivedAt >= start && c.arrivedAt <= start + ms + 120);
      console.log(`  task at ${at} ms, ${ms} ms: ${near.length ? near.map((c) => `${c.type} GC reported ${Math.round(c.arrivedAt - start)} ms after its start`).join(', ') : 'no collection reported within it'}`);
    }
  }
  const trace = await evaluate(inspector, `window.__deskTrace`);
  console.log(`\ntrace: ${JSON.stringify(trace)}`);
}

try {
  await main();
  cleanUp();
  process.exit(0);
} catch (error) {
  console.log(`profile: failed\n  ${error.stack ?? error}`);
  cleanUp();
  process.exit(1);
}

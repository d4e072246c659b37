// Performance of the real app on a long thread: seeds a 10,000-message conversation (through the
// CLI's import, into a fresh data folder), opens it in the app under Xvfb, then streams a long
// reply into it, and records
//   - the time from clicking the conversation to its last message painted,
//   - where the opening time goes: the IPC (click → the thread's JSON parsed, from the marks
//     `desk:conversation-requested/received` the UI sets) and the page (→ last message painted),
//   - the longest main-thread task while streaming: WebKitGTK has no Long Tasks API, so a timer
//     chain (setTimeout 0, re-armed from its own callback) measures it — a timer that fires late
//     was held up by whatever ran on the main thread meanwhile (script, style, layout),
//   - the gaps between animation frames meanwhile (what a person sees; under Xvfb without a GPU
//     these also include the compositor's software painting, which runs off the main thread),
//   - the resident memory of the app and its WebKit processes, after opening and after streaming.
// The reply is streamed twice: untraced (the numbers above) and traced (the UI's own timings,
// which force a layout per list commit to time it, so that reply's numbers are a little worse);
// then once more while the page types into the composer (keystroke latency, and how long the
// list went without showing the reply: the stream renders as a transition that keys interrupt).
// It asserts nothing about the numbers (they are measurements, not tests); it fails only when the
// app cannot do the journey. Results: artifacts/e2e/perf.json and docs/PERFORMANCE.md.
//
// Run: `xvfb-run -a node tests/e2e/perf.mjs` (after `cargo build` of the app, emulator and CLI).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastMessageText, seedLongThread } from './longThread.mjs';
import {
  EMULATOR_KEY,
  artifacts,
  cleanUp,
  cleanups,
  openApp,
  openLiveApp,
  screenshot,
  startEmulator,
  waitFor,
} from './harness.mjs';

const MESSAGES = Number(process.env.PERF_MESSAGES ?? 10_000);
const LONG_REPLY_LINES = Number(process.env.PERF_REPLY_LINES ?? 400);

// Faster than anyone types (auto-repeat is ~30 ms): keystrokes are urgent updates that
// interrupt the streamed reply's transition renders, so this is where they could starve it.
const TYPING_INTERVAL_MS = Number(process.env.PERF_TYPING_INTERVAL_MS ?? 50);

/** Types into the composer from inside the page, one character per TYPING_INTERVAL_MS, until the
 * reply's recorder stops; each keystroke's latency is from when it was due to the next frame. */
async function startTyping(browser) {
  await browser.execute((interval) => {
    const input = document.querySelector('[data-testid="composer-input"]');
    // The native setter, then an input event: what the browser does for a typed character, so
    // React's onChange runs as it would for a person.
    const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
    const typed = { latencies: [], running: true };
    window.__perfTyping = typed;
    let due = performance.now() + interval;
    const key = () => {
      if (!typed.running) return;
      const wasDue = due;
      setValue.call(input, `${input.value}${'abcdefghij '[typed.latencies.length % 11]}`);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      requestAnimationFrame(() => typed.latencies.push(performance.now() - wasDue));
      due = wasDue + interval;
      setTimeout(key, Math.max(0, due - performance.now()));
    };
    setTimeout(key, interval);
  }, TYPING_INTERVAL_MS);
}

/** Resident memory of the app and of the WebKit processes (ours are the only ones under Xvfb). */
function memoryMb() {
  const out = execFileSync('ps', ['-eo', 'rss=,comm=']).toString();
  let kb = 0;
  const seen = [];
  for (const line of out.split('\n')) {
    const match = line.trim().match(/^(\d+)\s+(.*)$/);
    if (!match) continue;
    const [, rss, name] = match;
    if (/^(bailian-desk-ap|WebKitWebProces|WebKitNetworkPr|WebKitGPUProces|bailian-desk-app|WebKitWebProcess|WebKitNetworkProcess)/.test(name)) {
      kb += Number(rss);
      seen.push(name);
    }
  }
  return { mb: Math.round(kb / 1024), processes: seen.length };
}

/** Each long task: when (ms after the recorder started, and in epoch ms for an OS profiler), how
 * long, and the UI's marks and frames inside it. */
function logLongTasks(tasks) {
  for (const [at, ms, names, epochMs] of tasks) console.log(`  ${at} ms, ${ms} ms (epoch ${epochMs}): ${names || '(no mark)'}`);
}

/** The UI's trace (label → count, total, max, over16) with whole milliseconds. */
function roundTrace(trace) {
  return Object.fromEntries(
    Object.entries(trace ?? {}).map(([label, e]) => [
      label,
      { count: e.count, totalMs: Math.round(e.totalMs), maxMs: Math.round(e.maxMs), over16: e.over16 },
    ]),
  );
}

async function main() {
  const baseUrl = await startEmulator(Number(process.env.PERF_TOKEN_DELAY_MS ?? 2));
  const home = mkdtempSync(path.join(os.tmpdir(), 'bailian-desk-perf-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const importMs = seedLongThread(home, MESSAGES);
  console.log(`seeded ${MESSAGES} messages through the CLI's import in ${importMs} ms`);

  const env = { BAILIAN_BASE_URL: baseUrl, DASHSCOPE_API_KEY: EMULATOR_KEY, BAILIAN_DESK_HOME: home };
  const app = await openLiveApp(env, 30000);
  const { browser } = app;
  const item = await waitFor('the conversation', async () => {
    const items = await browser.$$('[data-testid="conversation-item"]');
    return items.length ? items[0] : null;
  });
  const before = memoryMb();
  // The UI's own timings (ui/src/perf/trace.ts), collected only while this is set.
  await browser.execute(() => {
    window.__deskTrace = {};
  });

  // Click and wait, inside the page, until the thread's last message is painted.
  const lastText = lastMessageText(MESSAGES);
  const opening = await browser.executeAsync(
    (selectorText, done) => {
      const item = document.querySelector('[data-testid="conversation-item"]');
      const target = item.querySelector('button') ?? item;
      const t0 = performance.now();
      target.click();
      const check = () => {
        const rows = document.querySelectorAll('[data-testid="message"]');
        const last = rows[rows.length - 1];
        if (last && last.textContent.includes(selectorText)) {
          // One more frame: the row is in the DOM and has been painted.
          requestAnimationFrame(() => {
            const painted = performance.now();
            const mark = (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? null;
            const received = mark('desk:conversation-received');
            const committed = mark('desk:view-committed');
            done({
              total: painted - t0,
              ipc: received === null ? null : received - t0,
              page: received === null ? null : painted - received,
              firstCommit: committed === null || received === null ? null : committed - received,
              trace: window.__deskTrace,
            });
          });
        } else if (performance.now() - t0 > 30000) {
          done(null);
        } else {
          requestAnimationFrame(check);
        }
      };
      requestAnimationFrame(check);
    },
    lastText,
  );
  if (opening === null) throw new Error('the thread did not open within 30 s');
  const openMs = opening.total;
  console.log(`opening: first commit ${Math.round(opening.firstCommit)} ms after the data; trace ${JSON.stringify(roundTrace(opening.trace))}`);
  const rowsInDom = await browser.execute(() => document.querySelectorAll('[data-testid="message"]').length);
  const opened = memoryMb();
  console.log(
    `opened the ${MESSAGES}-message thread in ${Math.round(openMs)} ms ` +
      `(IPC ${Math.round(opening.ipc)} ms, page ${Math.round(opening.page)} ms; ${rowsInDom} rows in the DOM)`,
  );
  screenshot('perf-opened');

  // The recorder used for both windows below: animation-frame gaps and main-thread tasks.
  await browser.execute(() => {
    window.__perfRecorder = () => {
      const stats = { maxGap: 0, over50: 0, frames: 0, longestTask: 0, tasksOver50: 0, longTasks: [], frameTimes: [], running: true };
      const t0 = performance.now();
      stats.t0 = t0;
      let lastFrame = performance.now();
      const tick = (now) => {
        const gap = now - lastFrame;
        lastFrame = now;
        stats.frames += 1;
        // Kept to show which frames (rendering updates) fell inside a long task.
        if (stats.frameTimes.length < 20000) stats.frameTimes.push(now);
        if (gap > stats.maxGap) stats.maxGap = gap;
        if (gap > 50) stats.over50 += 1;
        if (stats.running) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      // Nested zero timers are clamped to 4 ms; lateness past that is time the thread was busy.
      let armed = performance.now();
      const beat = () => {
        const late = performance.now() - armed - 4;
        if (late > stats.longestTask) stats.longestTask = late;
        if (late > 50) {
          stats.tasksOver50 += 1;
          // When (ms after the recorder started) and how long: to line up with the stream's events.
          if (stats.longTasks.length < 40) stats.longTasks.push([Math.round(armed - t0), Math.round(late)]);
        }
        armed = performance.now();
        if (stats.running) setTimeout(beat, 0);
      };
      setTimeout(beat, 0);
      return stats;
    };
  });

  // The same measures with nothing happening: what the environment itself allows
  // (Xvfb, software rendering), to read the streaming numbers against.
  const idle = await browser.executeAsync((done) => {
    const stats = window.__perfRecorder();
    setTimeout(() => {
      stats.running = false;
      done(stats);
    }, 3000);
  });

  // Frame gaps while a long reply streams in, collected inside the page. Completion is checked
  // once a second with one small script: polling through WebDriver every 50 ms (innerText of a
  // growing element) would force layouts and cause the very stalls being measured.
  // The UI's trace measures by forcing a layout after each list commit (to time it), which is a
  // cost of its own: so the first reply is measured untraced (the numbers a person gets), and a
  // second one, the same, traced (where the time goes).
  const lastLine = `Line ${LONG_REPLY_LINES} of a long emulated answer`;
  const streamReply = async (withTrace, typing = false) => {
    await browser.execute((on) => {
      if (on) window.__deskTrace = {};
      else delete window.__deskTrace;
      // The UI's marks cost microseconds and force nothing: both replies have them.
      window.__deskMarks = true;
      window.__perfFrames = window.__perfRecorder();
    }, withTrace);
    // The newest reply so far: the new reply's row is another message.
    const lastReplyBefore = await browser.execute(() => {
      const rows = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
      return rows[rows.length - 1]?.getAttribute('data-message-id') ?? null;
    });
    const input = await browser.$('[data-testid="composer-input"]');
    await input.setValue(`/long ${LONG_REPLY_LINES}`);
    const started = Date.now();
    await (await browser.$('[data-testid="send-button"]')).click();
    if (typing) await startTyping(browser);
    await waitFor(
      'the long reply to complete',
      () =>
        browser.execute(
          (expected, before) => {
            const rows = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
            const row = rows[rows.length - 1];
            const content = row?.querySelector('[data-testid="message-content"]');
            return (
              row?.getAttribute('data-status') === 'complete' &&
              row.getAttribute('data-message-id') !== before &&
              (content?.textContent ?? '').includes(expected)
            );
          },
          lastLine,
          lastReplyBefore,
        ),
      240000,
      1000,
    );
    const ms = Date.now() - started;
    const recorded = await browser.execute(() => {
      const stats = window.__perfFrames;
      stats.running = false;
      // The UI's marks inside each long task: what the page was doing.
      const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('desk:') && m.startTime >= stats.t0);
      const within = (time, at, ms) => time >= stats.t0 + at - 2 && time <= stats.t0 + at + ms + 6;
      const inside = stats.longTasks.map(([at, ms]) => {
        const moments = [
          ...marks.filter((m) => within(m.startTime, at, ms)).map((m) => [m.startTime, m.name.slice(5)]),
          // An animation frame's callbacks run just before that frame's style, layout and paint.
          ...stats.frameTimes.filter((time) => within(time, at, ms)).map((time) => [time, 'frame']),
        ].sort((a, b) => a[0] - b[0]);
        const names = moments.map(([time, name]) => `${name}@${Math.round(time - stats.t0 - at)}`);
        // The task's start in epoch ms, to line up with an OS profiler's samples (perf, Sysprof).
        return [at, ms, names.slice(0, 30).join(' '), Math.round(performance.timeOrigin + stats.t0 + at)];
      });
      // The reply's start, where the long tasks have been: every mark, and frames further apart than 20 ms.
      const startMarks = marks
        .filter((m) => m.startTime - stats.t0 < 2500 && !m.name.startsWith('desk:update:delta'))
        .map((m) => [m.startTime, m.name.slice(5)]);
      let previousFrame = stats.t0;
      const slowFrames = [];
      for (const time of stats.frameTimes) {
        if (time - stats.t0 > 2500) break;
        if (time - previousFrame > 20) slowFrames.push([time, `frame(+${Math.round(time - previousFrame)})`]);
        previousFrame = time;
      }
      const startTimeline = [...startMarks, ...slowFrames]
        .sort((a, b) => a[0] - b[0])
        .map(([time, name]) => `${name}@${Math.round(time - stats.t0)}`)
        .join(' ');
      performance.clearMarks();
      const { frameTimes: _frameTimes, ...summary } = stats;
      // The delta messages the channel brought (the app joins those within a frame).
      const deltas = marks.filter((m) => m.name === 'desk:update:delta');
      // How often the list showed the reply while its text came, and its longest wait: urgent
      // updates (keystrokes) interrupt the stream's transition renders, so typing could starve
      // them. From the first delta to the commit after the last (the wait from the last text to
      // the reply's end is the backend finishing, not rendering).
      const firstDelta = deltas[0]?.startTime ?? Infinity;
      const lastDelta = deltas.at(-1)?.startTime ?? Infinity;
      const commits = marks.filter((m) => m.name === 'desk:list-committed').map((m) => m.startTime);
      const shownLast = commits.find((time) => time >= lastDelta) ?? Infinity;
      const listCommits = commits.filter((time) => time >= firstDelta && time <= shownLast);
      let longestCommitGap = 0;
      let longestCommitGapAt = 0;
      for (let i = 1; i < listCommits.length; i++) {
        if (listCommits[i] - listCommits[i - 1] <= longestCommitGap) continue;
        longestCommitGap = listCommits[i] - listCommits[i - 1];
        longestCommitGapAt = listCommits[i - 1] - stats.t0;
      }
      const typed = window.__perfTyping ?? null;
      if (typed) {
        typed.running = false;
        delete window.__perfTyping;
      }
      return {
        ...summary,
        longTaskMarks: inside,
        startTimeline,
        // The recorder's 0 in epoch ms, to place the start timeline in an OS profile too.
        startEpochMs: Math.round(performance.timeOrigin + stats.t0),
        deltaMessages: deltas.length,
        listCommits: listCommits.length,
        longestCommitGapMs: Math.round(longestCommitGap),
        // Where it began, in ms after the recorder started (the stream ends at `ms`).
        longestCommitGapAt: Math.round(longestCommitGapAt),
        typing: typed && {
          keys: typed.latencies.length,
          medianMs: Math.round([...typed.latencies].sort((a, b) => a - b)[Math.floor(typed.latencies.length / 2)] ?? 0),
          longestMs: Math.round(Math.max(0, ...typed.latencies)),
          over50: typed.latencies.filter((ms) => ms > 50).length,
        },
        trace: window.__deskTrace ?? null,
      };
    });
    // Let the finished reply settle before anything else is measured.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { ms, ...recorded };
  };
  const frames = await streamReply(false);
  const streamed = memoryMb();
  // PERF_UNTRACED_REPLIES=N streams N untraced replies: the first reply of a session has had
  // tasks the later ones have not (code the page runs for the first time), so both are worth a look.
  const laterReplies = [];
  for (let extra = 1; extra < Number(process.env.PERF_UNTRACED_REPLIES ?? 1); extra++) {
    const again = await streamReply(false);
    laterReplies.push({
      tasksOver50ms: again.tasksOver50,
      longTasks: again.longTaskMarks,
      frames: again.frames,
      frameGapsOver50ms: again.over50,
      longestCommitGapMs: again.longestCommitGapMs,
    });
    console.log(
      `untraced reply ${extra + 1}: long tasks ${JSON.stringify(again.longTaskMarks)}; ${again.frames} frames, ` +
        `${again.over50} gaps > 50 ms; ${again.listCommits} list commits, longest wait ${again.longestCommitGapMs} ms at ${again.longestCommitGapAt} ms`,
    );
  }
  const streamMs = frames.ms;
  console.log(`long tasks while the reply streamed (at, ms, the UI's marks and animation frames inside at ms from the task's start):`);
  logLongTasks(frames.longTaskMarks);
  console.log(`  (finished at ${streamMs} ms after the click; ${frames.deltaMessages} delta messages)`);
  console.log(
    `  its first 2.5 s (marks; frames more than 20 ms after the previous; 0 is epoch ${frames.startEpochMs}): ${frames.startTimeline}`,
  );
  screenshot('perf-streamed');
  const tracedRun = await streamReply(true);
  console.log(`streaming trace (second reply) ${JSON.stringify(roundTrace(tracedRun.trace))}`);
  console.log(`long tasks while the traced reply streamed (at, ms, the UI's marks and animation frames inside):`);
  logLongTasks(tracedRun.longTaskMarks);
  console.log(`  (finished at ${tracedRun.ms} ms)`);
  // The same reply while someone types into the composer, a key every TYPING_INTERVAL_MS.
  const typedRun = await streamReply(false, true);
  console.log(
    `typed into the composer while a reply streamed: ${JSON.stringify(typedRun.typing)} (keystroke → next frame); ` +
      `${typedRun.listCommits} list commits, longest wait ${typedRun.longestCommitGapMs} ms at ${typedRun.longestCommitGapAt} ms ` +
      `(first untraced reply, without typing: ${frames.listCommits}, ${frames.longestCommitGapMs} ms at ${frames.longestCommitGapAt} ms); long tasks:`,
  );
  logLongTasks(typedRun.longTaskMarks);
  console.log(`  (finished at ${typedRun.ms} ms)`);
  await app.close();

  const result = {
    messages: MESSAGES,
    importMs,
    openMs: Math.round(openMs),
    openIpcMs: Math.round(opening.ipc),
    openPageMs: Math.round(opening.page),
    openFirstCommitMs: Math.round(opening.firstCommit),
    openTrace: roundTrace(opening.trace),
    streamTrace: roundTrace(tracedRun.trace),
    tracedStream: {
      streamMs: tracedRun.ms,
      tasksOver50ms: tracedRun.tasksOver50,
      longestTaskMs: Math.round(tracedRun.longestTask),
      longTasks: tracedRun.longTaskMarks,
      frames: tracedRun.frames,
      frameGapsOver50ms: tracedRun.over50,
    },
    rowsInDom,
    streamedLines: LONG_REPLY_LINES,
    streamMs,
    idle3s: {
      frames: idle.frames,
      longestFrameGapMs: Math.round(idle.maxGap),
      frameGapsOver50ms: idle.over50,
      longestTaskMs: Math.round(idle.longestTask),
      tasksOver50ms: idle.tasksOver50,
    },
    tokenDelayMs: Number(process.env.PERF_TOKEN_DELAY_MS ?? 2),
    frames: frames.frames,
    longestFrameGapMs: Math.round(frames.maxGap),
    frameGapsOver50ms: frames.over50,
    longestTaskMs: Math.round(frames.longestTask),
    tasksOver50ms: frames.tasksOver50,
    deltaMessages: frames.deltaMessages,
    listCommits: frames.listCommits,
    longestCommitGapMs: frames.longestCommitGapMs,
    typedStream: {
      keyIntervalMs: TYPING_INTERVAL_MS,
      keystrokeToFrame: typedRun.typing,
      streamMs: typedRun.ms,
      listCommits: typedRun.listCommits,
      longestCommitGapMs: typedRun.longestCommitGapMs,
      longestCommitGapAt: typedRun.longestCommitGapAt,
      tasksOver50ms: typedRun.tasksOver50,
      longestTaskMs: Math.round(typedRun.longestTask),
      longTasks: typedRun.longTaskMarks,
      frames: typedRun.frames,
    },
    longTasks: frames.longTaskMarks,
    laterUntracedReplies: laterReplies,
    memoryMb: { beforeOpen: before.mb, afterOpen: opened.mb, afterStream: streamed.mb, processes: streamed.processes },
  };
  writeFileSync(path.join(artifacts, 'perf.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

try {
  await main();
  cleanUp();
  process.exit(0);
} catch (error) {
  console.log(`perf: failed\n  ${error.stack ?? error}`);
  cleanUp();
  process.exit(1);
}

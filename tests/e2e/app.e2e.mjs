// End-to-end journeys through the real app binary: tauri-driver drives WebKitWebDriver, which
// launches target/debug/bailian-desk-app under Xvfb. The app talks to the real emulator binary.
//
// Run by scripts/test.sh (inside xvfb-run); alone: `xvfb-run -a node tests/e2e/app.e2e.mjs`, after
// `bash scripts/test-microphone.sh` (the voice journey records from its sine-wave microphone).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EMULATOR_KEY,
  assert,
  cleanUp,
  cleanups,
  cliBinary,
  lastAssistant,
  openApp,
  openLiveApp,
  screenshot,
  sendAndFollow,
  sleep,
  startEmulator,
  storedConversation,
  storedConversations,
  waitFor,
} from './harness.mjs';

const journeys = [];
function journey(name, run) {
  journeys.push({ name, run });
}

journey('a prompt streams token by token, is stored, and is there after a restart', async () => {
  const baseUrl = await startEmulator();
  const home = mkdtempSync(path.join(os.tmpdir(), 'bailian-desk-e2e-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const env = { BAILIAN_BASE_URL: baseUrl, DASHSCOPE_API_KEY: EMULATOR_KEY, BAILIAN_DESK_HOME: home };
  const prompt = 'Hello from the end-to-end test';

  let app = await openLiveApp(env);
  const { browser } = app;
  const reply = await sendAndFollow(browser, prompt);
  assert(
    reply.text.startsWith('This is the Bailian emulator answering as qwen-plus (turn 1).'),
    `unexpected reply: ${reply.text}`,
  );
  assert(reply.text.includes(`You said: "${prompt}"`), `the reply does not echo the prompt: ${reply.text}`);
  assert(reply.partialTexts >= 3, `expected the reply to grow in steps, saw ${reply.partialTexts} partial texts`);
  console.log(`  streamed in ${reply.partialTexts} visible steps`);
  const userRows = await browser.$$('[data-testid="message"][data-role="user"]');
  assert(userRows.length === 1, `expected one user message, found ${userRows.length}`);
  await sleep(300);
  screenshot('chat-streamed');
  await app.close();

  const [conversation] = storedConversations(home);
  assert(conversation, 'no conversation stored');
  const stored = storedConversation(home, conversation.id);
  assert(stored.messages[1].status === 'complete', `stored status ${stored.messages[1].status}`);
  assert(stored.messages[1].content === reply.text, 'the stored reply differs from the one shown');
  assert(stored.messages[1].usage?.outputTokens > 0, 'usage was not recorded');

  app = await openApp(env);
  const item = await waitFor('the stored conversation in the sidebar', async () => {
    const items = await app.browser.$$('[data-testid="conversation-item"]');
    return items.length === 1 ? items[0] : null;
  });
  await item.click();
  const restored = await waitFor('the restored reply', async () => {
    const row = await lastAssistant(app.browser);
    return row ? (await row.$('[data-testid="message-content"]')).getText() : null;
  });
  assert(restored === reply.text, `after a restart the reply reads: ${restored}`);
  await app.close();
});

journey('with no key, the offline demo answers and says it is a demo', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'bailian-desk-e2e-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const env = { BAILIAN_DESK_HOME: home, DASHSCOPE_API_KEY: '' };
  const app = await openApp(env);
  const { browser } = app;
  await waitFor('the setup screen', async () => (await browser.$('[data-mode="needs_setup"]')).isExisting());
  await (await browser.$('[data-testid="start-demo"]')).click();
  await waitFor('demo mode', async () => (await browser.$('[data-mode="demo"]')).isExisting());
  assert(await (await browser.$('[data-testid="demo-banner"]')).isDisplayed(), 'no demo banner');
  const reply = await sendAndFollow(browser, 'Hi demo');
  assert(reply.text.includes('You said: "Hi demo"'), `unexpected demo reply: ${reply.text}`);
  assert(await (await reply.row.$('[data-testid="demo-badge"]')).isExisting(), 'the demo reply has no Demo badge');
  await sleep(300);
  screenshot('offline-demo');
  await app.close();
});


/** A fresh data folder and the environment that points the app (and the CLI) at the emulator. */
async function liveEnv() {
  const baseUrl = await startEmulator();
  const home = mkdtempSync(path.join(os.tmpdir(), 'bailian-desk-e2e-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return { BAILIAN_BASE_URL: baseUrl, DASHSCOPE_API_KEY: EMULATOR_KEY, BAILIAN_DESK_HOME: home };
}

/** Clicks a control that only shows on hover (message actions): WebDriver clicks what it sees. */
async function clickRevealed(browser, element) {
  await browser.execute((el) => el.click(), element);
}

journey('regenerating a reply keeps both versions as branches you can switch between', async () => {
  const env = await liveEnv();
  const app = await openLiveApp(env);
  const { browser } = app;
  const first = await sendAndFollow(browser, 'Tell me about branches');
  const regenerate = await first.row.$('[data-testid="regenerate"]');
  await clickRevealed(browser, regenerate);
  const second = await waitFor('the regenerated reply to complete', async () => {
    const row = await lastAssistant(browser);
    if (!row) return null;
    const switcher = await row.$('[data-testid="branch-switcher"]');
    if (!(await switcher.isExisting())) return null;
    const status = await row.getAttribute('data-status');
    const text = await (await row.$('[data-testid="message-content"]')).getText();
    return status === 'complete' ? { row, text, label: await switcher.getText() } : null;
  }, 30000);
  assert(/2\s*\/\s*2/.test(second.label), `the switcher reads ${second.label}`);
  assert(second.text.includes('turn 1'), `the regenerated reply answers the same turn: ${second.text}`);
  const previous = await (await second.row.$('[data-testid="branch-switcher"]')).$('button');
  await clickRevealed(browser, previous);
  const back = await waitFor('the first version', async () => {
    const row = await lastAssistant(browser);
    const label = await (await row.$('[data-testid="branch-switcher"]')).getText();
    return /1\s*\/\s*2/.test(label) ? (await row.$('[data-testid="message-content"]')).getText() : null;
  });
  assert(back === first.text, `switching back shows ${back}, not the first reply`);
  screenshot('chat-branches');
  await app.close();
  const [conversation] = storedConversations(env.BAILIAN_DESK_HOME);
  const stored = storedConversation(env.BAILIAN_DESK_HOME, conversation.id);
  const replies = stored.messages.filter((m) => m.role === 'assistant');
  assert(replies.length === 2, `expected two stored replies, found ${replies.length}`);
  assert(replies[0].parentId === replies[1].parentId, 'the two replies are not siblings');
});

// The machine's "microphone" is PulseAudio's sine-wave source and its speaker a null sink
// (scripts/test-microphone.sh): WebKitGTK records and plays through GStreamer as on a desktop.
// (WebDriver's session grants the microphone itself; that the app's own web view does, where
// WebKitGTK alone denies it, is src-tauri/tests/microphone.rs.)
journey('dictation records from the microphone into the composer, and a reply is read aloud', async () => {
  const env = await liveEnv();
  const app = await openLiveApp(env);
  const { browser } = app;
  const reply = await sendAndFollow(browser, 'Say something I can listen to');

  // Read aloud: the emulator's speech (MP3) is decoded by WebKit and plays.
  await clickRevealed(browser, await reply.row.$('[data-testid="read-aloud"]'));
  await waitFor('the reply to play', async () => {
    const problem = await browser.$('[data-testid="speech-problem"]');
    if (await problem.isExisting()) throw new Error(`speech problem: ${await problem.getText()}`);
    return (await reply.row.$('[data-testid="read-aloud"]')).getAttribute('data-state').then((s) => s === 'playing');
  }, 20000);
  assert(await (await browser.$('[data-testid="speech-bar"]')).isExisting(), 'no speech bar while reading');
  screenshot('voice-reading-aloud');
  await (await browser.$('[data-testid="stop-reading"]')).click();

  // Push-to-talk: hold the button ~2.5 s; the tone is streamed to recognition as it is heard.
  const mic = await browser.$('[data-testid="dictate-button"]');
  await browser.performActions([
    {
      type: 'pointer',
      id: 'mouse',
      parameters: { pointerType: 'mouse' },
      actions: [
        { type: 'pointerMove', origin: mic, x: 0, y: 0 },
        { type: 'pointerDown', button: 0 },
        { type: 'pause', duration: 2500 },
        { type: 'pointerUp', button: 0 },
      ],
    },
  ]);
  await browser.releaseActions();
  const input = await browser.$('[data-testid="composer-input"]');
  const dictated = await waitFor('the recognised words in the composer', async () => {
    const problem = await browser.$('[data-testid="voice-problem"]');
    if (await problem.isExisting()) throw new Error(`dictation problem: ${await problem.getText()}`);
    const value = await input.getValue();
    return value.includes('from the emulator.') ? value : null;
  }, 20000);
  // The emulator recognises a sentence per second of audio it receives: two means the
  // microphone's sound reached it, not only the button's press.
  assert(/Sentence 2 from the emulator\./.test(dictated), `dictated: ${dictated}`);
  console.log(`  dictated: ${dictated}`);
  screenshot('voice-dictated');
  await app.close();
});

journey('tool calls are answered in the app and the next reply follows the results', async () => {
  const env = await liveEnv();
  const app = await openLiveApp(env);
  const { browser } = app;
  // A function for the new chat, through its parameters panel.
  await (await browser.$('[data-testid="params-button"]')).click();
  await (await browser.$('[data-testid="param-tools-example"]')).click();
  await waitFor('the tools to be accepted', async () => (await browser.$('[data-testid="param-tools-ok"]')).isExisting());
  await (await browser.$('[data-testid="params-save"]')).click();
  await waitFor('the panel to close', async () => !(await (await browser.$('[data-testid="params-panel"]')).isExisting()));

  const input = await browser.$('[data-testid="composer-input"]');
  await input.setValue('What will the weather be in Hangzhou tomorrow?');
  await (await browser.$('[data-testid="send-button"]')).click();
  const calls = await waitFor('the model to call the function', async () => {
    const form = await browser.$('[data-testid="tool-form"]');
    if (!(await form.isExisting())) return null;
    const found = await form.$$('[data-testid="tool-form-call"]');
    return found.length ? found : null;
  }, 30000);
  for (const call of calls) await (await call.$('[data-testid="tool-result-input"]')).setValue('{"forecast":"sunny","high_c":28}');
  await (await browser.$('[data-testid="tool-submit"]')).click();
  await waitFor('the reply after the results', async () => {
    const rows = await browser.$$('[data-testid="tool-result"]');
    const row = await lastAssistant(browser);
    if (rows.length !== calls.length || !row) return null;
    const status = await row.getAttribute('data-status');
    if (status === 'failed' || status === 'partial') throw new Error(`the reply ended ${status}`);
    return status === 'complete' && !(await (await browser.$('[data-testid="tool-form"]')).isExisting());
  }, 30000);
  screenshot('chat-tool-results');
  await app.close();

  // Stored as the core's contract says: the calls, one tool message per call, the reply after them.
  const [conversation] = storedConversations(env.BAILIAN_DESK_HOME);
  const stored = storedConversation(env.BAILIAN_DESK_HOME, conversation.id);
  assert(conversation.params.tools[0].name === 'get_weather', 'the conversation keeps its tools');
  const caller = stored.messages.find((m) => m.role === 'assistant' && m.toolCalls.length > 0);
  assert(caller && caller.finishReason === 'tool_calls', 'the reply that called is stored with its calls');
  const results = stored.messages.filter((m) => m.role === 'tool');
  assert(results.length === caller.toolCalls.length, `${results.length} tool messages for ${caller.toolCalls.length} calls`);
  assert(results.every((m) => caller.toolCalls.some((c) => c.id === m.toolCallId)), 'each result names its call');
  const answer = stored.messages.at(-1);
  assert(answer.role === 'assistant' && answer.status === 'complete', 'the last message is the complete reply');
  assert(answer.parentId === results.at(-1).id, 'the reply follows the last result');
});

journey('an image task started before a restart completes after it', async () => {
  const env = await liveEnv();
  let app = await openLiveApp(env);
  let { browser } = app;
  await (await browser.$('[data-testid="nav-images"]')).click();
  const prompt = await browser.$('[data-testid="image-prompt"]');
  await prompt.waitForDisplayed({ timeout: 15000 });
  await prompt.setValue('A lighthouse at dawn, watercolour');
  await (await browser.$('[data-testid="image-create"]')).click();
  // The emulator moves a task one step per poll: close the app while it is still in flight.
  const status = await waitFor('the task to be submitted', async () => {
    const task = await browser.$('[data-testid="image-task"]');
    if (!(await task.isExisting())) return null;
    const value = await task.getAttribute('data-status');
    return value === 'pending' || value === 'running' ? value : null;
  });
  console.log(`  closing the app with the task ${status}`);
  await app.close();

  app = await openLiveApp(env);
  browser = app.browser;
  await (await browser.$('[data-testid="nav-images"]')).click();
  await waitFor('the image, stored after the restart', async () => {
    const task = await browser.$('[data-testid="image-task"]');
    if (!(await task.isExisting())) return null;
    const value = await task.getAttribute('data-status');
    if (value === 'failed') throw new Error('the resumed task failed');
    return value === 'succeeded' && (await browser.$('[data-testid="image-stored"]')).isExisting();
  }, 60000);
  await sleep(500);
  screenshot('image-after-restart');
  await app.close();
});

journey('search finds a message and jumps to it', async () => {
  const env = await liveEnv();
  for (const prompt of ['The zebra crossing plan', 'Something unrelated', 'Another unrelated thing']) {
    execFileSync(cliBinary, ['chat', prompt], { env: { ...process.env, ...env } });
  }
  const app = await openLiveApp(env);
  const { browser } = app;
  await waitFor('the conversations', async () => (await browser.$$('[data-testid="conversation-item"]')).length === 3);
  await (await browser.$('[data-testid="open-search"]')).click();
  const input = await browser.$('[data-testid="search-input"]');
  await input.waitForDisplayed({ timeout: 10000 });
  await input.setValue('zebra');
  const hit = await waitFor('a search hit', async () => {
    const hits = await browser.$$('[data-testid="search-hit"]');
    return hits.length ? hits[0] : null;
  });
  assert((await hit.getText()).toLowerCase().includes('zebra'), `the hit reads ${await hit.getText()}`);
  await hit.click();
  const highlighted = await waitFor('the highlighted message', async () => {
    const row = await browser.$('[data-testid="message"][data-highlighted]');
    return (await row.isExisting()) ? row : null;
  });
  const text = await (await highlighted.$('[data-testid="message-content"]')).getText();
  assert(text.toLowerCase().includes('zebra'), `the highlighted message reads ${text}`);
  screenshot('search-jump');
  await app.close();
});

journey('a damaged history database is not replaced: the app offers the latest backup', async () => {
  const env = await liveEnv();
  const cli = (args) => execFileSync(cliBinary, args, { env: { ...process.env, ...env } });
  cli(['chat', 'Please keep this conversation']);
  cli(['backup']);
  const database = path.join(env.BAILIAN_DESK_HOME, 'desk.sqlite3');
  for (const extra of ['-wal', '-shm']) rmSync(database + extra, { force: true });
  writeFileSync(database, Buffer.from('this is not a database, but it was someone\'s history'.repeat(200)));

  const app = await openApp(env);
  const { browser } = app;
  const restore = await waitFor('the offer of the latest backup', async () => {
    const button = await browser.$('[data-testid="restore-latest"]');
    return (await button.isExisting()) ? button : null;
  }, 20000);
  screenshot('recover-database');
  await restore.click();
  await waitFor('the history back', async () => {
    const items = await browser.$$('[data-testid="conversation-item"]');
    // textContent: the title is cut with an ellipsis on screen.
    return items.length === 1 && (await browser.execute((el) => el.textContent, items[0])).includes('Please keep this conversation');
  }, 20000);
  await app.close();
  const kept = readdirSync(env.BAILIAN_DESK_HOME).filter((name) => name.startsWith('desk.sqlite3') && name !== 'desk.sqlite3' && !name.endsWith('-wal') && !name.endsWith('-shm'));
  assert(kept.length >= 1, `the damaged file was not kept aside: ${readdirSync(env.BAILIAN_DESK_HOME).join(', ')}`);
});

let passed = 0;
let failed = 0;
for (const { name, run } of journeys) {
  // E2E_ONLY=<part of a name> runs the matching journeys alone, for debugging one.
  if (process.env.E2E_ONLY && !name.includes(process.env.E2E_ONLY)) continue;
  const started = Date.now();
  try {
    await run();
    passed += 1;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${error.stack ?? error}`);
  }
  cleanUp();
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

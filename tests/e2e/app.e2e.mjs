// End-to-end journeys through the real app binary: tauri-driver drives WebKitWebDriver, which
// launches target/debug/bailian-desk-app under Xvfb. The app talks to the real emulator binary.
//
// Run by scripts/test.sh (inside xvfb-run); alone: `xvfb-run -a node tests/e2e/app.e2e.mjs`.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { remote } from 'webdriverio';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const appBinary = process.env.BAILIAN_DESK_APP ?? path.join(root, 'target/debug/bailian-desk-app');
const emulatorBinary = path.join(root, 'target/debug/bailian-emulator');
const cliBinary = path.join(root, 'target/debug/bailian-desk');
const artifacts = process.env.E2E_ARTIFACTS ?? path.join(root, 'artifacts/e2e');
const tauriDriver = process.env.TAURI_DRIVER ?? 'tauri-driver';
const EMULATOR_KEY = 'sk-emulator';

mkdirSync(artifacts, { recursive: true });
const cleanups = [];

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

/** Starts the emulator binary and resolves with the address it prints as its first line. */
async function startEmulator() {
  const child = spawn(emulatorBinary, ['--listen', '127.0.0.1:0', '--token-delay-ms', '40'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => child.kill());
  const firstLine = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return `http://${firstLine.trim()}`;
}

/** Opens the app through tauri-driver with `env`; returns the WebDriver session and a closer. */
async function openApp(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(tauriDriver, ['--port', String(port), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env, TAURI_WEBVIEW_AUTOMATION: 'true' },
  });
  const stopDriver = () => driver.kill();
  cleanups.push(stopDriver);
  await waitForPort(port, 15000);
  // tauri-driver proxies to WebKitWebDriver on the native port; a session requested before that
  // one listens fails its first connection (webdriverio then retries). Wait for it too, but do
  // not insist: a driver that starts it lazily is still served by the retry.
  await waitForPort(nativePort, 5000).catch(() => {});
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    capabilities: {
      browserName: 'wry',
      'tauri:options': { application: appBinary },
      'wdio:enforceWebDriverClassic': true,
    },
  });
  return {
    browser,
    async close() {
      await browser.deleteSession().catch(() => {});
      stopDriver();
      await sleep(300);
    },
  };
}

async function waitFor(what, predicate, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** A screenshot of the app's window as the X server shows it (WebDriver's can lag the DOM). */
function screenshot(name) {
  const file = path.join(artifacts, `${name}.png`);
  try {
    const windowId = execFileSync('xdotool', ['search', '--name', '^Bailian Desk$']).toString().trim().split('\n')[0];
    execFileSync('import', ['-window', windowId || 'root', file]);
    console.log(`  screenshot ${file}`);
  } catch (error) {
    console.log(`  (no screenshot: ${error.message})`);
  }
}

async function lastAssistant(browser) {
  const rows = await browser.$$('[data-testid="message"][data-role="assistant"]');
  return rows.length ? rows[rows.length - 1] : null;
}

/** Sends `prompt` and follows the reply until it completes, recording the texts seen meanwhile. */
async function sendAndFollow(browser, prompt) {
  const input = await browser.$('[data-testid="composer-input"]');
  await input.waitForDisplayed({ timeout: 15000 });
  await input.setValue(prompt);
  await (await browser.$('[data-testid="send-button"]')).click();
  const seen = new Set();
  const final = await waitFor('the reply to complete', async () => {
    const row = await lastAssistant(browser);
    if (!row) return null;
    const status = await row.getAttribute('data-status');
    const text = await (await row.$('[data-testid="message-content"]')).getText();
    if (status === 'streaming' && text) seen.add(text);
    if (status === 'failed' || status === 'partial') throw new Error(`reply ended ${status}: ${text}`);
    return status === 'complete' ? { row, text } : null;
  }, 30000);
  return { ...final, partialTexts: seen.size };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function storedConversations(home) {
  const out = execFileSync(cliBinary, ['conversations', 'list', '--json'], {
    env: { ...process.env, BAILIAN_DESK_HOME: home },
  });
  return JSON.parse(out.toString());
}

function storedConversation(home, id) {
  const out = execFileSync(cliBinary, ['conversations', 'show', id, '--json'], {
    env: { ...process.env, BAILIAN_DESK_HOME: home },
  });
  return JSON.parse(out.toString());
}

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

  let app = await openApp(env);
  const { browser } = app;
  await waitFor('live mode', async () => (await browser.$('[data-mode="live"]')).isExisting());
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

let passed = 0;
let failed = 0;
for (const { name, run } of journeys) {
  const started = Date.now();
  try {
    await run();
    passed += 1;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${error.stack ?? error}`);
  }
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // best effort: a process may already be gone
    }
  }
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

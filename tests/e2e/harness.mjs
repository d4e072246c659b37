// What the end-to-end journeys and the performance script share: the real app binary opened
// through tauri-driver (WebKitWebDriver under Xvfb), the emulator binary, the CLI on the same
// data folder, screenshots of the X window, and the processes to stop afterwards.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { remote } from 'webdriverio';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const appBinary = process.env.BAILIAN_DESK_APP ?? path.join(root, 'target/debug/bailian-desk-app');
// BAILIAN_EMULATOR=target/release/bailian-emulator: measured, the debug build used about three
// times the CPU of the release one while streaming (13 % against 4 % of a core over a perf run),
// on the two cores the app being measured also needs.
export const emulatorBinary = process.env.BAILIAN_EMULATOR ?? path.join(root, 'target/debug/bailian-emulator');
export const cliBinary = path.join(root, 'target/debug/bailian-desk');
export const artifacts = process.env.E2E_ARTIFACTS ?? path.join(root, 'artifacts/e2e');
export const tauriDriver = process.env.TAURI_DRIVER ?? 'tauri-driver';
export const EMULATOR_KEY = 'sk-emulator';

mkdirSync(artifacts, { recursive: true });
export const cleanups = [];

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function waitForPort(port, timeoutMs) {
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
export async function startEmulator(tokenDelayMs = 40) {
  const child = spawn(emulatorBinary, ['--listen', '127.0.0.1:0', '--token-delay-ms', String(tokenDelayMs)], {
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
export async function openApp(env) {
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
    // The performance script waits inside the page for a whole long reply.
    connectionRetryTimeout: 300000,
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

/** Opens the app (as `openApp`) and waits until it is in live mode: key and endpoint set. */
export async function openLiveApp(env, timeoutMs = 15000) {
  const app = await openApp(env);
  await waitFor('live mode', async () => (await app.browser.$('[data-mode="live"]')).isExisting(), timeoutMs);
  return app;
}

export async function waitFor(what, predicate, timeoutMs = 15000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** A screenshot of the app's window as the X server shows it (WebDriver's can lag the DOM). */
export function screenshot(name) {
  const file = path.join(artifacts, `${name}.png`);
  try {
    const windowId = execFileSync('xdotool', ['search', '--name', '^Bailian Desk$']).toString().trim().split('\n')[0];
    execFileSync('import', ['-window', windowId || 'root', file]);
    console.log(`  screenshot ${file}`);
  } catch (error) {
    console.log(`  (no screenshot: ${error.message})`);
  }
}

export async function lastAssistant(browser) {
  const rows = await browser.$$('[data-testid="message"][data-role="assistant"]');
  return rows.length ? rows[rows.length - 1] : null;
}

/** Sends `prompt` and follows the reply until it completes, recording the texts seen meanwhile. */
export async function sendAndFollow(browser, prompt) {
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

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function storedConversations(home) {
  const out = execFileSync(cliBinary, ['conversations', 'list', '--json'], {
    env: { ...process.env, BAILIAN_DESK_HOME: home },
  });
  return JSON.parse(out.toString());
}

export function storedConversation(home, id) {
  const out = execFileSync(cliBinary, ['conversations', 'show', id, '--json'], {
    env: { ...process.env, BAILIAN_DESK_HOME: home },
  });
  return JSON.parse(out.toString());
}


/** Stops everything the last run started (best effort: a process may already be gone). */
export function cleanUp() {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // already gone
    }
  }
}

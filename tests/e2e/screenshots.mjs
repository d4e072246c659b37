// Refreshes docs/screenshots/: every screen of the real app (not the mock) under Xvfb, with data
// made through the CLI against the emulator. Not part of CI; run it when the UI changes:
//   xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/screenshots.mjs
// (after building the app with custom-protocol, the emulator and the CLI, as for the journeys, and
// `bash scripts/test-microphone.sh` for the voice shots).

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EMULATOR_KEY,
  artifacts,
  cleanUp,
  cleanups,
  cliBinary,
  openApp,
  openLiveApp,
  root,
  screenshot,
  sleep,
  startEmulator,
  waitFor,
} from './harness.mjs';

const docs = path.join(root, 'docs/screenshots');
mkdirSync(docs, { recursive: true });

function keep(name) {
  screenshot(name);
  copyFileSync(path.join(artifacts, `${name}.png`), path.join(docs, `${name}.png`));
}

function cli(env, args, input) {
  return execFileSync(cliBinary, args, { env: { ...process.env, ...env }, input });
}

async function click(browser, selector) {
  const element = await browser.$(selector);
  await element.waitForExist({ timeout: 15000 });
  await browser.execute((el) => el.click(), element);
}

async function main() {
  // First run: onboarding.
  {
    const home = mkdtempSync(path.join(os.tmpdir(), 'bailian-desk-shots-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const app = await openApp({ BAILIAN_DESK_HOME: home, DASHSCOPE_API_KEY: '' });
    await waitFor('onboarding', async () => (await app.browser.$('[data-testid="onboarding"]')).isExisting());
    await sleep(500);
    keep('onboarding');
    await app.close();
  }

  // A device with history, an image and usage.
  const baseUrl = await startEmulator(10);
  const home = mkdtempSync(path.join(os.tmpdir(), 'bailian-desk-shots-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const env = { BAILIAN_BASE_URL: baseUrl, DASHSCOPE_API_KEY: EMULATOR_KEY, BAILIAN_DESK_HOME: home };
  for (const prompt of ['How do I page through DashScope tasks?', '用中文介绍一下通义千问', 'Plan a product launch']) {
    cli(env, ['chat', prompt]);
  }
  cli(env, ['--demo', 'chat', 'A question answered by the offline demo']);
  cli(env, ['image', 'A lighthouse at dawn, watercolour']);
  cli(env, ['transcribe', '--url', 'https://example.invalid/weekly-call.wav']);
  // A chat whose reply calls a function and waits for its result (the newest, so opened first).
  const tools = path.join(home, 'tools.json');
  writeFileSync(
    tools,
    JSON.stringify([
      {
        name: 'get_weather',
        description: 'The weather forecast for a city on a given day.',
        parameters: { type: 'object', properties: { city: { type: 'string' }, date: { type: 'string' } }, required: ['city'] },
      },
    ]),
  );
  cli(env, ['chat', '--tools', tools, 'What will the weather be in Hangzhou tomorrow?']);

  const app = await openLiveApp(env, 30000);
  const { browser } = app;
  await click(browser, '[data-testid="conversation-item"]');
  await waitFor('the tool form', async () => (await browser.$('[data-testid="tool-form"]')).isExisting());
  await sleep(600);
  keep('chat-tools');
  await click(browser, '[data-testid="params-button"]');
  await waitFor('the parameters', async () => (await browser.$('[data-testid="param-tools-ok"]')).isExisting());
  await sleep(300);
  keep('params');
  await browser.keys('Escape');
  const items = await browser.$$('[data-testid="conversation-item"]');
  await browser.execute((el) => (el.querySelector('button') ?? el).click(), items[items.length - 1]);
  await waitFor('a reply', async () => (await browser.$$('[data-testid="message"]')).length > 1);
  await sleep(600);
  keep('chat');
  // Voice (scripts/test-microphone.sh gives the machine a microphone): a reply read aloud, then
  // push-to-talk held down while the tone is heard.
  const replies = await browser.$$('[data-testid="message"][data-role="assistant"]');
  await browser.execute((el) => el.querySelector('[data-testid="read-aloud"]').click(), replies[replies.length - 1]);
  await waitFor('reading aloud', async () => (await browser.$('[data-testid="speech-bar"]')).isExisting(), 20000);
  await sleep(400);
  keep('voice-read-aloud');
  await click(browser, '[data-testid="stop-reading"]');
  const mic = await browser.$('[data-testid="dictate-button"]');
  const pointer = (actions) => browser.performActions([{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions }]);
  // Pressed, then moved off the button (it holds the pointer until the release), so the button's
  // tooltip does not open: under Xvfb without compositing GTK draws it as a black box.
  await pointer([
    { type: 'pointerMove', origin: mic, x: 0, y: 0 },
    { type: 'pointerDown', button: 0 },
    { type: 'pointerMove', origin: 'viewport', x: 700, y: 150 },
  ]);
  await waitFor('recording', async () => (await mic.getAttribute('data-phase')) === 'recording');
  await sleep(1500);
  keep('voice-dictation');
  await pointer([{ type: 'pointerUp', button: 0 }]);
  await browser.releaseActions();
  const composer = await browser.$('[data-testid="composer-input"]');
  await waitFor('the dictated words', async () => (await composer.getValue()).includes('from the emulator.'), 20000);
  // Emptied as typing would (React's input event), for the screenshots that follow.
  await browser.execute((el) => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(el, '');
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, composer);
  await click(browser, '[data-testid="open-search"]');
  await (await browser.$('[data-testid="search-input"]')).setValue('DashScope');
  await waitFor('a hit', async () => (await browser.$$('[data-testid="search-hit"]')).length > 0);
  await sleep(300);
  keep('search');
  await browser.keys('Escape');
  for (const screen of ['images', 'usage', 'settings']) {
    await click(browser, `[data-testid="nav-${screen}"]`);
    await sleep(1500);
    keep(screen);
  }
  if (await (await browser.$('[data-testid="nav-meetings"]')).isExisting()) {
    await click(browser, '[data-testid="nav-meetings"]');
    await sleep(1000);
    keep('meetings');
    await click(browser, '[data-testid="meetings-tab-transcriptions"]');
    await click(browser, '[data-testid="transcription-item"]');
    await waitFor('the transcript', async () => (await browser.$('[data-testid="transcription-transcript"]')).isExisting(), 20000);
    await sleep(500);
    keep('transcriptions');
  }
  await click(browser, '[data-testid="nav-settings"]');
  await click(browser, '[data-testid="theme-dark"]');
  await click(browser, '[data-testid="nav-chat"]');
  await sleep(800);
  keep('chat-dark');
  await click(browser, '[data-testid="nav-settings"]');
  await click(browser, '[data-testid="language-zh-CN"]');
  await click(browser, '[data-testid="nav-chat"]');
  await sleep(800);
  keep('chat-dark-zh');
  await click(browser, '[data-testid="nav-settings"]');
  await click(browser, '[data-testid="theme-light"]');
  await click(browser, '[data-testid="nav-usage"]');
  await sleep(1200);
  keep('usage-zh');
  await click(browser, '[data-testid="nav-settings"]');
  await click(browser, '[data-testid="language-en"]');
  await app.close();

  // A protected device: the login screen.
  cli(env, ['profile', 'create', 'Ada'], 'a long password\n');
  const locked = await openApp(env);
  await waitFor('the login screen', async () => (await locked.browser.$('input[type="password"]')).isExisting(), 20000);
  await sleep(500);
  keep('login');
  await locked.close();
}

try {
  await main();
  cleanUp();
  process.exit(0);
} catch (error) {
  console.log(`screenshots: failed\n  ${error.stack ?? error}`);
  cleanUp();
  process.exit(1);
}

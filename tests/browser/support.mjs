// The harness of the browser tests: the mock build, a static server for it, Debian's Chromium
// through playwright-core, and the checks every screenshot gets.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
const dist = join(root, 'ui', 'dist-mock');
export const screenshots = process.env.BROWSER_SCREENSHOTS ?? join(here, 'screenshots');

/** Builds ui/dist-mock (the UI with the in-memory backend) unless told the build is fresh. */
export function buildMockUi() {
  if (process.env.BROWSER_TESTS_SKIP_BUILD === '1' && existsSync(join(dist, 'mock.html'))) return;
  execFileSync('npm', ['run', 'build:mock', '--workspace', 'ui', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
};

/** Serves dist-mock on a free loopback port; every page path is mock.html. */
export async function serveMockUi() {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    if (path === '/favicon.ico') return response.writeHead(204).end();
    const file = path.startsWith('/assets/') ? normalize(join(dist, path)) : join(dist, 'mock.html');
    if (!file.startsWith(dist)) return response.writeHead(403).end();
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      // A fake microphone (a beep) that needs no prompt, for dictation; audio may start unprompted.
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Top-level keys of the catalogues: a visible "settings.title" is a key that found no text. */
function catalogueNamespaces() {
  const keys = new Set();
  for (const file of ['en.json', 'screens.en.json']) {
    for (const key of Object.keys(JSON.parse(readFileSync(join(root, 'ui', 'src', 'i18n', file), 'utf8')))) keys.add(key);
  }
  return [...keys];
}
const UNTRANSLATED = new RegExp(`(?<![\\w./-])(?:${catalogueNamespaces().join('|')})\\.[a-z][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_]+)*\\b`, 'g');

/** Console errors and uncaught exceptions of a page, taken (and reset) by each check. */
export function watchConsole(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return { take: () => errors.splice(0, errors.length) };
}

/** Waits for two frames, so a resize or a theme switch has laid out and painted. */
export async function settle(page) {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/**
 * What must hold on every screen at every size: something to read as a heading, no catalogue key
 * on screen, nothing wider than the window (no element cut off by it, no sideways scrolling in a
 * vertical scroller), no errors in the console.
 */
export async function checkScreen(page, consoleWatch) {
  const problems = await page.evaluate((pattern) => {
    const SIDEWAYS_BY_DESIGN = 'pre, pre *, .katex-display, .katex-display *, table, [data-scroll-x]';
    const found = [];
    const width = document.documentElement.clientWidth;
    const name = (el) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}`;
    const visible = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true });

    const headings = [...document.querySelectorAll('h1, h2')].filter((h) => visible(h) && h.textContent.trim() !== '');
    if (headings.length === 0) found.push('no visible heading');

    const text = document.body.innerText;
    const keys = text.match(new RegExp(pattern, 'g'));
    if (keys) found.push(`untranslated keys on screen: ${[...new Set(keys)].join(', ')}`);

    for (const el of document.querySelectorAll('body *')) {
      if (!visible(el)) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const style = getComputedStyle(el);
      // A vertical scroller that also scrolls sideways: content wider than the window. Code,
      // formulas and tables scroll sideways by design.
      if (!el.matches(SIDEWAYS_BY_DESIGN) && /(auto|scroll)/.test(style.overflowY) && el.scrollWidth > el.clientWidth + 1 && el.clientHeight > 0) {
        found.push(`${name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
      }
      if (rect.right <= width + 1 && rect.left >= -1) continue;
      // Off the window: fine only inside something that clips or scrolls and itself fits.
      let contained = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') {
          const r = a.getBoundingClientRect();
          contained = r.right <= width + 1 && r.left >= -1;
          break;
        }
      }
      if (!contained) found.push(`${name(el)} sticks out of the window (${Math.round(rect.left)}…${Math.round(rect.right)} of ${width})`);
    }
    return [...new Set(found)].slice(0, 12);
  }, UNTRANSLATED.source);
  return [...problems, ...consoleWatch.take()];
}

export function ensureScreenshotFolder() {
  mkdirSync(screenshots, { recursive: true });
}

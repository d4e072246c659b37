// Every screen of the real UI, on the in-memory backend, in headless Chromium: at 1440, 768 and
// 360 px, light and dark, English and Chinese. Each view is checked (checkScreen) and saved under
// screenshots/ (a CI artifact). A few journeys run once, in English and light, to keep it quick.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildMockUi,
  checkScreen,
  ensureScreenshotFolder,
  launchChromium,
  screenshots,
  serveMockUi,
  settle,
  watchConsole,
} from './support.mjs';

const WIDTHS = [1440, 768, 360];
const HEIGHTS = { 1440: 900, 768: 1024, 360: 740 };
const LANGUAGES = ['en', 'zh-CN'];
const THEMES = ['light', 'dark'];
const PASSWORD = 'correct horse'; // MOCK_PASSWORD in ui/src/testing/mockBackend.ts

let browser;
let server;

before(async () => {
  buildMockUi();
  ensureScreenshotFolder();
  server = await serveMockUi();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A page in the given language and theme, its console watched. */
async function openPage(language, theme, query) {
  const context = await browser.newContext({
    locale: language,
    colorScheme: theme,
    viewport: { width: WIDTHS[0], height: HEIGHTS[WIDTHS[0]] },
    acceptDownloads: true,
    // No transitions: a drawer sliding shut would be caught half-way, and pictures would differ.
    reducedMotion: 'reduce',
  });
  await context.grantPermissions(['microphone']);
  const page = await context.newPage();
  const watch = watchConsole(page);
  await page.goto(`${server.url}/?${query}`);
  return { page, watch, close: () => context.close() };
}

/** Checks and photographs what is on screen at every width; returns the problems found. */
async function everyWidth(page, watch, name, language, theme, prepare = async () => {}) {
  const problems = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: HEIGHTS[width] });
    await settle(page);
    await prepare(width);
    await settle(page);
    for (const problem of await checkScreen(page, watch)) problems.push(`${name} at ${width}px: ${problem}`);
    await page.screenshot({ path: join(screenshots, `${name}-${width}-${theme}-${language}.png`) });
  }
  await page.setViewportSize({ width: WIDTHS[0], height: HEIGHTS[WIDTHS[0]] });
  return problems;
}

/** Through the workspace's own navigation; on narrow screens it sits in the drawer. */
async function openScreen(page, screen) {
  const nav = page.getByTestId(`nav-${screen}`);
  if (!(await nav.isVisible())) await page.locator('button[aria-controls="sidebar"]:visible').first().click();
  await nav.click();
}

for (const language of LANGUAGES) {
  for (const theme of THEMES) {
    const journeys = language === 'en' && theme === 'light';

    describe(`${language}, ${theme}`, () => {
      test('onboarding', async () => {
        const { page, watch, close } = await openPage(language, theme, 'scenario=first-run');
        try {
          await page.getByTestId('onboarding-profile').waitFor();
          const problems = await everyWidth(page, watch, 'onboarding', language, theme);
          if (journeys) {
            await page.getByTestId('profile-skip').click();
            await page.getByTestId('region-singapore').click();
            await page.getByTestId('region-beijing').click();
            await page.getByTestId('region-next').click();
            await page.getByTestId('api-key-input').fill('sk-browser000000000000cafe');
            await page.getByTestId('api-key-save').click();
            assert.equal(await page.getByTestId('api-key-input').count(), 0, 'the key form stays after saving');
            await page.getByTestId('connection-test').click();
            await page.getByTestId('connection-ok').waitFor();
            problems.push(...(await everyWidth(page, watch, 'onboarding-test', language, theme)));
            await page.getByTestId('onboarding-finish').click();
            await page.locator('[data-mode="live"][data-gate="ready"]').waitFor();
          }
          assert.deepEqual(problems, []);
        } finally {
          await close();
        }
      });

      test('login and lock', async () => {
        const { page, watch, close } = await openPage(language, theme, 'scenario=protected');
        try {
          await page.getByTestId('login-screen').waitFor();
          await page.getByTestId('login-password').fill('not the password');
          await page.getByTestId('login-submit').click();
          await page.getByTestId('login-error').waitFor();
          const problems = await everyWidth(page, watch, 'login', language, theme);
          await page.getByTestId('login-password').fill(PASSWORD);
          await page.getByTestId('login-submit').click();
          await page.locator('[data-gate="ready"]').waitFor();
          await page.keyboard.press('Control+L');
          await page.getByTestId('lock-screen').waitFor();
          problems.push(...(await everyWidth(page, watch, 'lock', language, theme)));
          await page.getByTestId('unlock-password').fill(PASSWORD);
          await page.getByTestId('unlock-submit').click();
          await page.locator('[data-gate="ready"]').waitFor();
          assert.deepEqual(problems, []);
        } finally {
          await close();
        }
      });

      describe('workspace', () => {
        let session;
        before(async () => {
          // A protected device: the settings then show the lock, sign-out and the profiles.
          session = await openPage(language, theme, 'scenario=protected&stream=4&imageStep=60');
          await session.page.getByTestId('login-password').fill(PASSWORD);
          await session.page.getByTestId('login-submit').click();
          await session.page.locator('[data-gate="ready"]').waitFor();
        });
        after(() => session.close());

        test('chat', async () => {
          const { page, watch } = session;
          await page.getByTestId('conversation-item').filter({ hasText: 'Bayes' }).click();
          await page.getByTestId('message').first().waitFor();
          const problems = await everyWidth(page, watch, 'chat', language, theme);
          if (journeys) {
            await page.getByTestId('composer-input').fill('Write a Python function for fizzbuzz');
            await page.getByTestId('composer-input').press('Enter');
            await page.getByText('The order of the checks matters').waitFor({ timeout: 15_000 });

            // Read one reply aloud, then stop it.
            const reply = page.locator('[data-testid="message"][data-role="assistant"]').last();
            await reply.hover();
            await reply.getByTestId('read-aloud').click();
            await page.getByTestId('speech-bar').waitFor();
            await reply.getByTestId('read-aloud').and(page.locator('[data-state="playing"]')).waitFor();
            problems.push(...(await checkScreen(page, watch)).map((p) => `reading aloud: ${p}`));
            await page.getByTestId('stop-reading').click();
            await page.getByTestId('speech-bar').waitFor({ state: 'detached' });

            // Push-to-talk with Chromium's fake microphone: hold, speak, let go; the words land in the composer.
            await page.getByTestId('new-chat').click();
            const mic = page.getByTestId('dictate-button');
            await mic.hover();
            await page.mouse.down();
            await page.locator('[data-testid="voice-status"][data-phase="recording"]').waitFor();
            await page.waitForTimeout(700);
            await page.mouse.up();
            await page.waitForFunction(() => document.querySelector('[data-testid="composer-input"]')?.value.includes('release notes'));

            // An assistant (a Bailian App) from the model list: its thoughts and documents come with the answer.
            await page.getByTestId('model-picker').selectOption({ label: 'HR policy helper' });
            assert.equal(await page.getByTestId('attach-button').count(), 0, 'assistants take no images');
            await page.getByTestId('composer-input').fill('How many days of annual leave do I get?');
            await page.getByTestId('composer-input').press('Enter');
            await page.getByText('section 4.2 of the Employee Handbook').waitFor({ timeout: 15_000 });
            await page.locator('[data-testid="message"][data-status="complete"][data-role="assistant"]').last().getByTestId('search-sources').waitFor();
            await page.screenshot({ path: join(screenshots, 'journey-assistant-1440-light-en.png') });
          }
          assert.deepEqual(problems, []);
        });

        test('tools and parameters', async () => {
          const { page, watch } = session;
          await openScreen(page, 'chat');
          await page.getByTestId('conversation-item').filter({ hasText: 'Weekend weather check' }).click();
          // Results given earlier are compact rows; the unanswered call offers its form.
          await page.getByTestId('tool-form').waitFor();
          assert.equal(await page.getByTestId('tool-result').count(), 2);
          const problems = await everyWidth(page, watch, 'chat-tools', language, theme, async () => {
            await page.getByTestId('tool-form').scrollIntoViewIfNeeded();
          });
          // The parameters panel with a function, JSON output and limits, and one wrong field.
          problems.push(
            ...(await everyWidth(page, watch, 'params-tools', language, theme, async () => {
              if (!(await page.getByTestId('params-panel').isVisible())) {
                await page.getByTestId('params-button').click();
                await page.getByTestId('param-tools-ok').waitFor();
                await page.getByTestId('param-json').check();
                await page.getByTestId('param-max-tokens').fill('999999');
                await page.getByTestId('param-stop-add').click();
                await page.getByTestId('param-stop').fill('\\n\\nUser:');
              }
            })),
          );
          assert.equal(await page.getByTestId('params-save').isDisabled(), true, 'a wrong field blocks saving');
          await page.keyboard.press('Escape');
          await page.getByTestId('params-panel').waitFor({ state: 'detached' });
          if (journeys) {
            const form = page.getByTestId('tool-form');
            await form.getByTestId('tool-result-input').fill('{"forecast":"sunny","high_c":28}');
            await form.getByTestId('tool-submit').click();
            await page.getByText('get_weather(Beijing, Sunday)').waitFor({ timeout: 15_000 });
            assert.equal(await page.getByTestId('tool-form').count(), 0, 'the answered calls offer no form');
            assert.equal(await page.getByTestId('tool-result').count(), 3);

            // A reply cut by max tokens says so and is continued in place.
            await page.getByTestId('new-chat').click();
            await page.getByTestId('params-button').click();
            await page.getByTestId('param-max-tokens').fill('6');
            await page.getByTestId('params-save').click();
            await page.getByTestId('composer-input').fill('Tell me something about tea');
            await page.getByTestId('composer-input').press('Enter');
            await page.getByTestId('length-notice').waitFor({ timeout: 15_000 });
            problems.push(...(await everyWidth(page, watch, 'chat-length', language, theme)));
            await page.getByTestId('length-continue').click();
            await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').last().waitFor();
          }
          assert.deepEqual(problems, []);
        });

        test('search palette', async () => {
          const { page, watch } = session;
          const problems = await everyWidth(page, watch, 'search', language, theme, async () => {
            if (!(await page.getByTestId('search-input').isVisible())) await page.keyboard.press('Control+K');
            await page.getByTestId('search-input').fill('quicksort');
            await page.getByTestId('search-hit').first().waitFor();
          });
          if (journeys) {
            // By meaning: the newest messages are indexed first, then found though the words differ.
            await page.getByTestId('search-mode-meaning').click();
            await page.getByTestId('semantic-index-now').click();
            await page.getByTestId('semantic-report').waitFor();
            await page.getByTestId('search-input').fill('sorting algorithm');
            await page.getByTestId('search-hit').filter({ hasText: 'Quicksort in Rust' }).first().waitFor();
            assert.ok((await page.getByTestId('search-similarity').count()) > 0, 'hits by meaning show their similarity');
            problems.push(...(await everyWidth(page, watch, 'search-meaning', language, theme)));
            await page.getByTestId('search-mode-exact').click();
          }
          await page.keyboard.press('Escape');
          assert.deepEqual(problems, []);
        });

        test('images', async () => {
          const { page, watch } = session;
          await openScreen(page, 'images');
          await page.locator('[data-screen="ImageStudio"] [data-testid="image-stored"] img').first().waitFor();
          if (journeys) {
            await page.getByTestId('image-prompt').fill('A lighthouse at dawn, oil painting');
            await page.getByTestId('image-count').selectOption('2');
            await page.getByTestId('image-create').click();
            await page.locator('[data-testid="image-task"][data-status="running"]').first().waitFor();
            await page.locator('[data-testid="image-task"]').first().and(page.locator('[data-status="succeeded"]')).waitFor();
          }
          if (journeys) {
            // Edit a stored picture with qwen-image-edit: it is shown as the task's input.
            await page.locator('[data-screen="ImageStudio"] [data-testid="image-edit"]').first().click();
            await page.locator('[data-testid="edit-input-preview"] img').waitFor();
            assert.equal(await page.getByTestId('image-model').inputValue(), 'qwen-image-edit');
            await page.getByTestId('image-prompt').fill('Add falling snow, keep everything else');
            await page.getByTestId('image-create').click();
            const edited = page.locator('[data-testid="image-task"]').first();
            await edited.and(page.locator('[data-status="succeeded"]')).waitFor();
            await edited.locator('[data-testid="image-task-input"] img').waitFor();
            await page.getByTestId('edit-clear').click();
          }
          // Every stored picture decoded (SVG and PNG alike); the last ones load lazily, once near.
          await page.locator('[data-screen="ImageStudio"] [data-testid="image-task"]').last().scrollIntoViewIfNeeded();
          await page.waitForFunction(() =>
            [...document.querySelectorAll('[data-screen="ImageStudio"] img')].every((img) => img.complete && img.naturalWidth > 0),
          );
          await page.evaluate(() => document.querySelector('[data-screen="ImageStudio"]').scrollTo(0, 0));
          const problems = await everyWidth(page, watch, 'images', language, theme);
          assert.deepEqual(problems, []);
        });

        test('meetings', async () => {
          const { page, watch } = session;
          await openScreen(page, 'meetings');
          // The meeting a restart interrupted is followed to its end first.
          await page.locator('[data-testid="meeting-view"][data-status="succeeded"] [data-testid="meeting-transcript"]').waitFor({ timeout: 15_000 });
          const problems = await everyWidth(page, watch, 'meetings', language, theme);
          if (journeys) {
            await page.getByTestId('meeting-url').fill('https://oss.example.com/recordings/roadmap-review.mp3');
            await page.getByTestId('meeting-submit').click();
            await page.locator('[data-testid="meeting-view"][data-status="running"]').waitFor();
            await page.getByTestId('meeting-progress').waitFor();
            await page.locator('[data-testid="meeting-view"][data-status="succeeded"] [data-testid="meeting-summary"]').waitFor({ timeout: 15_000 });
            assert.match(await page.locator('[data-testid="meeting-view"] h2').textContent(), /roadmap-review\.mp3/);
            await page.getByTestId('meeting-item').filter({ hasText: 'all-hands.wav' }).click();
            await page.getByTestId('meeting-error').waitFor();
            assert.match(await page.getByTestId('meeting-tingwu-code').textContent(), /TSC\.AudioFileLinkError/);
            problems.push(...(await everyWidth(page, watch, 'meetings-failed', language, theme)));
          }
          // URL transcriptions, beside the meetings: the job a restart interrupted is followed to its end.
          await page.getByTestId('meetings-tab-transcriptions').click();
          await page.locator('[data-testid="transcription-view"][data-status="succeeded"] [data-testid="transcription-transcript"]').waitFor({ timeout: 15_000 });
          problems.push(...(await everyWidth(page, watch, 'transcriptions', language, theme)));
          if (journeys) {
            await page.getByTestId('transcription-url').fill('https://oss.example.com/audio/product-podcast-ep13.mp3');
            await page.getByTestId('transcription-submit').click();
            await page.getByTestId('transcription-progress').waitFor();
            problems.push(...(await everyWidth(page, watch, 'transcriptions-running', language, theme)));
            await page.locator('[data-testid="transcription-view"][data-status="succeeded"]').waitFor({ timeout: 15_000 });
            assert.match(await page.locator('[data-testid="transcription-view"] h2').textContent(), /product-podcast-ep13\.mp3/);
            await page.getByTestId('transcription-item').filter({ hasText: 'board-call-403.wav' }).click();
            await page.getByTestId('transcription-error').waitFor();
            // A transcript starts a chat: the composer holds it.
            await page.getByTestId('transcription-item').filter({ hasText: 'product-podcast-ep12.mp3' }).click();
            await page.getByTestId('transcription-chat').click();
            await page.waitForFunction(() => document.querySelector('[data-testid="composer-input"]')?.value.includes('Welcome back to the product podcast.'));
            await page.getByTestId('composer-input').fill('');
            await openScreen(page, 'meetings');
          }
          await page.getByTestId('meetings-tab-meetings').click();
          assert.deepEqual(problems, []);
        });

        test('usage', async () => {
          const { page, watch } = session;
          await openScreen(page, 'usage');
          await page.locator('[data-screen="UsageCockpit"] canvas').nth(3).waitFor();
          if (journeys) {
            // Inside the app the core saves the file (the webview cannot download) and says where.
            await page.getByTestId('usage-csv').click();
            assert.match(
              await page.getByTestId('saved-path').textContent(),
              /Saved to \/home\/lin\/Downloads\/bailian-usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/,
            );
            await page.getByTestId('range-7d').click();
            await page.getByTestId('budget-edit').click();
            await page.getByTestId('budget-amount').fill('500');
            await page.getByTestId('budget-block').check();
            await page.getByTestId('budget-save').click();
            await page.getByTestId('budget-edit').waitFor();
          }
          const problems = await everyWidth(page, watch, 'usage', language, theme);
          assert.deepEqual(problems, []);
        });

        test('settings', async () => {
          const { page, watch } = session;
          await openScreen(page, 'settings');
          await page.getByTestId('key-status').waitFor();
          const problems = await everyWidth(page, watch, 'settings', language, theme);
          if (journeys) {
            // The theme choice overrides the system's, on <html>, and the colours follow it.
            const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
            const before = await background();
            await page.getByTestId('theme-dark').check();
            assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
            assert.notEqual(await background(), before);
            await page.getByTestId('theme-system').check();
            assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined);
            await page.getByTestId('language-zh-CN').check();
            await page.getByRole('heading', { level: 1, name: '设置' }).first().waitFor();
            await page.getByTestId('language-en').check();
            await page.getByRole('heading', { level: 1, name: 'Settings' }).first().waitFor();

            // Requests go to Singapore now: its key (none yet) is the one in use.
            await page.getByTestId('endpoint-region').selectOption('singapore');
            await page.getByTestId('endpoint-save').click();
            await page.getByTestId('endpoint-no-key').waitFor();
            assert.equal(await page.getByTestId('endpoint-base-url').textContent(), 'https://dashscope-intl.aliyuncs.com');
            await page.getByTestId('endpoint-region').selectOption('beijing');
            await page.getByTestId('endpoint-save').click();
            await page.getByTestId('endpoint-saved').waitFor();

            // An assistant added here is in the chat's model list.
            await page.getByTestId('assistant-app-id').fill('c0ffee42');
            await page.getByTestId('assistant-name').fill('Release helper');
            await page.getByTestId('assistant-add').click();
            await page.getByTestId('assistant-row').filter({ hasText: 'Release helper' }).waitFor();
            await openScreen(page, 'chat');
            assert.equal(await page.getByTestId('model-picker').locator('option', { hasText: 'Release helper' }).count(), 1);

            // Replies read aloud as they stream: the setting, then a reply whose audio plays while it arrives.
            await openScreen(page, 'settings');
            await page.getByLabel('Read replies aloud').check();
            await page.getByTestId('defaults-save').click();
            await openScreen(page, 'chat');
            await page.getByTestId('new-chat').click();
            await page.getByTestId('composer-input').fill('Tell me something about tea');
            await page.getByTestId('composer-input').press('Enter');
            await page.locator('[data-testid="speech-bar"][data-source="reply"]').waitFor();
            await page.getByTestId('stop-reading').click();
            await page.getByTestId('speech-bar').waitFor({ state: 'detached' });
          }
          assert.deepEqual(problems, []);
        });
      });
    });
  }
}

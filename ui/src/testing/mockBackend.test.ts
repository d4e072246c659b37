// @vitest-environment jsdom
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import deskSource from '../api/desk.ts?raw';
import * as desk from '../api/desk';
import type { DeskError, ImageTaskView, StreamUpdate } from '../api/types';
import { MOCK_PASSWORD, MockBackend, installMockBackend, streamPieces } from './mockBackend';

afterEach(() => {
  desk.setSessionToken(null);
  clearMocks();
});

describe('the mock backend', () => {
  it('answers every command desk.ts can send', () => {
    const commands = [...deskSource.matchAll(/[cC]all<[^(]*\('([a-z_]+)'/g)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThan(40);
    const backend = new MockBackend();
    const missing = commands.filter((cmd) => !(cmd in (backend as unknown as { commands: object }).commands));
    expect(missing).toEqual([]);
  });

  it('refuses profile calls without a session on a protected device, and expired ones', async () => {
    const backend = installMockBackend({ scenario: 'protected' });
    await expect(desk.appStatus()).rejects.toMatchObject({ code: 'session_required' });
    const device = await desk.deviceStatus();
    const session = await desk.login(device.profiles[0].id, MOCK_PASSWORD);
    desk.setSessionToken(session.token);
    await expect(desk.appStatus()).resolves.toMatchObject({ mode: 'live' });
    backend.expireSessions();
    await expect(desk.appStatus()).rejects.toMatchObject({ code: 'session_expired' });
  });

  it('throttles logins after repeated wrong passwords and says for how long', async () => {
    installMockBackend({ scenario: 'protected' });
    const [admin] = (await desk.deviceStatus()).profiles;
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(await desk.login(admin.id, 'nope').then(() => 'ok', (e: DeskError) => e.code));
    }
    expect(codes).toEqual(['wrong_password', 'wrong_password', 'wrong_password', 'wrong_password', 'login_throttled']);
    await expect(desk.login(admin.id, MOCK_PASSWORD)).rejects.toMatchObject({ code: 'login_throttled', retryAfterMs: expect.any(Number) as number });
  });

  it('streams a reply word by word through the channel, in order, and stores it', async () => {
    installMockBackend({ streamDelayMs: 0 });
    const updates: StreamUpdate[] = [];
    const outcome = await desk.sendMessage({ conversationId: null, prompt: 'Tell me about tea', model: 'qwen-plus' }, (u) => updates.push(u));
    expect(updates[0].type).toBe('started');
    expect(updates.at(-1)).toMatchObject({ type: 'finished', status: 'complete' });
    const text = updates.flatMap((u) => (u.type === 'delta' ? [u.text] : [])).join('');
    expect(updates.filter((u) => u.type === 'delta').length).toBeGreaterThan(10);
    const view = await desk.getConversation(outcome.conversationId);
    expect(view.messages.at(-1)?.content).toBe(text);
  });

  it('walks an image task through its statuses and stores its pictures', async () => {
    installMockBackend({ imageStepMs: 0 });
    const seen: ImageTaskView['task']['status'][] = [];
    const final = await desk.createImage({ model: null, prompt: 'a lighthouse', negativePrompt: null, size: null, n: 2, seed: 1 }, (v) => seen.push(v.task.status));
    expect(seen).toEqual(['submitting', 'pending', 'running', 'succeeded']);
    expect(final.images).toHaveLength(2);
    const data = await desk.imageData(final.images[1].id);
    expect(data.mime).toBe('image/png');
    expect(atob(data.base64).slice(1, 4)).toBe('PNG');
  });

  it('splits Chinese into pairs of characters and English into words', () => {
    expect(streamPieces('Hello big world')).toEqual(['Hello ', 'big ', 'world']);
    expect(streamPieces('你好世界')).toEqual(['你好', '世界']);
  });
});

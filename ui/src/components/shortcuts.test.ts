// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { matchShortcut, shortcutLabel } from './shortcuts';

function key(init: KeyboardEventInit, target: EventTarget = document.body): KeyboardEvent {
  const event = new KeyboardEvent('keydown', init);
  Object.defineProperty(event, 'target', { value: target });
  return event;
}

describe('matchShortcut', () => {
  it('knows the workspace shortcuts', () => {
    expect(matchShortcut(key({ key: 'n', ctrlKey: true }))).toBe('newChat');
    expect(matchShortcut(key({ key: 'K', metaKey: true }))).toBe('search');
    expect(matchShortcut(key({ key: 'Escape' }))).toBe('stop');
    expect(matchShortcut(key({ key: 'ArrowDown', ctrlKey: true, altKey: true }))).toBe('nextConversation');
    expect(matchShortcut(key({ key: 'PageUp', ctrlKey: true }))).toBe('previousConversation');
    expect(matchShortcut(key({ key: '3', ctrlKey: true }))).toBe('screenUsage');
    expect(matchShortcut(key({ key: '/', ctrlKey: true }))).toBe('help');
  });

  it('leaves plain keys to text fields, and Ctrl+L to the lock', () => {
    const input = document.createElement('textarea');
    expect(matchShortcut(key({ key: '?' }))).toBe('help');
    expect(matchShortcut(key({ key: '?' }, input))).toBeNull();
    expect(matchShortcut(key({ key: '/' }, input))).toBeNull();
    expect(matchShortcut(key({ key: 'l', ctrlKey: true }))).toBeNull();
    expect(matchShortcut(key({ key: 'a' }))).toBeNull();
  });

  it('writes combinations the way the platform does', () => {
    expect(shortcutLabel('Mod+Alt+ArrowDown')).toBe('Ctrl+Alt+↓');
  });
});

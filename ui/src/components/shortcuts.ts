/** The workspace's keyboard shortcuts: one list drives both the handler and the help sheet. */
export type ShortcutId =
  | 'newChat'
  | 'search'
  | 'stop'
  | 'nextConversation'
  | 'previousConversation'
  | 'screenChat'
  | 'screenImages'
  | 'screenUsage'
  | 'screenSettings'
  | 'screenMeetings'
  | 'focusComposer'
  | 'help';

export interface Shortcut {
  id: ShortcutId;
  /** Key combinations as written in the help sheet ("Mod" is Ctrl, or ⌘ on a Mac). */
  keys: string[];
}

// Chosen to stay clear of what WebKit and the desktops take: no Ctrl+W/T/R (window, tab, reload),
// no Ctrl+Tab (focus), no Ctrl+Alt+←/→ (GNOME switches workspaces); Ctrl+L locks the app.
export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'newChat', keys: ['Mod+N'] },
  { id: 'search', keys: ['Mod+K'] },
  { id: 'stop', keys: ['Escape'] },
  { id: 'nextConversation', keys: ['Mod+Alt+ArrowDown', 'Ctrl+PageDown'] },
  { id: 'previousConversation', keys: ['Mod+Alt+ArrowUp', 'Ctrl+PageUp'] },
  { id: 'screenChat', keys: ['Mod+1'] },
  { id: 'screenImages', keys: ['Mod+2'] },
  { id: 'screenUsage', keys: ['Mod+3'] },
  { id: 'screenSettings', keys: ['Mod+4'] },
  { id: 'screenMeetings', keys: ['Mod+5'] },
  { id: 'focusComposer', keys: ['/'] },
  { id: 'help', keys: ['?', 'Mod+/'] },
];

/** Keys listed in the help sheet but handled elsewhere: by the composer, or by the app (lock). */
export const OTHER_KEYS: readonly { id: 'send' | 'newline' | 'dictate' | 'lock'; keys: string[] }[] = [
  { id: 'send', keys: ['Enter'] },
  { id: 'newline', keys: ['Shift+Enter'] },
  { id: 'dictate', keys: ['Mod+Shift+M'] },
  { id: 'lock', keys: ['Mod+L'] },
];

function isMac(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

const KEY_NAMES: Record<string, string> = {
  ArrowDown: '↓',
  ArrowUp: '↑',
  Escape: 'Esc',
  PageDown: 'PgDn',
  PageUp: 'PgUp',
};

/** "Mod+Alt+ArrowDown" → "Ctrl+Alt+↓" (or "⌘⌥↓" on a Mac). */
export function shortcutLabel(keys: string): string {
  const mac = isMac();
  const parts = keys.split('+').map((part) => {
    if (part === 'Mod') return mac ? '⌘' : 'Ctrl';
    if (part === 'Alt') return mac ? '⌥' : 'Alt';
    if (part === 'Shift') return mac ? '⇧' : 'Shift';
    if (part === 'Ctrl') return mac ? '⌃' : 'Ctrl';
    return KEY_NAMES[part] ?? part;
  });
  return mac ? parts.join('') : parts.join('+');
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Which shortcut a key press is, if any. */
export function matchShortcut(event: KeyboardEvent): ShortcutId | null {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (event.key === 'Escape') return 'stop';
  if (mod && event.altKey && !event.shiftKey) {
    if (key === 'ArrowDown') return 'nextConversation';
    if (key === 'ArrowUp') return 'previousConversation';
    return null;
  }
  if (event.ctrlKey && !event.altKey && !event.shiftKey) {
    if (key === 'PageDown') return 'nextConversation';
    if (key === 'PageUp') return 'previousConversation';
  }
  if (mod && !event.altKey && !event.shiftKey) {
    switch (key) {
      case 'n':
        return 'newChat';
      case 'k':
        return 'search';
      case '/':
        return 'help';
      case '1':
        return 'screenChat';
      case '2':
        return 'screenImages';
      case '3':
        return 'screenUsage';
      case '4':
        return 'screenSettings';
      case '5':
        return 'screenMeetings';
    }
  }
  if (!mod && !event.altKey && !isTyping(event.target)) {
    if (key === '?') return 'help';
    if (key === '/') return 'focusComposer';
  }
  return null;
}

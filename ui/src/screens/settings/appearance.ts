import type { Settings, Theme } from '../../api/types';
import i18n, { detectLanguage, type Language } from '../../i18n';

export function resolveLanguage(setting: Settings['language']): Language {
  return setting === 'system' ? detectLanguage(navigator.language) : setting;
}

export function applyLanguage(setting: Settings['language']): Promise<unknown> {
  return i18n.changeLanguage(resolveLanguage(setting));
}

/** `system` removes the attribute so the stylesheet follows `prefers-color-scheme`. */
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

/** A profile's language and theme, applied when it signs in. */
export function applyAppearance(settings: Pick<Settings, 'language' | 'theme'>): Promise<unknown> {
  applyTheme(settings.theme);
  return applyLanguage(settings.language);
}

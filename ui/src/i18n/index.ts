import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import screensEn from './screens.en.json';
import screensZh from './screens.zh.json';
import zh from './zh.json';

// Two catalogues per language (chat and shell; the other screens), so that work on different
// screens does not edit one file. Their top-level keys never overlap (catalogues.test.ts).
export const catalogues = {
  en: { ...en, ...screensEn },
  'zh-CN': { ...zh, ...screensZh },
} as const;

export const resources = {
  en: { translation: catalogues.en },
  'zh-CN': { translation: catalogues['zh-CN'] },
} as const;

export type Language = keyof typeof resources;

/** Chinese for any zh-* system language (the app's home market), English otherwise. */
export function detectLanguage(browserLanguage: string | undefined): Language {
  return browserLanguage?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function otherLanguage(language: string): Language {
  return language === 'zh-CN' ? 'en' : 'zh-CN';
}

const i18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources,
  lng: detectLanguage(typeof navigator === 'undefined' ? undefined : navigator.language),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React already escapes.
  initAsync: false, // Bundled resources: be ready before the first render.
});

const syncDocumentLanguage = (language: string) => {
  if (typeof document === 'undefined') return;
  document.documentElement.lang = language;
  document.title = i18n.t('app.name');
};
syncDocumentLanguage(i18n.language);
i18n.on('languageChanged', syncDocumentLanguage);

export default i18n;

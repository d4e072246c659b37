import 'i18next';
import type en from './en.json';
import type screensEn from './screens.en.json';

// Makes t() reject keys that are missing from the English catalogue at compile time.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en & typeof screensEn };
  }
}

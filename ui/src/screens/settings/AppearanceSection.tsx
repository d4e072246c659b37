import { useTranslation } from 'react-i18next';
import type { Settings, Theme } from '../../api/types';
import { Section } from '../common/ui';
import { applyLanguage, applyTheme } from './appearance';

const LANGUAGES: Settings['language'][] = ['system', 'en', 'zh-CN'];
const THEMES: Theme[] = ['system', 'light', 'dark'];

interface Props {
  settings: Settings;
  onChange: (patch: Partial<Settings>) => void;
}

/** Applied at once, then kept with the profile so it follows the profile in at the next login. */
export function AppearanceSection({ settings, onChange }: Props) {
  const { t } = useTranslation();
  return (
    <Section id="appearance" title={t('settings.appearance.title')}>
      <fieldset className="sc-radio-row" data-testid="language-choice">
        <legend>{t('settings.appearance.language')}</legend>
        {LANGUAGES.map((language) => (
          <label key={language} className="sc-check">
            <input
              type="radio"
              name="language"
              checked={settings.language === language}
              data-testid={`language-${language}`}
              onChange={() => {
                void applyLanguage(language);
                onChange({ language });
              }}
            />
            {/* Each language names itself, so it can be found whatever the current one is. */}
            <span lang={language === 'system' ? undefined : language}>{t(`settings.appearance.languages.${language}`)}</span>
          </label>
        ))}
      </fieldset>
      <fieldset className="sc-radio-row" data-testid="theme-choice">
        <legend>{t('settings.appearance.theme')}</legend>
        {THEMES.map((theme) => (
          <label key={theme} className="sc-check">
            <input
              type="radio"
              name="theme"
              checked={settings.theme === theme}
              data-testid={`theme-${theme}`}
              onChange={() => {
                applyTheme(theme);
                onChange({ theme });
              }}
            />
            <span>{t(`settings.appearance.themes.${theme}`)}</span>
          </label>
        ))}
      </fieldset>
    </Section>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getSettings, updateSettings } from '../api/desk';
import type { DeskError, Settings } from '../api/types';
import { useSession } from '../state/sessionContext';
import { rememberVoiceSettings } from '../voice/voicePreferences';
import { ScreenHeader } from './common/ui';
import type { ScreenProps } from './screenProps';
import { AppearanceSection } from './settings/AppearanceSection';
import { AssistantsSection } from './settings/AssistantsSection';
import { DataSection } from './settings/DataSection';
import { DefaultsSection } from './settings/DefaultsSection';
import { KeysSection } from './settings/KeysSection';
import { ProfileSection } from './settings/ProfileSection';
import { ProfilesAdmin } from './settings/ProfilesAdmin';
import { SyncSection } from './settings/SyncSection';
import './screens.css';

const SECTIONS = ['profile', 'profiles', 'keys', 'defaults', 'appearance', 'assistants', 'data', 'sync'] as const;

/** The profile, keys, defaults, appearance and data; sync once the server exists. */
export function SettingsScreen({ notify }: ScreenProps) {
  const { t } = useTranslation();
  const control = useSession();
  const [settings, setSettings] = useState<Settings | null>(null);
  const latest = useRef<Settings | null>(null);

  useEffect(() => {
    let live = true;
    getSettings().then(
      (s) => {
        if (!live) return;
        latest.current = s;
        setSettings(s);
        rememberVoiceSettings(s);
      },
      (error: DeskError) => live && notify(error),
    );
    return () => {
      live = false;
    };
  }, [notify]);

  // Changes are applied at once and saved whole; a failed save puts the last saved state back.
  const save = useCallback(
    async (patch: Partial<Settings>) => {
      const before = latest.current;
      if (!before) return false;
      const next = { ...before, ...patch };
      latest.current = next;
      setSettings(next);
      try {
        const stored = await updateSettings(next);
        latest.current = stored;
        setSettings(stored);
        // The chat reads replies aloud (or stops) from the next send on.
        rememberVoiceSettings(stored);
        return true;
      } catch (error) {
        latest.current = before;
        setSettings(before);
        notify(error as DeskError);
        return false;
      }
    },
    [notify],
  );

  // Other profiles only make sense on a protected device: until then the first one created takes
  // over this profile's data (that is onboarding's job, or setting a password here).
  const admin = control?.session.profile.role === 'admin' && control.device.protected;
  const shown = SECTIONS.filter((s) => (s === 'profile' ? control !== null : s === 'profiles' ? admin : true));

  return (
    <section className="screen sc-screen" data-screen="SettingsScreen" aria-labelledby="settings-title">
      <div className="sc-screen-inner sc-settings">
        <ScreenHeader id="settings-title" title={t('settings.title')} />
        <nav className="sc-toc" aria-label={t('settings.sections')}>
          {shown.map((s) => (
            <a key={s} href={`#${s}-title`}>
              {t(`settings.toc.${s}`)}
            </a>
          ))}
        </nav>
        {control ? <ProfileSection control={control} /> : null}
        {control && admin ? <ProfilesAdmin control={control} notify={notify} /> : null}
        <KeysSection control={control} notify={notify} />
        {settings ? (
          <>
            <DefaultsSection
              settings={settings}
              fallbackModels={control?.status.models ?? []}
              notify={notify}
              onSave={save}
            />
            <AppearanceSection settings={settings} onChange={(patch) => void save(patch)} />
          </>
        ) : null}
        <AssistantsSection notify={notify} />
        <DataSection dataDir={control?.status.dataDir ?? control?.device.dataDir ?? null} notify={notify} />
        <SyncSection />
      </div>
    </section>
  );
}

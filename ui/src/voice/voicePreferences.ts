import { useEffect, useSyncExternalStore } from 'react';
import { getSettings } from '../api/desk';
import type { Settings } from '../api/types';

/** The profile's voice settings, as the chat needs them at every send. */
export interface VoicePreferences {
  /** Read replies aloud as they stream. */
  readAloud: boolean;
  /** CosyVoice voice; null for the core's default. */
  voice: string | null;
}

const defaults: VoicePreferences = { readAloud: false, voice: null };
let state: VoicePreferences = defaults;
let loaded: Promise<void> | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The settings screen hands every saved (or loaded) copy here, so the chat follows at once. */
export function rememberVoiceSettings(settings: Pick<Settings, 'readAloud' | 'voice'>): void {
  if (settings.readAloud === state.readAloud && settings.voice === state.voice) return;
  state = { readAloud: settings.readAloud, voice: settings.voice };
  for (const listener of listeners) listener();
}

/** Reads the settings once per sign-in; a failure keeps the defaults (reading aloud off). */
function load(): Promise<void> {
  loaded ??= getSettings().then(rememberVoiceSettings, () => undefined);
  return loaded;
}

/** Forgets what was loaded (sign-out, another profile, tests). */
export function resetVoicePreferences(): void {
  loaded = null;
  state = defaults;
  for (const listener of listeners) listener();
}

export function voicePreferences(): VoicePreferences {
  return state;
}

export function useVoicePreferences(): VoicePreferences {
  useEffect(() => {
    void load();
  }, []);
  return useSyncExternalStore(subscribe, voicePreferences, voicePreferences);
}

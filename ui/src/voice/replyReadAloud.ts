import type { ReadAloudHooks } from '../state/useChatSession';
import { beginReplySpeech, endReplySpeech, replySpeechChunk, stopSpeech } from './speechOutput';
import { voicePreferences } from './voicePreferences';

/** The chat's read-aloud: on when the profile's settings say so, played by the speech output. */
export const replyReadAloud: ReadAloudHooks = {
  voiceFor: () => {
    const preferences = voicePreferences();
    return preferences.readAloud ? preferences.voice : false;
  },
  onBegin: beginReplySpeech,
  onAudio: replySpeechChunk,
  onEnd: endReplySpeech,
  onStop: stopSpeech,
};

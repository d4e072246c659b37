import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { speak } from '../../api/desk';
import type { Message } from '../../api/types';
import { errorText } from '../../errors/errorText';
import { speakableText } from '../../voice/speakable';
import { dismissSpeechProblem, readMessage, stopSpeech, useSpeechOutput, type SpeechProblem } from '../../voice/speechOutput';
import { voicePreferences } from '../../voice/voicePreferences';
import { CloseIcon, SpeakerIcon, StopIcon } from '../icons';
import './voice.css';

/** Reads one reply aloud (speak → play), or stops it. */
export function ReadAloudButton({ message }: { message: Message }) {
  const { t } = useTranslation();
  const speech = useSpeechOutput();
  const preparing = speech.preparing === message.id;
  const playing = speech.source?.kind === 'message' && speech.source.messageId === message.id;
  const active = preparing || playing;
  const label = active ? t('voice.stopReading') : t('voice.readAloud');
  return (
    <button
      type="button"
      className="icon-button icon-button--small read-aloud"
      data-testid="read-aloud"
      data-state={playing ? 'playing' : preparing ? 'preparing' : 'idle'}
      aria-label={label}
      title={label}
      aria-pressed={active}
      aria-busy={preparing || undefined}
      onClick={() => {
        if (active) stopSpeech();
        else void readMessage(message.id, () => speak(speakableText(message.content), voicePreferences().voice));
      }}
    >
      {active ? <StopIcon /> : <SpeakerIcon />}
    </button>
  );
}

/** Above the composer while something is read aloud (or reading failed): what, and a stop. */
export function SpeechBar() {
  const { t } = useTranslation();
  const speech = useSpeechOutput();
  const { source, preparing, problem } = speech;

  if (problem && !source && !preparing) {
    return (
      <div className="speech-bar" role="alert" data-testid="speech-problem" data-problem={problem.kind}>
        <span className="speech-bar-text">{problemText(t, problem)}</span>
        <button type="button" className="icon-button icon-button--small" aria-label={t('voice.dismiss')} onClick={dismissSpeechProblem}>
          <CloseIcon />
        </button>
      </div>
    );
  }
  if (!source && !preparing) return null;
  return (
    <div className="speech-bar" role="status" data-testid="speech-bar" data-source={source?.kind ?? 'preparing'}>
      <span className="speech-bar-text">
        <span className="speech-wave" aria-hidden="true">
          <span />
          <span />
          <span />
        </span>
        {preparing ? t('voice.preparing') : source?.kind === 'reply' ? t('voice.readingReply') : t('voice.reading')}
      </span>
      <button type="button" className="secondary-button" data-testid="stop-reading" onClick={stopSpeech}>
        <StopIcon />
        {t('voice.stopReading')}
      </button>
    </div>
  );
}

function problemText(t: TFunction, problem: SpeechProblem): string {
  switch (problem.kind) {
    case 'unsupported':
      return t('voice.unsupported');
    case 'playback':
      return t('voice.playback');
    case 'speech':
      return t('voice.speechFailed', { reason: errorText(t, problem.error.code).title });
  }
}

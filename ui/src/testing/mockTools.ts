// The mock backend's tool calls, JSON answers, file transcriptions and live recognition: canned,
// but following the rules the UI relies on (parallel calls, results in order, statuses in order,
// partials revised before a sentence settles).
import type { Channel } from '@tauri-apps/api/core';
import type {
  ChatParams,
  DeskError,
  LiveTranscriptEvent,
  ToolCall,
  Transcript,
  TranscriptionJob,
  TranscriptSentence,
} from '../api/types';
import { DAY_MS, mockId } from './mockData';

const CITIES: [RegExp, string][] = [
  [/hangzhou|杭州/i, 'Hangzhou'],
  [/shanghai|上海/i, 'Shanghai'],
  [/beijing|北京/i, 'Beijing'],
  [/shenzhen|深圳/i, 'Shenzhen'],
  [/singapore|新加坡/i, 'Singapore'],
];

let callCounter = 0;
const callId = () => `call_${(++callCounter).toString(36).padStart(6, '0')}`;

/**
 * The calls a model with these tools makes for this prompt: a weather question gets one call per
 * city it names (two, in parallel, when it names none or one); a forced function is always called.
 */
export function toolCallsFor(prompt: string, params: ChatParams): ToolCall[] {
  if (params.tools.length === 0 || params.toolChoice === 'none') return [];
  const forced = params.toolChoice !== null && typeof params.toolChoice === 'object' ? params.toolChoice.function : null;
  const weather = /weather|forecast|天气/i.test(prompt);
  if (!forced && !weather) return [];
  const name = forced ?? (params.tools.find((t) => /weather/i.test(t.name)) ?? params.tools[0]).name;
  const named = CITIES.filter(([pattern]) => pattern.test(prompt)).map(([, city]) => city);
  const cities = named.length >= 2 ? named : [...new Set([...named, 'Hangzhou', 'Shanghai'])].slice(0, 2);
  const date = /tomorrow|明天/i.test(prompt) ? 'tomorrow' : 'today';
  if (forced && !weather) return [{ id: callId(), name, arguments: JSON.stringify({ query: prompt.slice(0, 80) }) }];
  return cities.map((city) => ({ id: callId(), name, arguments: JSON.stringify({ city, date }) }));
}

/** The model's answer once it has the results of its calls. */
export function toolAnswer(run: { call: ToolCall; content: string }[]): string {
  if (run.length === 0) return 'I have nothing to go on yet.';
  const lines = run.map(({ call, content }) => {
    let args = '';
    try {
      args = Object.values(JSON.parse(call.arguments) as Record<string, unknown>).map(String).join(', ');
    } catch {
      args = call.arguments;
    }
    const said = content.trim().length > 160 ? `${content.trim().slice(0, 160)}…` : content.trim();
    return `- **${call.name}(${args})**: ${said || '(empty)'}`;
  });
  return `Here is what the ${run.length === 1 ? 'call' : `${run.length} calls`} returned:\n\n${lines.join('\n')}\n\nTell me if you want me to plan around it.`;
}

/** A reply as the JSON object `response_format: json_object` asks for. */
export function jsonAnswer(prompt: string, text: string): string {
  const plain = text.replace(/```[\s\S]*?```/g, '').replace(/\s+/g, ' ').trim();
  return JSON.stringify({ question: prompt.trim().slice(0, 120), answer: plain.slice(0, 240), language: /[\u4e00-\u9fff]/.test(plain) ? 'zh' : 'en' }, null, 2);
}

// --- file transcription -----------------------------------------------------------------------

const PODCAST: TranscriptSentence[] = [
  { text: 'Welcome back to the product podcast.', beginMs: 0, endMs: 2600 },
  { text: 'This week we talk about shipping the desktop client for Bailian.', beginMs: 2600, endMs: 6900 },
  { text: 'The biggest change is live dictation straight from the microphone.', beginMs: 6900, endMs: 11_200 },
  { text: 'We also moved long recordings to URL transcription, which survives a restart.', beginMs: 11_200, endMs: 16_400 },
];

const INTERVIEW: TranscriptSentence[] = [
  { text: '大家好，今天我们聊一聊用户访谈的结果。', beginMs: 0, endMs: 3100 },
  { text: '多数用户希望离线也能查看历史对话。', beginMs: 3100, endMs: 6200 },
  { text: '语音输入的准确率是大家最关心的问题。', beginMs: 6200, endMs: 9400 },
];

/** The transcript of a recording, chosen by its name. */
export function transcriptFor(fileUrl: string): Transcript {
  const sentences = /interview|访谈|zh/i.test(fileUrl) ? INTERVIEW : PODCAST;
  const joiner = sentences === INTERVIEW ? '' : ' ';
  const last = sentences[sentences.length - 1];
  return { model: 'paraformer-v2', text: sentences.map((s) => s.text).join(joiner), sentences, durationSeconds: (last.endMs ?? 0) / 1000 };
}

export function seedTranscriptions(now: number): TranscriptionJob[] {
  const job = (daysAgo: number, fileUrl: string, patch: Partial<TranscriptionJob>): TranscriptionJob => {
    const at = now - daysAgo * DAY_MS;
    return {
      id: mockId(at),
      fileUrl,
      model: 'paraformer-v2',
      taskId: `asr-${Math.round(at).toString(16).slice(-8)}`,
      status: 'succeeded',
      errorCode: null,
      dashscopeCode: null,
      errorMessage: null,
      transcript: null,
      createdAt: at,
      updatedAt: at + 60_000,
      ...patch,
    };
  };
  return [
    // Interrupted by a restart while Paraformer worked on it: resumed when the screen opens.
    job(0.01, 'https://oss.example.com/audio/user-interview-zh.mp3', { status: 'running' }),
    job(1, 'https://oss.example.com/audio/product-podcast-ep12.mp3', { transcript: transcriptFor('podcast') }),
    job(3, 'https://oss.example.com/private/board-call-403.wav', {
      status: 'failed',
      errorCode: 'bad_request',
      dashscopeCode: 'FILE_DOWNLOAD_FAILED',
      errorMessage: 'The audio file could not be downloaded from its URL (HTTP 403).',
    }),
  ];
}

// --- live recognition -------------------------------------------------------------------------

export interface LiveScript {
  /** Each sentence as the pieces heard one after another (100 ms of audio each). */
  sentences: string[][];
  joiner: string;
}

const words = (sentence: string) => sentence.split(/(?<= )/);

export const LIVE_SCRIPTS: Record<'en' | 'zh', LiveScript> = {
  en: {
    sentences: [words('Remind me to send the release notes to the team on Friday.'), words('Also book a room for the review.')],
    joiner: ' ',
  },
  zh: {
    sentences: [['今天', '下午', '三点', '开会，'], ['讨论', '新版本的', '发布', '计划。']],
    joiner: '',
  },
};

export interface LiveSession {
  sampleRate: number;
  channel: Channel<LiveTranscriptEvent>;
  script: LiveScript;
  bytes: number;
  sentenceIndex: number;
  /** Pieces of the current sentence heard so far. */
  pieces: number;
  sentenceBeganMs: number;
  sentences: TranscriptSentence[];
  /** A fault switch: the session fails after its first settled sentence. */
  failure: DeskError | null;
  over: boolean;
}

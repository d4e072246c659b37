import type { MeetingRecord, MeetingSentence } from '../../api/types';

/** 754000 → "12:34"; 3754000 → "1:02:34". */
export function formatTimestamp(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
}

/** A recording's name as people recognise it: the last part of its URL, decoded. */
export function meetingTitle(fileUrl: string): string {
  try {
    const url = new URL(fileUrl);
    const last = url.pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : url.host;
  } catch {
    return fileUrl;
  }
}

/** Tingwu fetches the recording itself: only a public http(s) address will do. */
export function isRecordingUrl(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.host !== '';
  } catch {
    return false;
  }
}

export const MEETING_IN_FLIGHT: MeetingRecord['status'][] = ['submitting', 'running'];

/** One speaker's consecutive sentences. */
export interface Turn {
  speaker: string | null;
  beginMs: number;
  endMs: number;
  sentences: MeetingSentence[];
}

export function turnsOf(sentences: readonly MeetingSentence[]): Turn[] {
  const turns: Turn[] = [];
  for (const sentence of sentences) {
    const last = turns[turns.length - 1];
    if (last && last.speaker === sentence.speaker) {
      last.sentences.push(sentence);
      last.endMs = sentence.endMs;
    } else {
      turns.push({ speaker: sentence.speaker, beginMs: sentence.beginMs, endMs: sentence.endMs, sentences: [sentence] });
    }
  }
  return turns;
}

/** The record's part of a meeting (what the list shows). */
export function recordOf(meeting: MeetingRecord): MeetingRecord {
  const { id, dataId, fileUrl, status, errorCode, dashscopeCode, errorMessage, summary, keywords, durationMs } = meeting;
  const { sentenceCount, chapterCount, actionCount, createdAt, updatedAt } = meeting;
  return {
    id,
    dataId,
    fileUrl,
    status,
    errorCode,
    dashscopeCode,
    errorMessage,
    summary,
    keywords,
    durationMs,
    sentenceCount,
    chapterCount,
    actionCount,
    createdAt,
    updatedAt,
  };
}

/** Newest first; a report replaces the record's older one (never a newer one) or goes on top.
 * For meetings and URL transcriptions alike. */
export function upsertRecord<R extends { id: string; updatedAt: number }>(records: readonly R[], record: R): R[] {
  const at = records.findIndex((r) => r.id === record.id);
  if (at < 0) return [record, ...records];
  if (records[at].updatedAt > record.updatedAt) return records as R[];
  const next = records.slice();
  next[at] = record;
  return next;
}

/** The status badge's colour for a meeting or a transcription: done, failed, or in flight. */
export function statusClass(status: string): 'succeeded' | 'failed' | 'running' {
  return status === 'succeeded' ? 'succeeded' : status === 'failed' ? 'failed' : 'running';
}

import type { TFunction } from 'i18next';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeskError, Meeting, MeetingRecord } from '../../api/types';
import { saveText } from '../common/download';
import { formatDateTime } from '../common/format';
import { Problem } from '../common/ui';
import { formatTimestamp, MEETING_IN_FLIGHT, meetingTitle, statusClass, turnsOf, type Turn } from './format';
import { RecordingFailure } from './RecordingFailure';

interface Props {
  /** The list's record: its status is the freshest. */
  record: MeetingRecord;
  /** Everything stored for it, once read. */
  meeting: Meeting | null;
  error: DeskError | null;
  notify: (error: DeskError) => void;
}

/** One meeting: its summary, keywords, chapters, action items and transcript, or why it failed. */
export function MeetingView({ record, meeting, error, notify }: Props) {
  const { t, i18n } = useTranslation();
  const inFlight = MEETING_IN_FLIGHT.includes(record.status);
  const transcript = useRef<HTMLOListElement>(null);
  const [jumped, setJumped] = useState<number | null>(null);
  const [savedPath, setSavedPath] = useState<string | null>(null);
  const turns = useMemo(() => (meeting ? turnsOf(meeting.sentences) : []), [meeting]);
  // Speakers are numbered in the order they first speak, the way people would refer to them.
  const speakers = useMemo(() => {
    const order = new Map<string, number>();
    for (const turn of turns) if (turn.speaker !== null && !order.has(turn.speaker)) order.set(turn.speaker, order.size + 1);
    return order;
  }, [turns]);

  const jumpTo = (ms: number) => {
    const at = turns.findIndex((turn) => turn.endMs > ms);
    if (at < 0) return;
    const row = transcript.current?.children[at] as HTMLElement | undefined;
    row?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    row?.focus({ preventScroll: true });
    setJumped(at);
  };

  const speakerName = (turn: Turn) =>
    turn.speaker === null ? t('meetings.view.unknownSpeaker') : t('meetings.view.speaker', { n: speakers.get(turn.speaker) ?? turn.speaker });

  const exportMarkdown = async () => {
    if (!meeting) return;
    try {
      const name = `meeting-${new Date(meeting.createdAt).toISOString().slice(0, 10)}-${meeting.id.slice(-6)}.md`;
      setSavedPath(await saveText(name, meetingMarkdown(meeting, speakerName, t), 'text/markdown;charset=utf-8'));
    } catch (reason) {
      notify(reason as DeskError);
    }
  };

  return (
    <article className="sc-card mt-view" data-testid="meeting-view" data-status={record.status} aria-labelledby="meeting-view-title" aria-busy={inFlight || undefined}>
      <header className="mt-view-head">
        <h2 id="meeting-view-title" className="sc-section-title mt-view-title">
          {meetingTitle(record.fileUrl)}
        </h2>
        <span className={`sc-status sc-status--${statusClass(record.status)}`} data-testid="meeting-status">
          {t(`meetings.status.${record.status}`)}
        </span>
      </header>
      <p className="sc-fine">
        <span className="sc-mono">{record.fileUrl}</span>
      </p>
      <dl className="sc-params">
        <div>
          <dt>{t('meetings.view.created')}</dt>
          <dd>{formatDateTime(record.createdAt, i18n.language)}</dd>
        </div>
        {record.durationMs !== null ? (
          <div>
            <dt>{t('meetings.view.duration')}</dt>
            <dd>{formatTimestamp(record.durationMs)}</dd>
          </div>
        ) : null}
        {record.status === 'succeeded' ? (
          <div>
            <dt>{t('meetings.view.sentences')}</dt>
            <dd>{record.sentenceCount}</dd>
          </div>
        ) : null}
      </dl>

      {inFlight ? (
        <div className="mt-progress" data-testid="meeting-progress">
          <div className="sc-progress" role="progressbar" aria-label={t(`meetings.status.${record.status}`)} aria-valuetext={t(`meetings.progress.${record.status as 'submitting' | 'running'}`)}>
            <span />
          </div>
          <p className="sc-muted" role="status">
            {t(`meetings.progress.${record.status as 'submitting' | 'running'}`)}
          </p>
        </div>
      ) : null}

      {record.status === 'failed' ? <RecordingFailure kind="meeting" job={record} /> : null}
      {error ? <Problem error={error} /> : null}

      {record.status === 'succeeded' && !meeting && !error ? (
        <p className="sc-muted" role="status">
          {t('meetings.view.loading')}
        </p>
      ) : null}

      {meeting && record.status === 'succeeded' ? (
        <>
          <div className="sc-actions">
            <button type="button" className="sc-button sc-button--small" data-testid="meeting-export" onClick={() => void exportMarkdown()}>
              {t('meetings.view.export')}
            </button>
            {savedPath ? (
              <span className="sc-fine" role="status" data-testid="saved-path">
                {t('files.savedTo', { path: savedPath })}
              </span>
            ) : null}
          </div>
          {meeting.summary ? (
            <section className="mt-part" aria-labelledby="meeting-summary">
              <h3 id="meeting-summary" className="sc-subtitle">
                {t('meetings.view.summary')}
              </h3>
              <p className="mt-summary" data-testid="meeting-summary">
                {meeting.summary}
              </p>
            </section>
          ) : null}
          {meeting.keywords.length > 0 ? (
            <section className="mt-part" aria-labelledby="meeting-keywords">
              <h3 id="meeting-keywords" className="sc-subtitle">
                {t('meetings.view.keywords')}
              </h3>
              <ul className="mt-keywords" data-testid="meeting-keywords">
                {meeting.keywords.map((keyword) => (
                  <li key={keyword} className="sc-chip">
                    {keyword}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {meeting.chapters.length > 0 ? (
            <section className="mt-part" aria-labelledby="meeting-chapters">
              <h3 id="meeting-chapters" className="sc-subtitle">
                {t('meetings.view.chapters')}
              </h3>
              <ol className="mt-chapters" data-testid="meeting-chapters">
                {meeting.chapters.map((chapter, i) => (
                  <li key={`${chapter.beginMs}-${i}`} className="mt-chapter">
                    <button
                      type="button"
                      className="mt-time"
                      aria-label={t('meetings.view.jumpTo', { time: formatTimestamp(chapter.beginMs) })}
                      onClick={() => jumpTo(chapter.beginMs)}
                    >
                      {formatTimestamp(chapter.beginMs)}–{formatTimestamp(chapter.endMs)}
                    </button>
                    <div className="mt-chapter-text">
                      <p className="mt-chapter-title">{chapter.title}</p>
                      {chapter.summary ? <p className="sc-fine">{chapter.summary}</p> : null}
                    </div>
                  </li>
                ))}
              </ol>
            </section>
          ) : null}
          {meeting.actions.length > 0 ? (
            <section className="mt-part" aria-labelledby="meeting-actions">
              <h3 id="meeting-actions" className="sc-subtitle">
                {t('meetings.view.actions')}
              </h3>
              <ul className="mt-actions" data-testid="meeting-actions">
                {meeting.actions.map((action, i) => (
                  <li key={i}>
                    <span className="mt-action-text">{action.text}</span>
                    {action.beginMs !== null ? (
                      <button
                        type="button"
                        className="mt-time"
                        aria-label={t('meetings.view.jumpTo', { time: formatTimestamp(action.beginMs) })}
                        onClick={() => jumpTo(action.beginMs ?? 0)}
                      >
                        {formatTimestamp(action.beginMs)}
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section className="mt-part" aria-labelledby="meeting-transcript">
            <h3 id="meeting-transcript" className="sc-subtitle">
              {t('meetings.view.transcript')}
            </h3>
            {turns.length === 0 ? <p className="sc-muted">{t('meetings.view.noTranscript')}</p> : null}
            <ol className="mt-transcript" ref={transcript} data-testid="meeting-transcript">
              {turns.map((turn, i) => (
                <li
                  key={`${turn.beginMs}-${i}`}
                  className="mt-turn"
                  tabIndex={-1}
                  data-speaker={turn.speaker === null ? undefined : ((speakers.get(turn.speaker) ?? 0) % 4) + 1}
                  data-jumped={jumped === i || undefined}
                >
                  <p className="mt-turn-head">
                    <span className="mt-speaker">{speakerName(turn)}</span>
                    <time className="sc-fine">{formatTimestamp(turn.beginMs)}</time>
                  </p>
                  <p className="mt-turn-text">
                    {turn.sentences.map((sentence, j) => (
                      <span key={j} title={formatTimestamp(sentence.beginMs)}>
                        {j > 0 ? ' ' : ''}
                        {sentence.text}
                      </span>
                    ))}
                  </p>
                </li>
              ))}
            </ol>
          </section>
        </>
      ) : null}
    </article>
  );
}

type T = TFunction;

function meetingMarkdown(meeting: Meeting, speakerName: (turn: Turn) => string, t: T): string {
  const lines = [`# ${meetingTitle(meeting.fileUrl)}`, '', meeting.fileUrl, ''];
  if (meeting.summary) lines.push(`## ${t('meetings.view.summary')}`, '', meeting.summary, '');
  if (meeting.keywords.length > 0) lines.push(`## ${t('meetings.view.keywords')}`, '', meeting.keywords.join(', '), '');
  if (meeting.chapters.length > 0) {
    lines.push(`## ${t('meetings.view.chapters')}`, '');
    for (const c of meeting.chapters) {
      lines.push(`- ${formatTimestamp(c.beginMs)}–${formatTimestamp(c.endMs)} **${c.title}**${c.summary ? `: ${c.summary}` : ''}`);
    }
    lines.push('');
  }
  if (meeting.actions.length > 0) {
    lines.push(`## ${t('meetings.view.actions')}`, '');
    for (const a of meeting.actions) lines.push(`- [ ] ${a.text}`);
    lines.push('');
  }
  lines.push(`## ${t('meetings.view.transcript')}`, '');
  for (const turn of turnsOf(meeting.sentences)) {
    lines.push(`**${speakerName(turn)}** (${formatTimestamp(turn.beginMs)}): ${turn.sentences.map((s) => s.text).join(' ')}`, '');
  }
  return lines.join('\n');
}

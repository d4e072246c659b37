import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TranscriptionJob } from '../../api/types';
import { copyText } from '../../components/clipboard';
import { startChatWith } from '../../state/chatDraft';
import { ConfirmAction } from '../common/ConfirmAction';
import { formatDateTime } from '../common/format';
import { formatTimestamp, meetingTitle, statusClass } from '../meetings/format';
import { RecordingFailure } from '../meetings/RecordingFailure';
import { RecordingUrlForm } from '../meetings/RecordingUrlForm';
import { useRevealDetail } from '../meetings/useRevealDetail';
import { TRANSCRIPTION_IN_FLIGHT, type Transcriptions } from './useTranscriptions';

/** URL transcriptions (Paraformer file recognition): a form, the jobs, the chosen one. */
export function TranscriptionsPanel({ transcriptions }: { transcriptions: Transcriptions }) {
  const { t } = useTranslation();
  const { jobs, loading, selectedId, select, submit, remove } = transcriptions;
  const job = jobs.find((j) => j.id === selectedId) ?? null;
  const { detail, choose } = useRevealDetail(select);

  return (
    <>
      <p className="sc-muted mt-intro">{t('transcriptions.intro')}</p>
      <div className="mt-layout">
        <div className="mt-side">
          <RecordingUrlForm kind="transcription" onSubmit={submit} />
          <TranscriptionList jobs={jobs} loading={loading} selectedId={selectedId} onSelect={choose} />
        </div>
        <div className="mt-detail" ref={detail}>
          {job ? (
            <TranscriptionView key={job.id} job={job} onDelete={remove} />
          ) : (
            <div className="sc-card mt-view mt-view--empty">
              <p className="sc-muted">{loading ? t('transcriptions.list.loading') : t('transcriptions.view.none')}</p>
            </div>
          )}
        </div>
      </div>
    </>
  );
}

const TranscriptionList = memo(function TranscriptionList(props: {
  jobs: readonly TranscriptionJob[];
  loading: boolean;
  selectedId: string | null;
  onSelect: (jobId: string) => void;
}) {
  const { jobs, loading, selectedId, onSelect } = props;
  const { t, i18n } = useTranslation();
  return (
    <nav className="sc-card mt-list-card" aria-labelledby="transcription-list-title">
      <h2 id="transcription-list-title" className="sc-section-title">
        {t('transcriptions.list.title')}
      </h2>
      {loading && jobs.length === 0 ? <p className="sc-muted">{t('transcriptions.list.loading')}</p> : null}
      {!loading && jobs.length === 0 ? (
        <p className="sc-muted" data-testid="transcriptions-empty">
          {t('transcriptions.list.empty')}
        </p>
      ) : null}
      {jobs.length > 0 ? (
        <ul className="mt-list">
          {jobs.map((job) => (
            <li key={job.id}>
              <button
                type="button"
                className="mt-list-item"
                data-testid="transcription-item"
                data-status={job.status}
                aria-current={job.id === selectedId ? 'true' : undefined}
                onClick={() => onSelect(job.id)}
              >
                <span className="mt-list-head">
                  <span className="mt-list-title">{meetingTitle(job.fileUrl)}</span>
                  <span className={`sc-status sc-status--${statusClass(job.status)}`}>{t(`transcriptions.status.${job.status}`)}</span>
                </span>
                <span className="sc-fine">
                  {formatDateTime(job.createdAt, i18n.language)}
                  {job.transcript?.durationSeconds != null ? ` · ${formatTimestamp(job.transcript.durationSeconds * 1000)}` : ''}
                </span>
                {job.transcript?.text ? <span className="mt-list-summary">{job.transcript.text}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </nav>
  );
});

function TranscriptionView({ job, onDelete }: { job: TranscriptionJob; onDelete: (jobId: string) => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const inFlight = TRANSCRIPTION_IN_FLIGHT.includes(job.status);
  const [copied, setCopied] = useState(false);
  const transcript = job.transcript;
  const name = meetingTitle(job.fileUrl);

  return (
    <article
      className="sc-card mt-view"
      data-testid="transcription-view"
      data-status={job.status}
      aria-labelledby="transcription-view-title"
      aria-busy={inFlight || undefined}
    >
      <header className="mt-view-head">
        <h2 id="transcription-view-title" className="sc-section-title mt-view-title">
          {name}
        </h2>
        <span className={`sc-status sc-status--${statusClass(job.status)}`} data-testid="transcription-status">
          {t(`transcriptions.status.${job.status}`)}
        </span>
      </header>
      <p className="sc-fine">
        <span className="sc-mono">{job.fileUrl}</span>
      </p>
      <dl className="sc-params">
        <div>
          <dt>{t('transcriptions.view.created')}</dt>
          <dd>{formatDateTime(job.createdAt, i18n.language)}</dd>
        </div>
        <div>
          <dt>{t('transcriptions.view.model')}</dt>
          <dd>{job.model}</dd>
        </div>
        {transcript?.durationSeconds != null ? (
          <div>
            <dt>{t('transcriptions.view.duration')}</dt>
            <dd>{formatTimestamp(transcript.durationSeconds * 1000)}</dd>
          </div>
        ) : null}
      </dl>

      {inFlight ? (
        <div className="mt-progress" data-testid="transcription-progress">
          <div
            className="sc-progress"
            role="progressbar"
            aria-label={t(`transcriptions.status.${job.status}`)}
            aria-valuetext={t(`transcriptions.progress.${job.status as 'pending' | 'running'}`)}
          >
            <span />
          </div>
          <p className="sc-muted" role="status">
            {t(`transcriptions.progress.${job.status as 'pending' | 'running'}`)}
          </p>
        </div>
      ) : null}

      {job.status === 'failed' ? <RecordingFailure kind="transcription" job={job} /> : null}

      <div className="sc-actions">
        {transcript && transcript.text.trim() !== '' ? (
          <>
            <button
              type="button"
              className="sc-button sc-button--small"
              data-testid="transcription-copy"
              onClick={() =>
                void copyText(transcript.text).then((ok) => {
                  if (!ok) return;
                  setCopied(true);
                  setTimeout(() => setCopied(false), 1500);
                })
              }
            >
              {copied ? t('transcriptions.view.copied') : t('transcriptions.view.copy')}
            </button>
            <button
              type="button"
              className="sc-button sc-button--small"
              data-testid="transcription-chat"
              onClick={() => startChatWith(t('transcriptions.chatPrompt', { name, text: transcript.text }))}
            >
              {t('transcriptions.view.newChat')}
            </button>
          </>
        ) : null}
        <ConfirmAction
          label={t('transcriptions.view.delete')}
          warning={t('transcriptions.view.deleteQuestion')}
          confirmLabel={t('transcriptions.view.deleteConfirm')}
          danger
          testId="transcription-delete"
          onConfirm={() => onDelete(job.id)}
        />
      </div>

      {job.status === 'succeeded' ? (
        <section className="mt-part" aria-labelledby="transcription-text">
          <h3 id="transcription-text" className="sc-subtitle">
            {t('transcriptions.view.transcript')}
          </h3>
          {!transcript || transcript.sentences.length === 0 ? (
            <p className="sc-muted">{transcript?.text || t('transcriptions.view.empty')}</p>
          ) : (
            <ol className="mt-transcript" data-testid="transcription-transcript">
              {transcript.sentences.map((sentence, i) => (
                <li key={`${sentence.beginMs}-${i}`} className="mt-turn">
                  <p className="mt-turn-head">
                    <time className="sc-fine">{formatTimestamp(sentence.beginMs)}</time>
                  </p>
                  <p className="mt-turn-text">{sentence.text}</p>
                </li>
              ))}
            </ol>
          )}
        </section>
      ) : null}
    </article>
  );
}

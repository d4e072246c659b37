import { useTranslation } from 'react-i18next';
import { isErrorCode } from '../../api/deskError';
import type { MeetingRecord, TranscriptionJob } from '../../api/types';
import { ErrorExplanation } from '../../components/ErrorExplanation';
import type { RecordingKind } from './RecordingUrlForm';

type Failed = Pick<MeetingRecord | TranscriptionJob, 'errorCode' | 'errorMessage' | 'dashscopeCode'>;

/** A failed meeting or transcription in the error doctor's words, with the service's own code
 * for support. */
export function RecordingFailure({ kind, job }: { kind: RecordingKind; job: Failed }) {
  const { t } = useTranslation();
  return (
    <div className="sc-problem" role="note" data-testid={`${kind}-error`} data-error-code={job.errorCode ?? undefined}>
      {job.errorCode && isErrorCode(job.errorCode) ? (
        <ErrorExplanation code={job.errorCode} detail={job.errorMessage} />
      ) : (
        <>
          <p className="error-title">{kind === 'meeting' ? t('meetings.view.failed') : t('transcriptions.view.failed')}</p>
          {job.errorMessage ? <p className="sc-fine">{job.errorMessage}</p> : null}
        </>
      )}
      {job.dashscopeCode ? (
        <p className="sc-fine" data-testid={kind === 'meeting' ? 'meeting-tingwu-code' : 'transcription-code'}>
          {kind === 'meeting'
            ? t('meetings.view.tingwuCode', { code: job.dashscopeCode })
            : t('transcriptions.view.code', { code: job.dashscopeCode })}
        </p>
      ) : null}
    </div>
  );
}

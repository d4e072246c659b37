import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { deleteTranscription, listTranscriptions, resumeTranscriptions, transcribeUrl } from '../../api/desk';
import type { DeskError, TranscriptionJob } from '../../api/types';
import { upsertRecord } from '../meetings/format';

export const TRANSCRIPTION_IN_FLIGHT: TranscriptionJob['status'][] = ['pending', 'running'];


export interface Transcriptions {
  jobs: TranscriptionJob[];
  loading: boolean;
  selectedId: string | null;
  select: (jobId: string) => void;
  /** Starts a job from an audio URL; the error when the core refused it before a job existed. */
  submit: (url: string) => Promise<DeskError | null>;
  remove: (jobId: string) => Promise<void>;
}

/** Stored URL transcriptions, the ones a restart interrupted (followed again) and new ones. */
export function useTranscriptions(notify: (error: DeskError) => void): Transcriptions {
  const [jobs, setJobs] = useState<TranscriptionJob[]>([]);
  const [loading, setLoading] = useState(true);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = useRef<string | null>(null);
  // A deleted job's late progress reports must not bring it back.
  const deleted = useRef(new Set<string>());
  const live = useRef(true);
  const jobsRef = useRef(jobs);
  useLayoutEffect(() => {
    jobsRef.current = jobs;
  }, [jobs]);

  const progress = useCallback((job: TranscriptionJob) => {
    if (!live.current || deleted.current.has(job.id)) return;
    setJobs((current) => upsertRecord(current, job));
  }, []);

  const choose = useCallback((jobId: string | null) => {
    selected.current = jobId;
    setSelectedId(jobId);
  }, []);

  useEffect(() => {
    live.current = true;
    listTranscriptions()
      .then(
        (list) => {
          if (!live.current) return;
          setJobs((current) => list.reduceRight<TranscriptionJob[]>(upsertRecord, current));
          if (list[0] && selected.current === null) choose(list[0].id);
          // After the list, so a resumed job's progress updates its row in place.
          return resumeTranscriptions(progress).then((done) => done.forEach(progress));
        },
        (error: DeskError) => live.current && notify(error),
      )
      .catch((error: DeskError) => live.current && notify(error))
      .finally(() => live.current && setLoading(false));
    return () => {
      live.current = false;
    };
  }, [notify, progress, choose]);

  const submit = useCallback(
    async (url: string) => {
      let first = true;
      try {
        const job = await transcribeUrl(url, (report) => {
          progress(report);
          // The new job is shown from its first report on.
          if (first && live.current) choose(report.id);
          first = false;
        });
        progress(job);
        if (first && live.current) choose(job.id);
        return null;
      } catch (error) {
        // Refused before a job existed: the form says why. Later failures are the job's own.
        if (first) return error as DeskError;
        notify(error as DeskError);
        return null;
      }
    },
    [progress, choose, notify],
  );

  const remove = useCallback(
    async (jobId: string) => {
      try {
        await deleteTranscription(jobId);
      } catch (error) {
        notify(error as DeskError);
        return;
      }
      deleted.current.add(jobId);
      if (!live.current) return;
      // The one after it (or before, for the last) is shown next.
      const list = jobsRef.current;
      const at = list.findIndex((j) => j.id === jobId);
      const rest = list.filter((j) => j.id !== jobId);
      if (selected.current === jobId) choose(rest[Math.min(Math.max(at, 0), rest.length - 1)]?.id ?? null);
      setJobs((current) => current.filter((j) => j.id !== jobId));
    },
    [notify, choose],
  );

  return { jobs, loading, selectedId, select: choose, submit, remove };
}

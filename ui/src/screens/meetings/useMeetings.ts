import { useCallback, useEffect, useRef, useState } from 'react';
import { getMeeting, listMeetings, resumeMeetings, transcribeMeeting } from '../../api/desk';
import type { DeskError, Meeting, MeetingRecord } from '../../api/types';
import { recordOf, upsertRecord } from './format';

export interface Meetings {
  records: MeetingRecord[];
  loading: boolean;
  selectedId: string | null;
  /** The selected meeting with its transcript, chapters and actions, once read. */
  detail: Meeting | null;
  detailError: DeskError | null;
  select: (meetingId: string) => void;
  /** Starts a meeting from a recording's URL; false when the core refused it at once. */
  submit: (fileUrl: string) => Promise<DeskError | null>;
}

/** Stored meetings, the ones a restart interrupted (followed again) and new ones. */
export function useMeetings(notify: (error: DeskError) => void): Meetings {
  const [records, setRecords] = useState<MeetingRecord[]>([]);
  const [loading, setLoading] = useState(true);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [detail, setDetail] = useState<Meeting | null>(null);
  const [detailError, setDetailError] = useState<DeskError | null>(null);
  const selected = useRef<string | null>(null);
  const live = useRef(true);

  const progress = useCallback((record: MeetingRecord) => {
    if (live.current) setRecords((current) => upsertRecord(current, record));
  }, []);

  // A finished meeting: the list gets its record, the view its everything.
  const finished = useCallback((meeting: Meeting) => {
    if (!live.current) return;
    setRecords((current) => upsertRecord(current, recordOf(meeting)));
    if (selected.current === meeting.id) setDetail(meeting);
  }, []);

  const load = useCallback((meetingId: string) => {
    getMeeting(meetingId).then(
      (meeting) => {
        if (!live.current || selected.current !== meetingId) return;
        setDetail(meeting);
      },
      (error: DeskError) => {
        if (live.current && selected.current === meetingId) setDetailError(error);
      },
    );
  }, []);

  useEffect(() => {
    live.current = true;
    listMeetings()
      .then(
        (list) => {
          if (!live.current) return;
          setRecords((current) => list.reduceRight(upsertRecord, current));
          const first = list[0];
          if (first && selected.current === null) {
            selected.current = first.id;
            setSelectedId(first.id);
            load(first.id);
          }
          // After the list, so a resumed meeting's progress updates its row in place.
          return resumeMeetings(progress).then((done) => done.forEach(finished));
        },
        (error: DeskError) => live.current && notify(error),
      )
      .catch((error: DeskError) => live.current && notify(error))
      .finally(() => live.current && setLoading(false));
    return () => {
      live.current = false;
    };
  }, [notify, progress, finished, load]);

  const select = useCallback(
    (meetingId: string) => {
      if (selected.current === meetingId) return;
      selected.current = meetingId;
      setSelectedId(meetingId);
      setDetail(null);
      setDetailError(null);
      load(meetingId);
    },
    [load],
  );

  const submit = useCallback(
    async (fileUrl: string) => {
      let first = true;
      let createdId: string | null = null;
      try {
        const meeting = await transcribeMeeting(fileUrl, (record) => {
          createdId = record.id;
          progress(record);
          // The new meeting is shown from its first report on.
          if (first && live.current) {
            first = false;
            selected.current = record.id;
            setSelectedId(record.id);
            setDetail(null);
            setDetailError(null);
          }
        });
        finished(meeting);
        if (first && live.current) {
          selected.current = meeting.id;
          setSelectedId(meeting.id);
          setDetail(meeting);
        }
        return null;
      } catch (error) {
        // Refused before anything was stored: the form says why.
        if (first) return error as DeskError;
        // Stored and then failed: the meeting shows its failure as stored.
        if (createdId) getMeeting(createdId).then(finished, () => undefined);
        return null;
      }
    },
    [progress, finished],
  );

  return { records, loading, selectedId, detail, detailError, select, submit };
}

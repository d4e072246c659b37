import { useEffect, useState } from 'react';
import { listConversations, usageTotals } from '../../api/desk';
import type { DeskError, UsageTotal } from '../../api/types';
import type { DateRange } from './dateRange';

export interface UsageData {
  byDay: UsageTotal[];
  byModel: UsageTotal[];
  byConversation: UsageTotal[];
}

interface Loaded {
  key: string;
  data: UsageData | null;
  error: DeskError | null;
}

/** The three groupings of one range, loaded together so the charts always agree. */
export function useUsage(range: DateRange | null): { data: UsageData | null; loading: boolean; error: DeskError | null } {
  const since = range?.since ?? null;
  const until = range?.until ?? null;
  const key = since === null ? '' : `${since}-${until}`;
  const [loaded, setLoaded] = useState<Loaded>({ key: '', data: null, error: null });

  useEffect(() => {
    if (since === null || until === null) return;
    let live = true;
    const done = (result: Omit<Loaded, 'key'>) => live && setLoaded({ key: `${since}-${until}`, ...result });
    Promise.all([usageTotals('day', since, until), usageTotals('model', since, until), usageTotals('conversation', since, until)]).then(
      ([byDay, byModel, byConversation]) => done({ data: { byDay, byModel, byConversation }, error: null }),
      (error: DeskError) => done({ data: null, error }),
    );
    return () => {
      live = false;
    };
  }, [since, until]);

  const current = loaded.key === key;
  return { data: current ? loaded.data : null, loading: key !== '' && !current, error: current ? loaded.error : null };
}

/** Conversation titles for the by-conversation chart, archived and trashed ones included. */
export function useConversationTitles(): Map<string, string> {
  const [titles, setTitles] = useState(() => new Map<string, string>());
  useEffect(() => {
    let live = true;
    Promise.all([listConversations('active'), listConversations('archived'), listConversations('trash')]).then(
      (lists) => live && setTitles(new Map(lists.flat().map((c) => [c.id, c.title]))),
      () => undefined, // ids stand in for titles; the chart still adds up
    );
    return () => {
      live = false;
    };
  }, []);
  return titles;
}

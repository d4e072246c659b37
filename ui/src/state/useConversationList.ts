import { useCallback, useEffect, useRef, useState } from 'react';
import { listConversations } from '../api/desk';
import type { ConversationSummary, DeskError } from '../api/types';

export interface ConversationList {
  conversations: ConversationSummary[];
  refresh: () => void;
}

/** The sidebar's list, loaded on mount and reloaded whenever a reply starts or settles. */
export function useConversationList(notify: (error: DeskError) => void): ConversationList {
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  // Only the newest request may write, so a slow older answer cannot overwrite a fresher list.
  const latestRequest = useRef(0);

  const refresh = useCallback(() => {
    const request = ++latestRequest.current;
    listConversations().then(
      (list) => {
        if (request === latestRequest.current) setConversations(list);
      },
      (error: DeskError) => {
        if (request === latestRequest.current) notify(error);
      },
    );
  }, [notify]);

  useEffect(() => {
    refresh();
  }, [refresh]);

  return { conversations, refresh };
}

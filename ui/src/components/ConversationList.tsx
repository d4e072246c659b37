import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationSummary } from '../api/types';
import { formatRelativeTime } from '../format/relativeTime';
import { useNow } from '../state/useNow';

interface Props {
  conversations: ConversationSummary[];
  activeId: string | null;
  onOpen: (conversationId: string) => void;
}

function ConversationListView({ conversations, activeId, onOpen }: Props) {
  const { t, i18n } = useTranslation();
  const now = useNow(60_000);

  if (conversations.length === 0) {
    return <p className="sidebar-empty">{t('sidebar.empty')}</p>;
  }

  return (
    <ul className="conversation-list">
      {conversations.map((conversation) => {
        const when = formatRelativeTime(conversation.updatedAt, now, i18n.language, t('time.justNow'));
        const active = conversation.id === activeId;
        return (
          <li key={conversation.id}>
            <button
              type="button"
              className="conversation-item"
              data-testid="conversation-item"
              data-conversation-id={conversation.id}
              aria-current={active ? 'page' : undefined}
              aria-label={`${conversation.title}, ${when}`}
              onClick={() => onOpen(conversation.id)}
            >
              <span className="conversation-title">{conversation.title}</span>
              <time className="conversation-time" dateTime={new Date(conversation.updatedAt).toISOString()}>
                {when}
              </time>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export const ConversationList = memo(ConversationListView);

import { memo, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationSummary } from '../api/types';
import type { ConversationGroup } from '../state/conversationGroups';
import { formatRelativeTime } from '../format/relativeTime';
import { useNow } from '../state/useNow';
import { ConversationItem, type ConversationItemActions } from './ConversationItem';
import { ChevronIcon, FolderIcon, PinIcon, RestoreIcon, TrashIcon } from './icons';

interface Props {
  groups: readonly ConversationGroup[];
  collapsed: ReadonlySet<string>;
  onToggleGroup: (key: string) => void;
  folders: readonly string[];
  activeId: string | null;
  actions: ConversationItemActions;
}

/** The active chats: pinned, then folders, then the rest. */
function ConversationListView({ groups, collapsed, onToggleGroup, folders, activeId, actions }: Props) {
  const { t } = useTranslation();
  const now = useNow(60_000);

  if (groups.length === 0) {
    return <p className="sidebar-empty">{t('sidebar.empty')}</p>;
  }

  return (
    <div className="conversation-groups">
      {groups.map((group) => {
        const isCollapsed = collapsed.has(group.key);
        const title =
          group.kind === 'pinned' ? t('conversations.pinned') : group.kind === 'folder' ? group.name : t('conversations.recent');
        return (
          <section key={group.key} className="conversation-group" data-kind={group.kind}>
            <h2 className="group-heading">
              <button
                type="button"
                className="group-toggle"
                aria-expanded={!isCollapsed}
                onClick={() => onToggleGroup(group.key)}
              >
                <ChevronIcon open={!isCollapsed} />
                {group.kind === 'folder' ? <FolderIcon size={14} /> : group.kind === 'pinned' ? <PinIcon size={14} /> : null}
                <span>{title}</span>
                <span className="group-count">{group.conversations.length}</span>
              </button>
            </h2>
            {isCollapsed ? null : (
              <ul className="conversation-list">
                {group.conversations.map((conversation) => (
                  <ConversationItem
                    key={conversation.id}
                    conversation={conversation}
                    active={conversation.id === activeId}
                    now={now}
                    folders={folders}
                    actions={actions}
                  />
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}

export const ConversationList = memo(ConversationListView);

/** Archived chats: readable, and brought back with one click. */
export const ArchivedList = memo(function ArchivedList({
  conversations,
  activeId,
  folders,
  actions,
}: {
  conversations: readonly ConversationSummary[];
  activeId: string | null;
  folders: readonly string[];
  actions: ConversationItemActions;
}) {
  const { t } = useTranslation();
  const now = useNow(60_000);
  if (conversations.length === 0) return <p className="sidebar-empty">{t('conversations.archivedEmpty')}</p>;
  return (
    <ul className="conversation-list">
      {conversations.map((conversation) => (
        <ConversationItem
          key={conversation.id}
          conversation={conversation}
          active={conversation.id === activeId}
          now={now}
          folders={folders}
          actions={actions}
        />
      ))}
    </ul>
  );
});

/** The trash: restore a chat, or delete it for good after a second click. */
export const TrashList = memo(function TrashList({
  conversations,
  onRestore,
  onPurge,
}: {
  conversations: readonly ConversationSummary[];
  onRestore: (conversationId: string) => void;
  onPurge: (conversationId: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const now = useNow(60_000);
  const [confirming, setConfirming] = useState<string | null>(null);
  const sorted = useMemo(
    () => [...conversations].sort((a, b) => (b.deletedAt ?? 0) - (a.deletedAt ?? 0)),
    [conversations],
  );
  if (sorted.length === 0) return <p className="sidebar-empty">{t('conversations.trashEmpty')}</p>;
  return (
    <ul className="conversation-list trash-list" data-testid="trash-list">
      {sorted.map((conversation) => {
        const when = formatRelativeTime(conversation.deletedAt ?? conversation.updatedAt, now, i18n.language, t('time.justNow'));
        return (
          <li key={conversation.id} className="trash-row" data-testid="trash-item" data-conversation-id={conversation.id}>
            <div className="trash-text">
              <span className="conversation-title">{conversation.title}</span>
              <span className="conversation-time">{t('conversations.deletedWhen', { when })}</span>
            </div>
            {confirming === conversation.id ? (
              <div className="trash-confirm" role="group" aria-label={t('conversations.purgeQuestion')}>
                <button
                  type="button"
                  className="text-button text-button--danger"
                  data-testid="confirm-purge"
                  onClick={() => {
                    setConfirming(null);
                    onPurge(conversation.id);
                  }}
                >
                  {t('conversations.purgeConfirm')}
                </button>
                <button type="button" className="text-button" onClick={() => setConfirming(null)}>
                  {t('message.cancelEdit')}
                </button>
              </div>
            ) : (
              <div className="trash-actions">
                <button
                  type="button"
                  className="icon-button icon-button--small"
                  data-testid="restore"
                  aria-label={t('conversations.restore', { title: conversation.title })}
                  title={t('conversations.restoreShort')}
                  onClick={() => onRestore(conversation.id)}
                >
                  <RestoreIcon />
                </button>
                <button
                  type="button"
                  className="icon-button icon-button--small"
                  data-testid="purge"
                  aria-label={t('conversations.purge', { title: conversation.title })}
                  title={t('conversations.purgeShort')}
                  onClick={() => setConfirming(conversation.id)}
                >
                  <TrashIcon />
                </button>
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
});

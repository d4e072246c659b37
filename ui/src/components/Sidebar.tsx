import { memo, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationSummary } from '../api/types';
import { otherLanguage } from '../i18n';
import { ConversationList } from './ConversationList';
import { CloseIcon, PlusIcon } from './icons';

interface Props {
  conversations: ConversationSummary[];
  activeId: string | null;
  /** Narrow screens show the sidebar as a drawer. */
  drawer: boolean;
  open: boolean;
  onClose: () => void;
  onNewChat: () => void;
  onOpen: (conversationId: string) => void;
}

function SidebarView({ conversations, activeId, drawer, open, onClose, onNewChat, onOpen }: Props) {
  const { t, i18n } = useTranslation();
  const hidden = drawer && !open;
  const closeButton = useRef<HTMLButtonElement>(null);

  // Opening the drawer moves focus into it, so keyboard users land where they meant to go.
  useEffect(() => {
    if (drawer && open) closeButton.current?.focus();
  }, [drawer, open]);

  return (
    <aside
      id="sidebar"
      className="sidebar"
      data-open={open || undefined}
      inert={hidden || undefined}
    >
      <div className="sidebar-top">
        <span className="app-name">{t('app.name')}</span>
        {drawer ? (
          <button
            ref={closeButton}
            type="button"
            className="icon-button"
            aria-label={t('sidebar.closeMenu')}
            onClick={onClose}
          >
            <CloseIcon />
          </button>
        ) : null}
      </div>
      <button
        type="button"
        className="new-chat-button"
        data-testid="new-chat"
        aria-label={t('sidebar.newChatLabel')}
        onClick={onNewChat}
      >
        <PlusIcon />
        <span>{t('sidebar.newChat')}</span>
      </button>
      <nav className="sidebar-list" aria-label={t('sidebar.conversations')}>
        <ConversationList conversations={conversations} activeId={activeId} onOpen={onOpen} />
      </nav>
      <div className="sidebar-bottom">
        <button
          type="button"
          className="text-button"
          aria-label={t('language.switchLabel')}
          onClick={() => void i18n.changeLanguage(otherLanguage(i18n.language))}
        >
          {t('language.switchTo')}
        </button>
      </div>
    </aside>
  );
}

export const Sidebar = memo(SidebarView);

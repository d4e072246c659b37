import { memo, useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationScope, ConversationSummary } from '../api/types';
import { otherLanguage } from '../i18n';
import type { ConversationGroup } from '../state/conversationGroups';
import type { Screen } from '../state/workspaceNavigation';
import type { ConversationItemActions } from './ConversationItem';
import { ArchivedList, ConversationList, TrashList } from './ConversationList';
import { ChatIcon, CloseIcon, ImageIcon, KeyboardIcon, MeetingIcon, PlusIcon, SearchIcon, SettingsIcon, UsageIcon } from './icons';
import { shortcutLabel } from './shortcuts';
import { timedRender } from '../perf/trace';

interface Props {
  screen: Screen;
  onScreen: (screen: Screen) => void;
  scope: ConversationScope;
  onScope: (scope: ConversationScope) => void;
  groups: readonly ConversationGroup[];
  collapsed: ReadonlySet<string>;
  onToggleGroup: (key: string) => void;
  folders: readonly string[];
  archived: readonly ConversationSummary[];
  trash: readonly ConversationSummary[];
  activeId: string | null;
  itemActions: ConversationItemActions;
  onRestore: (conversationId: string) => void;
  onPurge: (conversationId: string) => void;
  /** Narrow screens show the sidebar as a drawer. */
  drawer: boolean;
  open: boolean;
  onClose: () => void;
  onNewChat: () => void;
  onSearch: () => void;
  onHelp: () => void;
}

const NAV: { screen: Screen; icon: ReactNode; shortcut: string }[] = [
  { screen: 'chat', icon: <ChatIcon />, shortcut: '1' },
  { screen: 'images', icon: <ImageIcon />, shortcut: '2' },
  { screen: 'meetings', icon: <MeetingIcon />, shortcut: '5' },
  { screen: 'usage', icon: <UsageIcon />, shortcut: '3' },
  { screen: 'settings', icon: <SettingsIcon />, shortcut: '4' },
];

function SidebarView(props: Props) {
  const { screen, onScreen, scope, onScope, groups, collapsed, onToggleGroup, folders, archived, trash } = props;
  const { activeId, itemActions, onRestore, onPurge, drawer, open, onClose, onNewChat, onSearch, onHelp } = props;
  const { t, i18n } = useTranslation();
  const hidden = drawer && !open;
  const closeButton = useRef<HTMLButtonElement>(null);

  // Opening the drawer moves focus into it, so keyboard users land where they meant to go.
  useEffect(() => {
    if (drawer && open) closeButton.current?.focus();
  }, [drawer, open]);

  return (
    <aside id="sidebar" className="sidebar" data-open={open || undefined} inert={hidden || undefined}>
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

      <nav className="workspace-nav" aria-label={t('nav.label')}>
        {NAV.map((item) => (
          <button
            key={item.screen}
            type="button"
            className="nav-item"
            data-testid={`nav-${item.screen}`}
            aria-current={screen === item.screen ? 'page' : undefined}
            title={`${t(`nav.${item.screen}`)} (${shortcutLabel(`Mod+${item.shortcut}`)})`}
            onClick={() => onScreen(item.screen)}
          >
            {item.icon}
            <span>{t(`nav.${item.screen}`)}</span>
          </button>
        ))}
      </nav>

      <div className="sidebar-actions">
        <button
          type="button"
          className="new-chat-button"
          data-testid="new-chat"
          aria-label={t('sidebar.newChatLabel', { shortcut: shortcutLabel('Mod+N') })}
          onClick={onNewChat}
        >
          <PlusIcon />
          <span>{t('sidebar.newChat')}</span>
        </button>
        <button
          type="button"
          className="icon-button search-button"
          data-testid="open-search"
          aria-label={t('search.open', { shortcut: shortcutLabel('Mod+K') })}
          title={t('search.open', { shortcut: shortcutLabel('Mod+K') })}
          onClick={onSearch}
        >
          <SearchIcon />
        </button>
      </div>

      <div className="scope-tabs" role="tablist" aria-label={t('conversations.scopes')}>
        {(['active', 'archived', 'trash'] as const).map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            className="scope-tab"
            data-testid={`scope-${s}`}
            aria-selected={scope === s}
            onClick={() => onScope(s)}
          >
            {t(`conversations.scope.${s}`)}
          </button>
        ))}
      </div>

      <nav className="sidebar-list" aria-label={t('sidebar.conversations')}>
        {scope === 'active' ? (
          <ConversationList
            groups={groups}
            collapsed={collapsed}
            onToggleGroup={onToggleGroup}
            folders={folders}
            activeId={activeId}
            actions={itemActions}
          />
        ) : scope === 'archived' ? (
          <ArchivedList conversations={archived} activeId={activeId} folders={folders} actions={itemActions} />
        ) : (
          <TrashList conversations={trash} onRestore={onRestore} onPurge={onPurge} />
        )}
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
        <button
          type="button"
          className="icon-button icon-button--small"
          data-testid="open-shortcuts"
          aria-label={t('shortcuts.open')}
          title={t('shortcuts.open')}
          onClick={onHelp}
        >
          <KeyboardIcon />
        </button>
      </div>
    </aside>
  );
}

export const Sidebar = memo(timedRender('sidebar', SidebarView));

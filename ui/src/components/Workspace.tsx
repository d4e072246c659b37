import { lazy, Suspense, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppStatus, ChatParams, ConversationScope, DeskError, SearchHit } from '../api/types';
import { folderNames, groupConversations, neighbourConversation } from '../state/conversationGroups';
import { isAssistantModel } from '../state/useAssistants';
import { useChatSession } from '../state/useChatSession';
import { useConversationList } from '../state/useConversationList';
import { useMediaQuery } from '../state/useMediaQuery';
import { useModels } from '../state/useModels';
import { registerNewChat } from '../state/chatDraft';
import { registerWorkspace, showScreen, useNavigation, type Screen } from '../state/workspaceNavigation';
import { replyReadAloud } from '../voice/replyReadAloud';
import { ChatView } from './ChatView';
import type { ConversationItemActions } from './ConversationItem';
import { DemoBanner } from './DemoBanner';
import { MenuIcon } from './icons';
import { SearchPalette } from './SearchPalette';
import { matchShortcut } from './shortcuts';
import { ShortcutsHelp } from './ShortcutsHelp';
import { Sidebar } from './Sidebar';
import { loadAllModules } from './markdown/lazyModules';
import { timedRender } from '../perf/trace';

const NARROW_QUERY = '(max-width: 719.98px)';

// The other screens load on first visit: the chat is what opens, and their code (settings,
// charts, image forms) would otherwise weigh on every start.
const ImageStudio = lazy(() => import('../screens/ImageStudio').then((m) => ({ default: m.ImageStudio })));
const UsageCockpit = lazy(() => import('../screens/UsageCockpit').then((m) => ({ default: m.UsageCockpit })));
const SettingsScreen = lazy(() => import('../screens/SettingsScreen').then((m) => ({ default: m.SettingsScreen })));
const MeetingsScreen = lazy(() => import('../screens/MeetingsScreen').then((m) => ({ default: m.MeetingsScreen })));

type Overlay = 'search' | 'help' | null;

/** The app once a backend is ready (live or demo): navigation, conversations, chat and the other screens. */
const MODULE_PRELOAD_DELAY_MS = 800;

export const Workspace = timedRender('workspace', WorkspaceImpl);
function WorkspaceImpl({ status, notify }: { status: AppStatus; notify: (error: DeskError) => void }) {
  const { t, i18n } = useTranslation();
  const demo = status.mode === 'demo';
  const narrow = useMediaQuery(NARROW_QUERY);
  const { screen, visited } = useNavigation();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [overlay, setOverlay] = useState<Overlay>(null);
  const [scope, setScope] = useState<ConversationScope>('active');
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [newChatModel, setNewChatModel] = useState(status.defaultModel);
  const [draftParams, setDraftParams] = useState<ChatParams | null>(null);
  const inputRef = useRef<HTMLTextAreaElement | null>(null);

  useEffect(() => registerWorkspace(), []);
  // Highlighting and math load on first use; fetched here once the workspace has settled, their
  // parse no longer lands in the frames that open a thread or stream its first code block.
  useEffect(() => {
    const timer = setTimeout(() => void loadAllModules(), MODULE_PRELOAD_DELAY_MS);
    return () => clearTimeout(timer);
  }, []);

  const list = useConversationList(notify);
  const models = useModels(status.models, notify);
  const session = useChatSession({ notify, onReplySettled: list.refresh, readAloud: replyReadAloud });
  const { chat, activeStream, newChat, openConversation, focusMessage, stop } = session;

  const chatModelIds = models.chatModels.map((m) => m.id);
  const draftModel =
    chatModelIds.includes(newChatModel) || isAssistantModel(newChatModel) || chatModelIds.length === 0 ? newChatModel : status.defaultModel;

  const groups = useMemo(() => groupConversations(list.conversations, i18n.language), [list.conversations, i18n.language]);
  const folders = useMemo(() => folderNames(list.conversations, i18n.language), [list.conversations, i18n.language]);

  const goTo = useCallback((next: Screen) => {
    showScreen(next);
    setDrawerOpen(false);
  }, []);

  const startNewChat = useCallback(() => {
    newChat();
    setDraftParams(null);
    goTo('chat');
    requestAnimationFrame(() => inputRef.current?.focus());
  }, [newChat, goTo]);

  // Another screen (a transcript) can start a new chat with text in its composer.
  useEffect(() => registerNewChat(startNewChat), [startNewChat]);

  const open = useCallback(
    (conversationId: string) => {
      openConversation(conversationId);
      goTo('chat');
    },
    [openConversation, goTo],
  );

  const pickSearchHit = useCallback(
    (hit: SearchHit) => {
      setOverlay(null);
      if (hit.conversationId === chat.conversationId && !chat.loading) focusMessage(hit.messageId);
      else openConversation(hit.conversationId, hit.messageId);
      goTo('chat');
    },
    [chat.conversationId, chat.loading, focusMessage, openConversation, goTo],
  );

  const { update, trash, restore, purge, loadScope } = list;

  const changeScope = useCallback(
    (next: ConversationScope) => {
      setScope(next);
      if (next !== 'active') loadScope(next);
    },
    [loadScope],
  );

  const toggleGroup = useCallback((key: string) => {
    setCollapsed((current) => {
      const next = new Set(current);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  }, []);

  const itemActions = useMemo<ConversationItemActions>(
    () => ({
      open,
      update: (id, patch) => {
        void update(id, patch).then((summary) => {
          if (summary) session.conversationChanged(summary);
        });
      },
      trash: (id) => {
        void trash(id).then((ok) => {
          // The open chat went to the trash: the view moves on to a new chat.
          if (ok && id === chat.conversationId) newChat();
        });
      },
    }),
    // `session.conversationChanged` is stable; listing `session` would rebuild this on every frame.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [open, update, trash, chat.conversationId, newChat],
  );
  const restoreOne = useCallback((id: string) => void restore(id), [restore]);
  const purgeOne = useCallback((id: string) => void purge(id), [purge]);

  const closeDrawer = useCallback(() => setDrawerOpen(false), []);
  const openDrawer = useCallback(() => setDrawerOpen(true), []);
  const openSearch = useCallback(() => setOverlay('search'), []);
  const openHelp = useCallback(() => setOverlay('help'), []);
  const closeOverlay = useCallback(() => setOverlay(null), []);

  // A layout effect: the handler sees the list and chat of the commit on screen, so a shortcut
  // pressed right after the list appears (before passive effects ran) acts on what is shown.
  useLayoutEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const shortcut = matchShortcut(event);
      if (shortcut === null) return;
      if (shortcut === 'stop') {
        // The nearest thing is dismissed first: an overlay, the drawer, then the stream.
        if (overlay !== null) setOverlay(null);
        else if (narrow && drawerOpen) setDrawerOpen(false);
        else if (activeStream) {
          event.preventDefault();
          stop();
        }
        return;
      }
      event.preventDefault();
      switch (shortcut) {
        case 'newChat':
          startNewChat();
          return;
        case 'search':
          setOverlay((current) => (current === 'search' ? null : 'search'));
          return;
        case 'help':
          setOverlay((current) => (current === 'help' ? null : 'help'));
          return;
        case 'nextConversation':
        case 'previousConversation': {
          const next = neighbourConversation(groups, collapsed, chat.conversationId, shortcut === 'nextConversation' ? 1 : -1);
          if (next) open(next);
          return;
        }
        case 'focusComposer':
          goTo('chat');
          inputRef.current?.focus();
          return;
        case 'screenChat':
          goTo('chat');
          return;
        case 'screenImages':
          goTo('images');
          return;
        case 'screenUsage':
          goTo('usage');
          return;
        case 'screenSettings':
          goTo('settings');
          return;
        case 'screenMeetings':
          goTo('meetings');
          return;
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [activeStream, drawerOpen, narrow, overlay, startNewChat, stop, groups, collapsed, chat.conversationId, open, goTo]);

  const summary = list.conversations.find((c) => c.id === chat.conversationId) ?? null;

  return (
    <div className="workspace" data-narrow={narrow || undefined} data-screen={screen}>
      {demo ? <DemoBanner /> : null}
      <div className="workspace-body">
        <Sidebar
          screen={screen}
          onScreen={goTo}
          scope={scope}
          onScope={changeScope}
          groups={groups}
          collapsed={collapsed}
          onToggleGroup={toggleGroup}
          folders={folders}
          archived={list.lists.archived}
          trash={list.lists.trash}
          activeId={screen === 'chat' ? chat.conversationId : null}
          itemActions={itemActions}
          onRestore={restoreOne}
          onPurge={purgeOne}
          drawer={narrow}
          open={drawerOpen}
          onClose={closeDrawer}
          onNewChat={startNewChat}
          onSearch={openSearch}
          onHelp={openHelp}
        />
        {narrow && drawerOpen ? <div className="drawer-backdrop" onClick={closeDrawer} aria-hidden="true" /> : null}
        <main className="workspace-main">
          <div className="screen-slot" hidden={screen !== 'chat'}>
            <ChatView
              session={session}
              summary={summary}
              models={models}
              draftModel={draftModel}
              onDraftModel={setNewChatModel}
              draftParams={draftParams}
              onDraftParams={setDraftParams}
              updateConversation={list.update}
              onConversationStarted={list.refresh}
              demo={demo}
              narrow={narrow}
              menuOpen={drawerOpen}
              onOpenMenu={openDrawer}
              inputRef={inputRef}
            />
          </div>
          {visited.has('images') ? (
            <ScreenSlot shown={screen === 'images'} title={t('nav.images')} narrow={narrow} menuOpen={drawerOpen} onOpenMenu={openDrawer}>
              <ImageStudio notify={notify} />
            </ScreenSlot>
          ) : null}
          {visited.has('meetings') ? (
            <ScreenSlot shown={screen === 'meetings'} title={t('nav.meetings')} narrow={narrow} menuOpen={drawerOpen} onOpenMenu={openDrawer}>
              <MeetingsScreen notify={notify} />
            </ScreenSlot>
          ) : null}
          {visited.has('usage') ? (
            <ScreenSlot shown={screen === 'usage'} title={t('nav.usage')} narrow={narrow} menuOpen={drawerOpen} onOpenMenu={openDrawer}>
              <UsageCockpit notify={notify} />
            </ScreenSlot>
          ) : null}
          {visited.has('settings') ? (
            <ScreenSlot shown={screen === 'settings'} title={t('nav.settings')} narrow={narrow} menuOpen={drawerOpen} onOpenMenu={openDrawer}>
              <SettingsScreen notify={notify} />
            </ScreenSlot>
          ) : null}
        </main>
      </div>
      {overlay === 'search' ? <SearchPalette onClose={closeOverlay} onPick={pickSearchHit} notify={notify} /> : null}
      {overlay === 'help' ? <ShortcutsHelp onClose={closeOverlay} /> : null}
    </div>
  );
}

/** Another engineer's screen in the workspace: a bar with the menu button on narrow screens. */
function ScreenSlot(props: {
  shown: boolean;
  title: string;
  narrow: boolean;
  menuOpen: boolean;
  onOpenMenu: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <div className="screen-slot" hidden={!props.shown}>
      {props.narrow ? (
        <header className="screen-bar">
          <button
            type="button"
            className="icon-button"
            aria-label={t('sidebar.openMenu')}
            aria-controls="sidebar"
            aria-expanded={props.menuOpen}
            onClick={props.onOpenMenu}
          >
            <MenuIcon />
          </button>
          <h1 className="screen-bar-title">{props.title}</h1>
        </header>
      ) : null}
      <div className="screen-body">
        <Suspense
          fallback={
            <p className="screen-loading fine-print" role="status">
              {t('nav.loading')}
            </p>
          }
        >
          {props.children}
        </Suspense>
      </div>
    </div>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppStatus, DeskError, Message } from './api/types';
import { ChatHeader } from './components/ChatHeader';
import { ChatMessages } from './components/ChatMessages';
import { Composer } from './components/Composer';
import { DemoBanner } from './components/DemoBanner';
import { ErrorExplanation } from './components/ErrorExplanation';
import { Sidebar } from './components/Sidebar';
import { Toasts } from './components/Toasts';
import { WelcomePanel } from './components/WelcomePanel';
import { useAppStatus } from './state/useAppStatus';
import { useChatSession } from './state/useChatSession';
import { useConversationList } from './state/useConversationList';
import { useMediaQuery } from './state/useMediaQuery';
import { useToasts } from './state/useToasts';

const NARROW_QUERY = '(max-width: 719.98px)';

export function App() {
  const { t } = useTranslation();
  const { toasts, notify, dismiss } = useToasts();
  const { boot, demoStarting, retry, startDemo } = useAppStatus(notify);

  let body;
  if (boot.phase === 'loading') {
    body = (
      <div className="boot" role="status">
        {t('app.starting')}
      </div>
    );
  } else if (boot.phase === 'failed') {
    body = <BootFailure error={boot.error} onRetry={retry} />;
  } else if (boot.phase === 'browser' || boot.status.mode === 'needs_setup') {
    body = (
      <WelcomePanel
        backendAvailable={boot.phase === 'ready'}
        demoStarting={demoStarting}
        onStartDemo={() => void startDemo()}
      />
    );
  } else {
    body = <Workspace status={boot.status} notify={notify} />;
  }

  // Outside the app there is no status; the welcome panel it shows is the needs_setup screen.
  const mode = boot.phase === 'ready' ? boot.status.mode : boot.phase === 'browser' ? 'needs_setup' : undefined;

  return (
    <div className="app" data-mode={mode} data-runtime={boot.phase === 'browser' ? 'browser' : 'tauri'}>
      {body}
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}

function BootFailure({ error, onRetry }: { error: DeskError; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <main className="welcome">
      <section className="welcome-card" role="alert">
        <h1>{t('app.backendFailed')}</h1>
        <ErrorExplanation code={error.code} detail={error.message} requestId={error.requestId} />
        <button type="button" className="primary-button" onClick={onRetry} aria-label={t('app.retry')}>
          {t('app.retry')}
        </button>
      </section>
    </main>
  );
}

/** The chat layout for a ready backend (live or demo). */
function Workspace({ status, notify }: { status: AppStatus; notify: (error: DeskError) => void }) {
  const { t } = useTranslation();
  const demo = status.mode === 'demo';
  const narrow = useMediaQuery(NARROW_QUERY);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [newChatModel, setNewChatModel] = useState(status.defaultModel);
  const inputRef = useRef<HTMLTextAreaElement | null>(null);

  const { conversations, refresh } = useConversationList(notify);
  const draftModel = status.models.includes(newChatModel) ? newChatModel : status.defaultModel;
  const session = useChatSession({ newChatModel: draftModel, notify, onReplySettled: refresh });
  const { chat, activeStream, newChat, openConversation, send, stop } = session;

  const startNewChat = useCallback(() => {
    newChat();
    setDrawerOpen(false);
    inputRef.current?.focus();
  }, [newChat]);

  const open = useCallback(
    (conversationId: string) => {
      openConversation(conversationId);
      setDrawerOpen(false);
    },
    [openConversation],
  );

  const closeDrawer = useCallback(() => setDrawerOpen(false), []);
  const openDrawer = useCallback(() => setDrawerOpen(true), []);
  const sendAndRefresh = useCallback(
    async (prompt: string) => {
      const result = await send(prompt);
      // A new conversation exists from the moment its reply starts; list it right away.
      if (result === 'started') refresh();
      return result;
    },
    [send, refresh],
  );

  const streamingHere =
    activeStream !== null &&
    (activeStream.viewKey === chat.viewKey ||
      (activeStream.conversationId !== null && activeStream.conversationId === chat.conversationId));

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'n') {
        event.preventDefault();
        startNewChat();
      } else if (event.key === 'Escape') {
        // The open drawer is the nearer thing to dismiss; the stream comes next.
        if (narrow && drawerOpen) {
          setDrawerOpen(false);
        } else if (activeStream) {
          event.preventDefault();
          stop();
        }
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [activeStream, drawerOpen, narrow, startNewChat, stop]);

  const summary = conversations.find((c) => c.id === chat.conversationId) ?? chat.conversation;
  const title = summary?.title ?? t('chat.newChatTitle');
  const conversationModel =
    chat.conversationId === null ? null : (summary?.model ?? lastModel(chat.messages) ?? draftModel);

  return (
    <div className="workspace" data-narrow={narrow || undefined}>
      {demo ? <DemoBanner /> : null}
      <div className="workspace-body">
        <Sidebar
          conversations={conversations}
          activeId={chat.conversationId}
          drawer={narrow}
          open={drawerOpen}
          onClose={closeDrawer}
          onNewChat={startNewChat}
          onOpen={open}
        />
        {narrow && drawerOpen ? (
          <div className="drawer-backdrop" onClick={closeDrawer} aria-hidden="true" />
        ) : null}
        <main className="chat">
          <ChatHeader
            title={title}
            model={conversationModel}
            models={status.models}
            selectedModel={draftModel}
            onSelectModel={setNewChatModel}
            demo={demo}
            showMenuButton={narrow}
            menuOpen={drawerOpen}
            onOpenMenu={openDrawer}
          />
          <ChatMessages chat={chat} demo={demo} />
          <Composer
            streaming={streamingHere}
            busyElsewhere={activeStream !== null && !streamingHere}
            demo={demo}
            onSend={sendAndRefresh}
            onStop={stop}
            inputRef={inputRef}
          />
        </main>
      </div>
    </div>
  );
}

function lastModel(messages: Message[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const model = messages[i].model;
    if (model) return model;
  }
  return null;
}

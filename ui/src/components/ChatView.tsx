import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatParams, ConversationPatch, ConversationSummary, Message, NewAttachment } from '../api/types';
import type { ErrorAction } from '../errors/errorActions';
import { loadAttachment } from '../state/attachmentCache';
import { filesOf } from '../state/attachmentFiles';
import { mentionsJson, withDefaults } from '../state/chatParams';
import { isAssistantModel, resetAssistants, useAssistants } from '../state/useAssistants';
import type { ChatSession } from '../state/useChatSession';
import type { Models } from '../state/useModels';
import { showScreen } from '../state/workspaceNavigation';
import { stopSpeech } from '../voice/speechOutput';
import { traced, timedRender } from '../perf/trace';
import { resetVoicePreferences, useVoicePreferences } from '../voice/voicePreferences';
import { BudgetNotice } from './BudgetNotice';
import { ChatHeader } from './ChatHeader';
import { Composer, type ComposerHandle } from './Composer';
import type { MessageActions } from './messageActions';
import { MessageList } from './MessageList';
import { SpeechBar } from './voice/ReadAloud';
import { parseToolThreadKey, ToolThreadContext, type ToolThread } from './tools/toolContext';


interface Props {
  session: ChatSession;
  /** The open conversation as the sidebar lists it (fresher than the loaded view's copy). */
  summary: ConversationSummary | null;
  models: Models;
  /** Model and parameters for the next new chat. */
  draftModel: string;
  onDraftModel: (model: string) => void;
  draftParams: ChatParams | null;
  onDraftParams: (params: ChatParams) => void;
  updateConversation: (conversationId: string, patch: ConversationPatch) => Promise<ConversationSummary | null>;
  /** A message was sent in a new chat: the sidebar lists it at once. */
  onConversationStarted: () => void;
  demo: boolean;
  narrow: boolean;
  menuOpen: boolean;
  onOpenMenu: () => void;
  inputRef: RefObject<HTMLTextAreaElement | null>;
}

/** The open conversation: header, history and composer. */
export const ChatView = timedRender('chatview', ChatViewImpl);
function ChatViewImpl(props: Props) {
  const { session, summary, models, draftModel, onDraftModel, draftParams, onDraftParams } = props;
  const { updateConversation, onConversationStarted, demo, narrow, menuOpen, onOpenMenu, inputRef } = props;
  const { t } = useTranslation();
  const { chat, activeStream } = session;
  const composer = useRef<ComposerHandle>(null);
  const modelSelect = useRef<HTMLSelectElement>(null);
  const [dragging, setDragging] = useState(false);
  const assistants = useAssistants();
  // Loaded here so a send knows whether to read the reply aloud.
  useVoicePreferences();
  // The chat lives as long as the signed-in workspace: what it loaded belongs to this profile.
  useEffect(
    () => () => {
      stopSpeech();
      resetAssistants();
      resetVoicePreferences();
    },
    [],
  );
  // A model picked for an existing conversation applies to what is sent next in it.
  const [override, setOverride] = useState<{ conversationId: string; model: string } | null>(null);

  const isNew = chat.conversationId === null;
  const conversation = summary ?? chat.conversation;
  // The reducer keeps the shown path's positions (extended, not redone, when a reply grows it);
  // each streamed frame reads the messages at them (a 10,000-message path cost ~1.6 ms a frame
  // in WebKit when every frame looked each id up again).
  const path = useMemo(
    () => traced('chat view: path', () => chat.pathPositions.map((index) => chat.messages[index])),
    [chat.pathPositions, chat.messages],
  );
  const overridden = override !== null && override.conversationId === chat.conversationId ? override.model : null;
  const model = isNew ? draftModel : (overridden ?? conversation?.model ?? lastModel(path) ?? draftModel);
  const modelView = models.byId.get(model);
  // Parameters stored before the newer fields existed are read with their defaults.
  const storedParams = isNew ? draftParams : conversation?.params;
  const params = useMemo(() => withDefaults(storedParams), [storedParams]);

  const streamingHere =
    activeStream !== null &&
    (activeStream.viewKey === chat.viewKey ||
      (activeStream.conversationId !== null && activeStream.conversationId === chat.conversationId));
  const busy = activeStream !== null;

  const selectModel = useCallback(
    (next: string) => {
      if (chat.conversationId === null) onDraftModel(next);
      else setOverride({ conversationId: chat.conversationId, model: next });
    },
    [chat.conversationId, onDraftModel],
  );

  const { conversationChanged } = session;
  const saveParams = useCallback(
    (next: ChatParams) => {
      if (chat.conversationId === null) {
        onDraftParams(next);
        return;
      }
      void updateConversation(chat.conversationId, { params: next }).then((updated) => {
        if (updated) conversationChanged(updated);
      });
    },
    [chat.conversationId, onDraftParams, updateConversation, conversationChanged],
  );

  const leafId = chat.path.length > 0 ? chat.path[chat.path.length - 1] : null;
  const { send } = session;
  const onSend = useCallback(
    async (prompt: string, attachments: NewAttachment[]) => {
      const result = await send({
        prompt,
        // null keeps the conversation's own model unless another was picked for it.
        model: isNew ? model : overridden,
        ...(isNew ? {} : { parentId: leafId }),
        ...(attachments.length > 0 ? { attachments } : {}),
        ...(isNew && draftParams ? { params: draftParams } : {}),
      });
      // A new conversation exists from the moment its reply starts; list it right away.
      if (result === 'started' && isNew) onConversationStarted();
      return result;
    },
    [send, isNew, model, overridden, leafId, draftParams, onConversationStarted],
  );

  // Which tool calls have results, and the names of the calls: rebuilt only when those change.
  const { submitToolResults } = session;
  const toolThread = useMemo<ToolThread>(
    () => ({ ...parseToolThreadKey(chat.toolThreadKey), submit: submitToolResults }),
    [chat.toolThreadKey, submitToolResults],
  );

  // JSON output needs the word "JSON" in the prompt or the system prompt; the core would refuse.
  const checkPrompt = useCallback(
    (prompt: string) => (params.responseFormat === 'json_object' && !mentionsJson(prompt, params.systemPrompt) ? 'jsonMissing' : null),
    [params.responseFormat, params.systemPrompt],
  );

  const { regenerate, continueReply, deleteMessage, stepBranch } = session;
  const actions = useMemo<MessageActions>(
    () => ({
      remove: (id) => void deleteMessage(id),
      regenerate: (id) => void regenerate(id),
      continueReply: (id) => void continueReply(id),
      editAndResend: (message: Message, prompt: string) => {
        // The edited prompt keeps its images: they are read back from the store and sent again.
        void Promise.all(message.attachments.map((a) => loadAttachment(a.id)))
          .then((data) => data.map(({ mime, base64 }) => ({ mime, base64 })))
          .catch(() => [] as NewAttachment[])
          .then((attachments) =>
            // `editOf` rather than the parent: it also covers the first prompt, whose new version
            // is a new root.
            send({
              prompt,
              model: overridden,
              editOf: message.id,
              ...(attachments.length > 0 ? { attachments } : {}),
            }),
          );
      },
      stepBranch,
      errorAction: (action: ErrorAction, message: Message) => {
        switch (action) {
          case 'retry':
            void regenerate(message.id);
            return;
          case 'continue':
            void continueReply(message.id);
            return;
          case 'chooseModel':
            modelSelect.current?.focus();
            return;
          case 'openSettings':
            showScreen('settings');
            return;
          case 'openUsage':
            showScreen('usage');
            return;
        }
      },
    }),
    [deleteMessage, regenerate, continueReply, send, stepBranch, overridden],
  );

  // Assistants (Bailian Apps) take text only.
  const acceptsImages = !isAssistantModel(model) && (modelView?.acceptsImages ?? false);
  const onDragOver = (event: DragEvent) => {
    if (![...event.dataTransfer.types].includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = acceptsImages ? 'copy' : 'none';
    setDragging(true);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    composer.current?.addFiles(filesOf(event.dataTransfer));
  };

  let placeholder = null;
  if (chat.loading) {
    placeholder = (
      <div className="chat-placeholder" role="status">
        <p className="fine-print">{t('chat.loading')}</p>
      </div>
    );
  } else if (path.length === 0) {
    placeholder = (
      <div className="chat-placeholder">
        <h2>{demo ? t('chat.emptyDemoTitle') : t('chat.emptyTitle')}</h2>
        <p>{demo ? t('chat.emptyDemoBody') : t('chat.emptyBody')}</p>
      </div>
    );
  }

  return (
    <section
      className="chat"
      data-dragging={dragging || undefined}
      aria-label={t('nav.chat')}
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <ChatHeader
        title={conversation?.title ?? t('chat.newChatTitle')}
        modelGroups={models.groups}
        assistants={assistants}
        model={model}
        modelView={modelView}
        onSelectModel={selectModel}
        modelRef={modelSelect}
        params={params}
        isNew={isNew}
        onSaveParams={saveParams}
        demo={demo}
        showMenuButton={narrow}
        menuOpen={menuOpen}
        onOpenMenu={onOpenMenu}
      />
      {placeholder ?? (
        <ToolThreadContext value={toolThread}>
        <MessageList
          key={chat.viewKey}
          messages={path}
          tree={chat.tree}
          liveMessageId={chat.liveMessageId}
          retry={chat.retry}
          requestIds={chat.requestIds}
          contextLeftOut={chat.contextLeftOut}
          thinking={chat.thinking}
          focus={chat.focus}
          busy={busy}
          actions={actions}
        />
        </ToolThreadContext>
      )}
      <p className="sr-only" role="status" data-testid="reply-announcement">
        {chat.announcement ? t(`chat.announce.${chat.announcement}`) : ''}
      </p>
      {session.budgetNotice ? (
        <BudgetNotice budget={session.budgetNotice} onDismiss={session.dismissBudgetNotice} />
      ) : null}
      <SpeechBar />
      <Composer
        streaming={streamingHere}
        busyElsewhere={busy && !streamingHere}
        demo={demo}
        acceptsImages={acceptsImages}
        onSend={onSend}
        checkPrompt={checkPrompt}
        onStop={session.stop}
        inputRef={inputRef}
        handleRef={composer}
      />
      {dragging ? (
        <div className="drop-overlay" aria-hidden="true">
          {acceptsImages ? t('attachments.dropHere') : t('attachments.problem.noImages')}
        </div>
      ) : null}
    </section>
  );
}

function lastModel(messages: readonly Message[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const model = messages[i].model;
    if (model) return model;
  }
  return null;
}

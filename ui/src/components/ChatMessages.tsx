import { useTranslation } from 'react-i18next';
import type { ChatState } from '../state/chatReducer';
import { MessageList } from './MessageList';

interface Props {
  chat: ChatState;
  demo: boolean;
}

/** The history, with a loading note or an empty-chat greeting above it when there is nothing yet. */
export function ChatMessages({ chat, demo }: Props) {
  const { t } = useTranslation();

  let placeholder = null;
  if (chat.loading) {
    placeholder = (
      <div className="chat-placeholder" role="status">
        <p className="fine-print">{t('chat.loading')}</p>
      </div>
    );
  } else if (chat.messages.length === 0) {
    placeholder = (
      <div className="chat-placeholder">
        <h2>{demo ? t('chat.emptyDemoTitle') : t('chat.emptyTitle')}</h2>
        <p>{demo ? t('chat.emptyDemoBody') : t('chat.emptyBody')}</p>
      </div>
    );
  }

  return (
    <MessageList
      messages={chat.messages}
      liveMessageId={chat.liveMessageId}
      retry={chat.retry}
      requestIds={chat.requestIds}
    >
      {placeholder}
    </MessageList>
  );
}

import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { MenuIcon } from './icons';

interface Props {
  title: string;
  /** The conversation's model; null for a new chat, which offers a choice instead. */
  model: string | null;
  models: string[];
  selectedModel: string;
  onSelectModel: (model: string) => void;
  demo: boolean;
  showMenuButton: boolean;
  menuOpen: boolean;
  onOpenMenu: () => void;
}

function ChatHeaderView(props: Props) {
  const { title, model, models, selectedModel, onSelectModel, demo, showMenuButton, menuOpen, onOpenMenu } =
    props;
  const { t } = useTranslation();
  return (
    <header className="chat-header">
      {showMenuButton ? (
        <button
          type="button"
          className="icon-button"
          aria-label={t('sidebar.openMenu')}
          aria-controls="sidebar"
          aria-expanded={menuOpen}
          onClick={onOpenMenu}
        >
          <MenuIcon />
        </button>
      ) : null}
      <h1 className="chat-title" title={title}>
        {title}
      </h1>
      <div className="chat-model">
        {model === null && models.length > 1 ? (
          <select
            className="model-select"
            aria-label={t('chat.chooseModel')}
            value={selectedModel}
            onChange={(event) => onSelectModel(event.target.value)}
          >
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        ) : (
          <span className="model-name" aria-label={`${t('chat.modelLabel')}: ${model ?? selectedModel}`}>
            {model ?? selectedModel}
          </span>
        )}
        {demo ? (
          <span className="badge badge--demo" data-testid="header-demo-badge" title={t('message.demoBadgeLabel')}>
            {t('message.demoBadge')}
          </span>
        ) : null}
      </div>
    </header>
  );
}

export const ChatHeader = memo(ChatHeaderView);

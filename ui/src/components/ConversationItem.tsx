import { memo, useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationPatch, ConversationSummary } from '../api/types';
import { formatRelativeTime } from '../format/relativeTime';
import { ArchiveIcon, EditIcon, FolderIcon, MoreIcon, PinIcon, TrashIcon } from './icons';

export interface ConversationItemActions {
  open: (conversationId: string) => void;
  update: (conversationId: string, patch: ConversationPatch) => void;
  trash: (conversationId: string) => void;
}

interface Props {
  conversation: ConversationSummary;
  active: boolean;
  now: number;
  folders: readonly string[];
  actions: ConversationItemActions;
}

type Mode = 'idle' | 'menu' | 'rename' | 'folder';

/** One chat in the sidebar, with its menu: rename, pin, folder, archive, trash. */
function ConversationItemView({ conversation, active, now, folders, actions }: Props) {
  const { t, i18n } = useTranslation();
  const [mode, setMode] = useState<Mode>('idle');
  const when = formatRelativeTime(conversation.updatedAt, now, i18n.language, t('time.justNow'));
  const id = conversation.id;

  if (mode === 'rename' || mode === 'folder') {
    return (
      <li className="conversation-row">
        <InlineField
          label={mode === 'rename' ? t('conversations.renameLabel') : t('conversations.folderLabel')}
          initial={mode === 'rename' ? conversation.title : (conversation.folder ?? '')}
          suggestions={mode === 'folder' ? folders : []}
          placeholder={mode === 'folder' ? t('conversations.folderPlaceholder') : undefined}
          onCancel={() => setMode('idle')}
          onSubmit={(value) => {
            setMode('idle');
            if (mode === 'rename') {
              if (value.trim() !== '' && value !== conversation.title) actions.update(id, { title: value.trim() });
            } else {
              const folder = value.trim() === '' ? null : value.trim();
              if (folder !== conversation.folder) actions.update(id, { folder });
            }
          }}
        />
      </li>
    );
  }

  return (
    <li className="conversation-row" data-active={active || undefined}>
      <button
        type="button"
        className="conversation-item"
        data-testid="conversation-item"
        data-conversation-id={id}
        aria-current={active ? 'page' : undefined}
        aria-label={`${conversation.title}, ${when}`}
        onClick={() => actions.open(id)}
      >
        {conversation.pinned ? <PinIcon size={13} /> : null}
        <span className="conversation-title">{conversation.title}</span>
        <time className="conversation-time" dateTime={new Date(conversation.updatedAt).toISOString()}>
          {when}
        </time>
      </button>
      <button
        type="button"
        className="icon-button icon-button--small conversation-more"
        data-testid="conversation-menu"
        aria-label={t('conversations.menu', { title: conversation.title })}
        aria-haspopup="menu"
        aria-expanded={mode === 'menu'}
        onClick={() => setMode(mode === 'menu' ? 'idle' : 'menu')}
      >
        <MoreIcon />
      </button>
      {mode === 'menu' ? (
        <ItemMenu
          onClose={() => setMode('idle')}
          items={[
            { key: 'rename', label: t('conversations.rename'), icon: <EditIcon />, run: () => setMode('rename') },
            {
              key: 'pin',
              label: conversation.pinned ? t('conversations.unpin') : t('conversations.pin'),
              icon: <PinIcon />,
              run: () => actions.update(id, { pinned: !conversation.pinned }),
            },
            { key: 'folder', label: t('conversations.moveToFolder'), icon: <FolderIcon />, run: () => setMode('folder') },
            {
              key: 'archive',
              label: conversation.archived ? t('conversations.unarchive') : t('conversations.archive'),
              icon: <ArchiveIcon />,
              run: () => actions.update(id, { archived: !conversation.archived }),
            },
            { key: 'trash', label: t('conversations.trash'), icon: <TrashIcon />, run: () => actions.trash(id), danger: true },
          ]}
        />
      ) : null}
    </li>
  );
}

export const ConversationItem = memo(ConversationItemView);

interface MenuItem {
  key: string;
  label: string;
  icon: ReactNode;
  run: () => void;
  danger?: boolean;
}

/** A small menu under the item's button; arrow keys move, Escape or a click outside closes it. */
export function ItemMenu({ items, onClose }: { items: MenuItem[]; onClose: () => void }) {
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    menu.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const onPointer = (event: PointerEvent) => {
      if (!menu.current?.parentElement?.contains(event.target as Node)) onClose();
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [onClose]);

  const onKeyDown = (event: KeyboardEvent) => {
    const buttons = [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      buttons[(index + step + buttons.length) % buttons.length]?.focus();
    }
  };

  return (
    <div ref={menu} className="item-menu" role="menu" onKeyDown={onKeyDown}>
      {items.map((item) => (
        <button
          key={item.key}
          type="button"
          role="menuitem"
          className="item-menu-entry"
          data-danger={item.danger || undefined}
          data-testid={`menu-${item.key}`}
          onClick={() => {
            onClose();
            item.run();
          }}
        >
          {item.icon}
          <span>{item.label}</span>
        </button>
      ))}
    </div>
  );
}

function InlineField({
  label,
  initial,
  suggestions,
  placeholder,
  onSubmit,
  onCancel,
}: {
  label: string;
  initial: string;
  suggestions: readonly string[];
  placeholder?: string;
  onSubmit: (value: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(initial);
  const listId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(value);
  };
  return (
    <form className="inline-field" onSubmit={submit}>
      <input
        // Opened by a deliberate click on "Rename" or "Move to folder": typing is what comes next.
        autoFocus
        className="inline-field-input"
        data-testid="inline-field"
        aria-label={label}
        value={value}
        placeholder={placeholder}
        list={suggestions.length > 0 ? listId : undefined}
        onChange={(event) => setValue(event.target.value)}
        onBlur={() => onSubmit(value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            onCancel();
          }
        }}
      />
      {suggestions.length > 0 ? (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
    </form>
  );
}

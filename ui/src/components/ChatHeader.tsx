import { memo, useCallback, useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { Assistant, ChatParams, ModelView } from '../api/types';
import { isCustomised } from '../state/chatParams';
import type { ModelGroup } from '../state/useModels';
import { MenuIcon, SlidersIcon } from './icons';
import { ModelPicker } from './ModelPicker';
import { ParamsPanel } from './ParamsPanel';

interface Props {
  title: string;
  modelGroups: readonly ModelGroup[];
  assistants: readonly Assistant[];
  model: string;
  modelView: ModelView | undefined;
  onSelectModel: (model: string) => void;
  modelRef: Ref<HTMLSelectElement>;
  params: ChatParams;
  isNew: boolean;
  onSaveParams: (params: ChatParams) => void;
  demo: boolean;
  showMenuButton: boolean;
  menuOpen: boolean;
  onOpenMenu: () => void;
}

function ChatHeaderView(props: Props) {
  const { title, modelGroups, assistants, model, modelView, onSelectModel, modelRef, params, isNew, onSaveParams } = props;
  const { demo, showMenuButton, menuOpen, onOpenMenu } = props;
  const { t } = useTranslation();
  const [panelOpen, setPanelOpen] = useState(false);
  const closePanel = useCallback(() => setPanelOpen(false), []);
  const customised = isCustomised(params);

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
        <ModelPicker groups={modelGroups} assistants={assistants} value={model} onChange={onSelectModel} selectRef={modelRef} />
        {demo ? (
          <span className="badge badge--demo" data-testid="header-demo-badge" title={t('message.demoBadgeLabel')}>
            {t('message.demoBadge')}
          </span>
        ) : null}
        <div className="params-anchor">
          <button
            type="button"
            className="icon-button"
            data-testid="params-button"
            data-customised={customised || undefined}
            aria-label={t('params.open')}
            title={t('params.open')}
            aria-expanded={panelOpen}
            onClick={() => setPanelOpen((open) => !open)}
          >
            <SlidersIcon />
          </button>
          {panelOpen ? (
            <ParamsPanel
              params={params}
              model={modelView}
              isNew={isNew}
              onClose={closePanel}
              onSave={(next) => {
                setPanelOpen(false);
                onSaveParams(next);
              }}
            />
          ) : null}
        </div>
      </div>
    </header>
  );
}

export const ChatHeader = memo(ChatHeaderView);

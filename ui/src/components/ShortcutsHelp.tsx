import { useTranslation } from 'react-i18next';
import { Dialog } from './Dialog';
import { CloseIcon } from './icons';
import { OTHER_KEYS, SHORTCUTS, shortcutLabel } from './shortcuts';

/** Every keyboard shortcut, from the same list the handler uses. */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const rows = [...SHORTCUTS, ...OTHER_KEYS];
  return (
    <Dialog label={t('shortcuts.title')} onClose={onClose} className="shortcuts-dialog" testId="shortcuts-help">
      <div className="dialog-head">
        <h2>{t('shortcuts.title')}</h2>
        <button type="button" className="icon-button" aria-label={t('shortcuts.close')} onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <table className="shortcuts-table">
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{t(`shortcuts.${row.id}`)}</th>
              <td>
                {row.keys.map((keys, i) => (
                  <span key={keys}>
                    {i > 0 ? <span className="shortcut-or"> {t('shortcuts.or')} </span> : null}
                    <kbd>{shortcutLabel(keys)}</kbd>
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}

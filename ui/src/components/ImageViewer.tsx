import { useEffect, useRef } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { CloseIcon } from './icons';

/** An image at full size over everything; Escape, the button or a click closes it. */
export function ImageViewer({ src, onClose }: { src: string; onClose: () => void }) {
  const { t } = useTranslation();
  const close = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      previous?.focus();
    };
  }, [onClose]);

  return createPortal(
    <div className="image-viewer" role="dialog" aria-modal="true" aria-label={t('attachments.viewer')} onClick={onClose}>
      <img src={src} alt="" />
      <button ref={close} type="button" className="icon-button image-viewer-close" aria-label={t('attachments.closeViewer')}>
        <CloseIcon />
      </button>
    </div>,
    document.body,
  );
}

import { memo, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '../api/types';
import { dataUrl, loadAttachment } from '../state/attachmentCache';
import { ImageViewer } from './ImageViewer';

/** The images a stored message carries, fetched from the store when the row is shown. */
export const AttachmentThumbs = memo(function AttachmentThumbs({ attachments }: { attachments: Attachment[] }) {
  const { t } = useTranslation();
  const [viewing, setViewing] = useState<string | null>(null);
  const closeViewer = useCallback(() => setViewing(null), []);
  return (
    <div className="attachment-thumbs" data-testid="attachment-thumbs">
      {attachments.map((attachment, i) => (
        <StoredThumb
          key={attachment.id}
          attachment={attachment}
          label={t('attachments.storedImage', { n: i + 1 })}
          onOpen={setViewing}
        />
      ))}
      {viewing ? <ImageViewer src={viewing} onClose={closeViewer} /> : null}
    </div>
  );
});

function StoredThumb({
  attachment,
  label,
  onOpen,
}: {
  attachment: Attachment;
  label: string;
  onOpen: (url: string) => void;
}) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let current = true;
    loadAttachment(attachment.id).then(
      (data) => current && setUrl(dataUrl(data)),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [attachment.id]);

  if (failed) {
    return (
      <span className="attachment-thumb attachment-thumb--missing" role="img" aria-label={label}>
        {t('attachments.unavailable')}
      </span>
    );
  }
  return (
    <button
      type="button"
      className="attachment-thumb"
      aria-label={t('attachments.open', { name: label })}
      disabled={url === null}
      onClick={() => url && onOpen(url)}
    >
      {url ? <img src={url} alt={label} /> : <span className="attachment-loading" aria-hidden="true" />}
    </button>
  );
}

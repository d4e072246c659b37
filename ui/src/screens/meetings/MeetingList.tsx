import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingRecord } from '../../api/types';
import { formatDateTime } from '../common/format';
import { formatTimestamp, meetingTitle, statusClass } from './format';

interface Props {
  records: readonly MeetingRecord[];
  loading: boolean;
  selectedId: string | null;
  onSelect: (meetingId: string) => void;
}

function MeetingListView({ records, loading, selectedId, onSelect }: Props) {
  const { t, i18n } = useTranslation();
  return (
    <nav className="sc-card mt-list-card" aria-labelledby="meeting-list-title">
      <h2 id="meeting-list-title" className="sc-section-title">
        {t('meetings.list.title')}
      </h2>
      {loading && records.length === 0 ? <p className="sc-muted">{t('meetings.list.loading')}</p> : null}
      {!loading && records.length === 0 ? (
        <p className="sc-muted" data-testid="meetings-empty">
          {t('meetings.list.empty')}
        </p>
      ) : null}
      {records.length > 0 ? (
        <ul className="mt-list">
          {records.map((record) => (
            <li key={record.id}>
              <button
                type="button"
                className="mt-list-item"
                data-testid="meeting-item"
                data-status={record.status}
                aria-current={record.id === selectedId ? 'true' : undefined}
                onClick={() => onSelect(record.id)}
              >
                <span className="mt-list-head">
                  <span className="mt-list-title">{meetingTitle(record.fileUrl)}</span>
                  <span className={`sc-status sc-status--${statusClass(record.status)}`}>{t(`meetings.status.${record.status}`)}</span>
                </span>
                <span className="sc-fine">
                  {formatDateTime(record.createdAt, i18n.language)}
                  {record.durationMs !== null ? ` · ${formatTimestamp(record.durationMs)}` : ''}
                </span>
                {record.summary ? <span className="mt-list-summary">{record.summary}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </nav>
  );
}

export const MeetingList = memo(MeetingListView);

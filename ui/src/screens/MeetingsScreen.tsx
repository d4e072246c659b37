import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeader } from './common/ui';
import { MeetingList } from './meetings/MeetingList';
import { MeetingView } from './meetings/MeetingView';
import { RecordingUrlForm } from './meetings/RecordingUrlForm';
import { useRevealDetail } from './meetings/useRevealDetail';
import { useMeetings } from './meetings/useMeetings';
import type { ScreenProps } from './screenProps';
import { TranscriptionsPanel } from './transcriptions/TranscriptionsPanel';
import { useTranscriptions } from './transcriptions/useTranscriptions';
import './screens.css';
import './meetings/meetings.css';

type Tab = 'meetings' | 'transcriptions';

/** Tingwu meetings (a recording's URL in, a transcript with speakers, summary, chapters and
 * actions out) and, beside them, plain URL transcriptions with Paraformer. */
export function MeetingsScreen({ notify }: ScreenProps) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>('meetings');
  const meetings = useMeetings(notify);
  // Here rather than in the tab: a job a restart interrupted is followed as soon as the screen opens.
  const transcriptions = useTranscriptions(notify);
  const record = meetings.records.find((r) => r.id === meetings.selectedId) ?? null;
  const { detail, choose } = useRevealDetail(meetings.select);

  return (
    <section className="screen sc-screen" data-screen="MeetingsScreen" aria-labelledby="meetings-title">
      <div className="sc-screen-inner mt-screen">
        <ScreenHeader id="meetings-title" title={t('meetings.title')} />
        <div className="mt-tabs" role="tablist" aria-label={t('meetings.tabs.label')}>
          {(['meetings', 'transcriptions'] as const).map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              id={`meetings-tab-${name}`}
              className="mt-tab"
              aria-selected={tab === name}
              aria-controls={`meetings-panel-${name}`}
              data-testid={`meetings-tab-${name}`}
              onClick={() => setTab(name)}
            >
              {t(`meetings.tabs.${name}`)}
            </button>
          ))}
        </div>
        {tab === 'transcriptions' ? (
          <div role="tabpanel" id="meetings-panel-transcriptions" aria-labelledby="meetings-tab-transcriptions">
            <TranscriptionsPanel transcriptions={transcriptions} />
          </div>
        ) : (
        <div role="tabpanel" id="meetings-panel-meetings" aria-labelledby="meetings-tab-meetings">
        <p className="sc-muted mt-intro">{t('meetings.intro')}</p>
        <div className="mt-layout">
          <div className="mt-side">
            <RecordingUrlForm kind="meeting" onSubmit={meetings.submit} />
            <MeetingList records={meetings.records} loading={meetings.loading} selectedId={meetings.selectedId} onSelect={choose} />
          </div>
          <div className="mt-detail" ref={detail}>
            {record ? (
              <MeetingView key={record.id} record={record} meeting={meetings.detail} error={meetings.detailError} notify={notify} />
            ) : (
              <div className="sc-card mt-view mt-view--empty">
                <p className="sc-muted">{meetings.loading ? t('meetings.list.loading') : t('meetings.view.none')}</p>
              </div>
            )}
          </div>
        </div>
        </div>
        )}
      </div>
    </section>
  );
}

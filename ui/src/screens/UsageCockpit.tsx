import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usageCsv } from '../api/desk';
import type { DeskError } from '../api/types';
import { saveText } from './common/download';
import { Problem, ScreenHeader } from './common/ui';
import { BudgetPanel } from './usage/BudgetPanel';
import { customRange, dayKey, daysOf, presetRange, type RangePreset } from './usage/dateRange';
import { RangePicker } from './usage/RangePicker';
import { UsageSummary } from './usage/UsageSummary';
import { useConversationTitles, useUsage } from './usage/useUsage';
import type { ScreenProps } from './screenProps';
import './screens.css';

const UsageCharts = lazy(() => import('./usage/UsageCharts'));

/** What the API calls cost: by day, model and conversation, with the month's budget and CSV. */
export function UsageCockpit({ notify }: ScreenProps) {
  const { t } = useTranslation();
  const [now] = useState(() => Date.now());
  const [preset, setPreset] = useState<RangePreset>('30d');
  const [custom, setCustom] = useState(() => {
    const month = presetRange('month', now);
    return { from: dayKey(month.since), to: dayKey(month.until - 1) };
  });
  const [exporting, setExporting] = useState(false);
  const [savedPath, setSavedPath] = useState<string | null>(null);

  const range = useMemo(
    () => (preset === 'custom' ? customRange(custom.from, custom.to) : presetRange(preset, now)),
    [preset, custom.from, custom.to, now],
  );
  const days = useMemo(() => (range ? daysOf(range) : []), [range]);
  const { data, loading, error } = useUsage(range);
  const titles = useConversationTitles();

  const exportCsv = async () => {
    if (!range) return;
    setExporting(true);
    try {
      const csv = await usageCsv(range.since, range.until);
      setSavedPath(
        await saveText(`bailian-usage-${dayKey(range.since)}-${dayKey(range.until - 1)}.csv`, csv, 'text/csv;charset=utf-8'),
      );
    } catch (reason) {
      notify(reason as DeskError);
    } finally {
      setExporting(false);
    }
  };

  return (
    <section className="screen sc-screen" data-screen="UsageCockpit" aria-labelledby="usage-title">
      <div className="sc-screen-inner">
        <ScreenHeader id="usage-title" title={t('usage.title')}>
          <button type="button" className="sc-button" disabled={!range || exporting} onClick={() => void exportCsv()} data-testid="usage-csv">
            {exporting ? t('usage.exporting') : t('usage.exportCsv')}
          </button>
        </ScreenHeader>
        {savedPath ? (
          <p className="sc-fine" role="status" data-testid="saved-path">
            {t('files.savedTo', { path: savedPath })}
          </p>
        ) : null}
        <RangePicker
          preset={preset}
          from={custom.from}
          to={custom.to}
          invalid={preset === 'custom' && range === null}
          onPreset={setPreset}
          onCustom={(from, to) => setCustom({ from, to })}
        />
        <div className="sc-usage-top">
          <BudgetPanel notify={notify} />
          {data ? <UsageSummary byModel={data.byModel} /> : <div className="sc-summary" aria-busy={loading || undefined} />}
        </div>
        {error ? <Problem error={error} /> : null}
        {data ? (
          <Suspense fallback={<p className="sc-muted">{t('usage.loadingCharts')}</p>}>
            <UsageCharts data={data} days={days} titles={titles} />
          </Suspense>
        ) : loading ? (
          <p className="sc-muted" role="status">
            {t('usage.loading')}
          </p>
        ) : null}
        <p className="sc-fine">{t('usage.localNote')}</p>
      </div>
    </section>
  );
}

// Loaded on demand (React.lazy): Chart.js stays out of the main chunk and is only fetched when
// someone opens the cockpit.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { UsageTotal } from '../../api/types';
import { formatCny, formatCompact } from '../common/format';
import { BarChart, type Series } from './BarChart';
import { parseDayKey } from './dateRange';
import type { UsageData } from './useUsage';
import { useThemeKey } from './useThemeKey';

const TOP_CONVERSATIONS = 8;
const ACCENT_FALLBACK = { light: '#5e5ce6', dark: '#7b79ff' };
// A second hue readable on both themes, for output tokens beside input tokens.
const SECOND = '#14b8a6';

interface Props {
  data: UsageData;
  days: string[];
  titles: Map<string, string>;
}

/** The theme's accent, read again whenever the theme changes (a canvas cannot use CSS variables). */
function accent(theme: 'light' | 'dark'): string {
  return getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || ACCENT_FALLBACK[theme];
}

export default function UsageCharts({ data, days, titles }: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const theme = useThemeKey();

  const money = useMemo(() => (v: number) => formatCny(v, locale), [locale]);
  const compact = useMemo(() => (v: number) => formatCompact(v, locale), [locale]);

  const daily = useMemo(() => {
    const byKey = new Map(data.byDay.map((d) => [d.key, d]));
    const dayLabel = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' });
    const labels = days.map((d) => dayLabel.format(parseDayKey(d) ?? 0));
    const pick = (f: (u: UsageTotal) => number) => days.map((d) => (byKey.has(d) ? f(byKey.get(d)!) : 0));
    const color = accent(theme);
    return {
      labels,
      cost: [{ label: t('usage.series.cost'), data: pick((u) => u.costCny), color }] satisfies Series[],
      tokens: [
        { label: t('usage.series.input'), data: pick((u) => u.inputTokens), color },
        { label: t('usage.series.output'), data: pick((u) => u.outputTokens), color: SECOND },
      ] satisfies Series[],
    };
  }, [data.byDay, days, locale, t, theme]);

  const byModel = useMemo(
    () => ({
      labels: data.byModel.map((m) => m.key),
      series: [{ label: t('usage.series.cost'), data: data.byModel.map((m) => m.costCny), color: accent(theme) }] satisfies Series[],
    }),
    [data.byModel, t, theme],
  );

  const byConversation = useMemo(() => {
    const top = data.byConversation.slice(0, TOP_CONVERSATIONS);
    const name = (key: string) => (key === '' ? t('usage.outsideConversations') : (titles.get(key) ?? t('usage.deletedConversation')));
    return {
      labels: top.map((c) => name(c.key)),
      series: [{ label: t('usage.series.cost'), data: top.map((c) => c.costCny), color: accent(theme) }] satisfies Series[],
    };
  }, [data.byConversation, titles, t, theme]);

  const rowHeight = (n: number) => Math.max(140, n * 30 + 40);

  return (
    <div className="sc-charts" data-testid="usage-charts">
      <figure className="sc-card sc-chart-card">
        <figcaption className="sc-chart-title">{t('usage.charts.costByDay')}</figcaption>
        <BarChart labels={daily.labels} series={daily.cost} format={money} theme={theme} height={220} summary={t('usage.charts.costByDay')} />
      </figure>
      <figure className="sc-card sc-chart-card">
        <figcaption className="sc-chart-title">{t('usage.charts.tokensByDay')}</figcaption>
        <BarChart labels={daily.labels} series={daily.tokens} stacked format={compact} theme={theme} height={220} summary={t('usage.charts.tokensByDay')} />
      </figure>
      <figure className="sc-card sc-chart-card">
        <figcaption className="sc-chart-title">{t('usage.charts.costByModel')}</figcaption>
        {byModel.labels.length ? (
          <BarChart labels={byModel.labels} series={byModel.series} horizontal format={money} theme={theme} height={rowHeight(byModel.labels.length)} summary={t('usage.charts.costByModel')} />
        ) : (
          <p className="sc-muted">{t('usage.noCalls')}</p>
        )}
      </figure>
      <figure className="sc-card sc-chart-card">
        <figcaption className="sc-chart-title">{t('usage.charts.costByConversation', { count: TOP_CONVERSATIONS })}</figcaption>
        {byConversation.labels.length ? (
          <BarChart labels={byConversation.labels} series={byConversation.series} horizontal format={money} theme={theme} height={rowHeight(byConversation.labels.length)} summary={t('usage.charts.costByConversation', { count: TOP_CONVERSATIONS })} />
        ) : (
          <p className="sc-muted">{t('usage.noCalls')}</p>
        )}
      </figure>
    </div>
  );
}

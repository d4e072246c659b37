import { useTranslation } from 'react-i18next';
import type { UsageTotal } from '../../api/types';
import { formatCny, formatCompact, formatCount } from '../common/format';

/** The range's totals in four numbers, and what they leave out. */
export function UsageSummary({ byModel }: { byModel: UsageTotal[] }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const sum = (f: (u: UsageTotal) => number) => byModel.reduce((n, u) => n + f(u), 0);
  const cost = sum((u) => u.costCny);
  const calls = sum((u) => u.calls);
  const failed = sum((u) => u.failedCalls);
  const tokens = sum((u) => u.inputTokens + u.outputTokens);
  const unpriced = sum((u) => u.unpricedCalls);

  const tiles: [string, string, string][] = [
    ['cost', t('usage.summary.cost'), formatCny(cost, locale)],
    ['calls', t('usage.summary.calls'), formatCount(calls, locale)],
    ['tokens', t('usage.summary.tokens'), formatCompact(tokens, locale)],
    ['failed', t('usage.summary.failed'), formatCount(failed, locale)],
  ];
  return (
    <div className="sc-summary">
      <dl className="sc-tiles" data-testid="usage-summary">
        {tiles.map(([key, label, value]) => (
          <div key={key} className="sc-tile" data-tile={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {unpriced > 0 ? <p className="sc-fine">{t('usage.summary.unpriced', { count: unpriced })}</p> : null}
    </div>
  );
}

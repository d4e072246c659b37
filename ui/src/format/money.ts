import { numberFormat } from './formatters';

/**
 * A cost in yuan as people read it. One reply often costs a fraction of a fen, so amounts under
 * ¥1 keep two significant digits instead of rounding to ¥0.00, and tiny ones say "< ¥0.000001".
 */
export function formatCny(value: number, locale: string): string {
  const smallest = 0.000001;
  if (value > 0 && value < smallest) return `< ${formatCny(smallest, locale)}`;
  const magnitude = Math.abs(value);
  const digits = magnitude === 0 || magnitude >= 1 ? 2 : Math.min(6, Math.max(2, Math.ceil(-Math.log10(magnitude)) + 1));
  return numberFormat(locale, {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatCount(value: number, locale: string): string {
  return numberFormat(locale).format(value);
}

// Numbers, money, sizes and dates in the interface language (formatters kept per locale and
// options: format/formatters.ts).
import { dateTimeFormat, numberFormat } from '../../format/formatters';

export { formatCount } from '../../format/money';

export function formatCny(value: number, locale: string): string {
  // Single calls cost fractions of a fen; two decimals would show most of them as ¥0.00.
  const digits = value !== 0 && Math.abs(value) < 1 ? 4 : 2;
  return numberFormat(locale, {
    style: 'currency',
    currency: 'CNY',
    minimumFractionDigits: 2,
    maximumFractionDigits: digits,
  }).format(value);
}

/** 12 345 678 → "12.3M" (en) / "1234.6万" (zh): axis labels and summary tiles. */
export function formatCompact(value: number, locale: string): string {
  return numberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

export function formatBytes(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return numberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

export function formatDateTime(ms: number, locale: string): string {
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

export function formatDate(ms: number, locale: string): string {
  return dateTimeFormat(locale, { dateStyle: 'medium' }).format(ms);
}

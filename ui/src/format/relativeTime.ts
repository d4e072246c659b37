import { dateTimeFormat, relativeTimeFormat } from './formatters';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Short, locale-aware age of a timestamp for the conversation list:
 * "just now", "5 minutes ago", "yesterday", then a plain date after a week.
 */
export function formatRelativeTime(
  timestampMs: number,
  nowMs: number,
  locale: string,
  justNow: string,
): string {
  const age = nowMs - timestampMs;
  if (age < MINUTE) return justNow;
  const relative = relativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  if (age < HOUR) return relative.format(-Math.floor(age / MINUTE), 'minute');
  if (age < DAY) return relative.format(-Math.floor(age / HOUR), 'hour');
  if (age < 7 * DAY) return relative.format(-Math.floor(age / DAY), 'day');
  const sameYear = new Date(timestampMs).getFullYear() === new Date(nowMs).getFullYear();
  return dateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(timestampMs);
}

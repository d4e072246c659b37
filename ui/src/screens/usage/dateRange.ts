// The cockpit's date ranges, in local calendar days like the ledger's (`until` exclusive).

export type RangePreset = '7d' | '30d' | 'month' | 'custom';

export interface DateRange {
  since: number;
  until: number;
}

const DAY = 86_400_000;

export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

function addDays(ms: number, days: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days).getTime();
}

/** `YYYY-MM-DD` for a local day, as the ledger keys days and `<input type=date>` takes them. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function parseDayKey(key: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime();
}

export function presetRange(preset: Exclude<RangePreset, 'custom'>, now: number): DateRange {
  const tomorrow = addDays(startOfDay(now), 1);
  if (preset === 'month') {
    const d = new Date(now);
    return { since: new Date(d.getFullYear(), d.getMonth(), 1).getTime(), until: tomorrow };
  }
  return { since: addDays(tomorrow, preset === '7d' ? -7 : -30), until: tomorrow };
}

/** A custom range from two inclusive days; null while it is incomplete or backwards. */
export function customRange(from: string, to: string): DateRange | null {
  const since = parseDayKey(from);
  const last = parseDayKey(to);
  if (since === null || last === null || last < since) return null;
  return { since, until: addDays(last, 1) };
}

/** Every day of the range, so quiet days show as zero instead of vanishing from the chart. */
export function daysOf(range: DateRange): string[] {
  const days: string[] = [];
  for (let d = range.since; d < range.until && days.length < 400; d = addDays(d, 1)) days.push(dayKey(d));
  return days;
}

export function rangeDays(range: DateRange): number {
  return Math.round((range.until - range.since) / DAY);
}

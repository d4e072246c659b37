import { describe, expect, it } from 'vitest';
import { formatRelativeTime } from './relativeTime';

const now = Date.UTC(2025, 5, 15, 12, 0, 0);
const minutes = (n: number) => now - n * 60_000;

describe('formatRelativeTime', () => {
  it('says just now for the last minute, also for clocks slightly ahead', () => {
    expect(formatRelativeTime(now - 30_000, now, 'en', 'just now')).toBe('just now');
    expect(formatRelativeTime(now + 5_000, now, 'en', 'just now')).toBe('just now');
  });

  it('counts minutes, hours and days', () => {
    expect(formatRelativeTime(minutes(5), now, 'en', 'x')).toBe('5 min. ago');
    expect(formatRelativeTime(minutes(180), now, 'en', 'x')).toBe('3 hr. ago');
    expect(formatRelativeTime(minutes(60 * 24), now, 'en', 'x')).toBe('yesterday');
  });

  it('uses the given locale', () => {
    expect(formatRelativeTime(minutes(5), now, 'zh-CN', '刚刚')).toBe('5分钟前');
  });

  it('falls back to a date after a week', () => {
    expect(formatRelativeTime(Date.UTC(2025, 0, 3, 12), now, 'en', 'x')).toBe('Jan 3');
    expect(formatRelativeTime(Date.UTC(2023, 0, 3, 12), now, 'en', 'x')).toBe('Jan 3, 2023');
  });
});

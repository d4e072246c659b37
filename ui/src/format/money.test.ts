import { describe, expect, it } from 'vitest';
import { formatCny, formatCount } from './money';

describe('formatCny', () => {
  it('keeps two significant digits below one yuan', () => {
    expect(formatCny(0.00042, 'en')).toBe('¥0.00042');
    expect(formatCny(0.0123, 'zh-CN')).toBe('¥0.012');
    expect(formatCny(0.5, 'en')).toBe('¥0.50');
  });

  it('shows yuan and fen from one yuan up, and zero as zero', () => {
    expect(formatCny(12.5, 'en')).toBe('¥12.50');
    expect(formatCny(0, 'en')).toBe('¥0.00');
  });

  it('says when an amount is too small to show', () => {
    expect(formatCny(0.0000001, 'en')).toBe('< ¥0.000001');
  });
});

describe('formatCount', () => {
  it('groups digits', () => {
    expect(formatCount(12345, 'en')).toBe('12,345');
  });
});

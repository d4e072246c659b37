import { describe, expect, it } from 'vitest';
import { dateTimeFormat, numberFormat, relativeTimeFormat } from './formatters';

describe('kept Intl formatters', () => {
  it('gives the same formatter for the same locale and options, another for others', () => {
    expect(numberFormat('en', { style: 'percent' })).toBe(numberFormat('en', { style: 'percent' }));
    expect(numberFormat('en')).not.toBe(numberFormat('zh-CN'));
    expect(numberFormat('en', { maximumFractionDigits: 2 })).not.toBe(numberFormat('en', { maximumFractionDigits: 3 }));
    expect(relativeTimeFormat('en', { numeric: 'auto' })).toBe(relativeTimeFormat('en', { numeric: 'auto' }));
    expect(dateTimeFormat('en', { month: 'short' })).not.toBe(dateTimeFormat('en', { month: 'long' }));
  });

  it('formats as a new formatter would', () => {
    expect(numberFormat('en', { maximumFractionDigits: 2 }).format(1.2345)).toBe(new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(1.2345));
    expect(numberFormat('zh-CN').format(1234567)).toBe(new Intl.NumberFormat('zh-CN').format(1234567));
  });
});

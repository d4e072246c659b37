import { describe, expect, it } from 'vitest';
import en from './en.json';
import screensEn from './screens.en.json';
import screensZh from './screens.zh.json';
import zh from './zh.json';
import { catalogues as merged, detectLanguage } from './index';

type Catalogue = { [key: string]: string | Catalogue };

function flatten(catalogue: Catalogue, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const catalogues = { en: flatten(merged.en), zh: flatten(merged['zh-CN']) };

describe('catalogue files', () => {
  it('never define the same top-level key twice', () => {
    const overlap = (a: object, b: object) => Object.keys(a).filter((k) => k in b);
    expect(overlap(en, screensEn)).toEqual([]);
    expect(overlap(zh, screensZh)).toEqual([]);
  });
});

describe('translation catalogues', () => {
  it('have the same keys in English and Chinese', () => {
    const enKeys = [...catalogues.en.keys()].sort();
    const zhKeys = [...catalogues.zh.keys()].sort();
    expect(enKeys.filter((k) => !catalogues.zh.has(k))).toEqual([]);
    expect(zhKeys.filter((k) => !catalogues.en.has(k))).toEqual([]);
    expect(enKeys.length).toBeGreaterThan(50);
  });

  it.each(Object.entries(catalogues))('has no empty value in %s', (_language, entries) => {
    const empty = [...entries].filter(([, value]) => value.trim() === '').map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('uses the same interpolation placeholders in both languages', () => {
    const placeholders = (s: string) => (s.match(/{{\s*\w+\s*}}/g) ?? []).sort();
    for (const [key, value] of catalogues.en) {
      expect(placeholders(catalogues.zh.get(key) ?? ''), key).toEqual(placeholders(value));
    }
  });
});

describe('detectLanguage', () => {
  it.each([
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['en-US', 'en'],
    ['ja-JP', 'en'],
    [undefined, 'en'],
  ])('maps %s to %s', (browser, expected) => {
    expect(detectLanguage(browser)).toBe(expected);
  });
});

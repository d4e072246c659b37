import { describe, expect, it } from 'vitest';
import { LayeredMap } from './layeredMap';

describe('LayeredMap', () => {
  it('reads as the merged map, leaves every version as it was, and merges a grown top', () => {
    const base = new Map(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    let version: ReadonlyMap<string, number> = base;
    const expected = new Map(base);
    const versions: Array<[ReadonlyMap<string, number>, Map<string, number>]> = [];
    for (let step = 0; step < 300; step++) {
      // Each step adds a key and replaces one that exists.
      const changes = new Map([
        [`new${step}`, -step],
        [`k${step * 3}`, 10_000 + step],
      ]);
      version = LayeredMap.over(version, changes);
      for (const [key, value] of changes) expected.set(key, value);
      versions.push([version, new Map(expected)]);
    }
    for (const [map, want] of versions) {
      expect(map.size).toBe(want.size);
      expect(new Map(map)).toEqual(want);
      expect(map.get('k3')).toBe(want.get('k3'));
      expect(map.has('new0')).toBe(true);
      expect(map.has('absent')).toBe(false);
    }
    // The base was never changed; a top past an eighth of the base was merged into one plain map
    // now and then, and versions in between are layers.
    expect(base.size).toBe(1000);
    expect(base.get('k0')).toBe(0);
    const merged = versions.filter(([map]) => map instanceof Map).length;
    expect(merged).toBeGreaterThan(0);
    expect(merged).toBeLessThan(10);
    expect(LayeredMap.over(base, new Map())).toBe(base);
  });
});

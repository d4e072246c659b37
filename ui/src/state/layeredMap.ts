/**
 * A read-only map made of a shared base and a small top layer that adds keys or overrides them:
 * how the message tree grows by a reply without copying its 10,000-entry maps (copying three of
 * them was up to 13 ms of a reply's first task in WebKit). Neither layer is changed after it is
 * made, so every version of the tree stays as it was. When the top grows past a share of the
 * base, the layers are merged into one map again, so lookups stay two probes at most.
 */
export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  readonly size: number;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly top: ReadonlyMap<K, V>,
  ) {
    let added = 0;
    for (const key of top.keys()) if (!base.has(key)) added++;
    this.size = base.size + added;
  }

  /** `map` with `changes` laid over it (set or replaced keys). */
  static over<K, V>(map: ReadonlyMap<K, V>, changes: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
    if (changes.size === 0) return map;
    const [base, top] =
      map instanceof LayeredMap ? [map.base as ReadonlyMap<K, V>, new Map([...map.top, ...changes])] : [map, changes];
    // Merge when the top is no longer small next to the base.
    if (top.size > 64 && top.size * 8 > base.size) return new Map([...base, ...top]);
    return new LayeredMap(base, top);
  }

  get(key: K): V | undefined {
    return this.top.has(key) ? this.top.get(key) : this.base.get(key);
  }

  has(key: K): boolean {
    return this.top.has(key) || this.base.has(key);
  }

  *entries(): MapIterator<[K, V]> {
    for (const [key, value] of this.base) yield [key, this.top.has(key) ? (this.top.get(key) as V) : value];
    for (const entry of this.top) if (!this.base.has(entry[0])) yield entry;
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

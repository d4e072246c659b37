// Search by meaning in the mock backend: character-trigram vectors (as the emulator's embeddings
// are) plus a few concepts, so "sorting algorithm" finds the quicksort chat without the word.

const CONCEPTS: string[][] = [
  ['sort', 'sorting', 'quicksort', 'order', 'pivot', '排序'],
  ['probability', 'bayes', 'posterior', 'prior', 'likelihood', 'statistics', '概率', '贝叶斯'],
  ['travel', 'trip', 'weekend', 'holiday', 'itinerary', 'hangzhou', '杭州', '旅游', '旅行', '周末'],
  ['release', 'version', 'changelog', 'notes', 'launch', '发布', '版本'],
  ['sync', 'device', 'replication', 'diagram', '同步'],
  ['tea', 'drink', 'history', '茶'],
];

function features(text: string): Map<string, number> {
  const lower = text.toLowerCase();
  const out = new Map<string, number>();
  const add = (key: string, weight: number) => out.set(key, (out.get(key) ?? 0) + weight);
  const compact = lower.replace(/\s+/g, ' ');
  for (let i = 0; i + 3 <= compact.length; i++) add(`t:${compact.slice(i, i + 3)}`, 1);
  CONCEPTS.forEach((words, c) => {
    for (const word of words) if (lower.includes(word)) add(`c:${c}`, 6);
  });
  return out;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    const w = b.get(k);
    if (w !== undefined) dot += v * w;
  }
  for (const v of b.values()) nb += v * v;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** A similarity between -1 and 1 that reads like an embedding model's (related texts 0.5–0.9). */
export function similarity(query: string, text: string): number {
  const raw = cosine(features(query), features(text));
  return Math.round((0.18 + raw * 0.75) * 1000) / 1000;
}

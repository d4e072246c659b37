import type { Block } from './blockSplitter';
import type { MarkdownLabels, RenderedBlock } from './markdownEngine';

/**
 * What finished Markdown was lexed and drawn into, kept across mounts. Rows leave the DOM as they
 * scroll out of the virtual list and come back, and a reply's start moves the rows at the list's
 * top out and in again: a row that comes back finds its blocks here instead of lexing,
 * highlighting and sanitising them again (up to 13 ms for one message in the app).
 *
 * Bounded by the characters held (keys and values), least recently used first out.
 */
const HELD_CHARS = 4_000_000;

class KeptByText<V> {
  private readonly entries = new Map<string, { value: V; chars: number }>();
  private chars = 0;

  constructor(private readonly sizeOf: (value: V) => number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    const chars = key.length + this.sizeOf(value);
    if (chars > HELD_CHARS / 8) return;
    const old = this.entries.get(key);
    if (old) {
      this.chars -= old.chars;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, chars });
    this.chars += chars;
    for (const [oldest, entry] of this.entries) {
      if (this.chars <= HELD_CHARS) break;
      this.entries.delete(oldest);
      this.chars -= entry.chars;
    }
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

const splits = new KeptByText<readonly Block[]>((blocks) => blocks.reduce((sum, b) => sum + b.token.raw.length, 0));
const blocks = new KeptByText<RenderedBlock>((rendered) => rendered.html.length);

/** The blocks of a finished text, split once. */
export function keptSplit(text: string, split: () => readonly Block[]): readonly Block[] {
  const kept = splits.get(text);
  if (kept) return kept;
  const made = split();
  splits.set(text, made);
  return made;
}

/**
 * A finished block's drawing, drawn once per source, labels and loaded modules. Not for a
 * paragraph that may hold a reference link (`[text][name]`): its target is defined elsewhere in
 * its message, so the same source can draw differently in another message.
 */
export function keptBlock(source: string, labels: MarkdownLabels, version: number, draw: () => RenderedBlock): RenderedBlock {
  if (!keepable(source)) return draw();
  const key = `${version}\u0000${labels.copyCode}\u0000${labels.copy}\u0000${labels.code}\u0000${labels.diagram}\u0000${labels.diagramFailed}\u0000${source}`;
  const kept = blocks.get(key);
  if (kept) return kept;
  const made = draw();
  blocks.set(key, made);
  return made;
}

function keepable(source: string): boolean {
  // Fenced or indented code resolves no links; anything else only without a `]` followed by `[`
  // or standing alone (`[name]` may be a shortcut reference).
  return /^( {0,3}(```|~~~)| {4})/.test(source) || !source.includes(']');
}

/** For tests: how many of each are held, and forgetting them. */
export const keptForTests = {
  sizes: () => ({ splits: splits.size, blocks: blocks.size }),
  clear: () => {
    splits.clear();
    blocks.clear();
  },
};

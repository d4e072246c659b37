import type { Token } from 'marked';
import { lexBlocks } from './markdownEngine';

export interface Block {
  token: Token;
  /** Offset of the block's source in the whole text. */
  start: number;
  /** A piece cut from a long paragraph or list while it streamed, continuing the block before. */
  continues?: boolean;
}

export interface BlockSplitter {
  /** The top-level blocks of `text`; `final` once the text will not grow any more. */
  split(text: string, final: boolean): readonly Block[];
}

// Re-lexing starts this many blocks before the end: appended text can only change the last
// block or, when a blank line was last, the list or quote before it (a list item after a blank
// line continues its list).
const RELEX_BLOCKS = 2;

// A paragraph or list still being written is lexed whole on every frame, inline formatting
// included, and a 400-line one took 60–90 ms to lex in WebKitGTK (whose regex engine runs
// marked's inline rules far slower than V8): so while a reply streams, such a block is cut
// at line boundaries into pieces of this many lines that are lexed once, and only the lines after
// the last piece are lexed again. A finished paragraph keeps its pieces (drawn as one block);
// a finished list, or a reply with a reference definition, is lexed whole.
const FREEZE_LINES = 12;
const FREEZE_MIN_CHARS = 600;
const FREEZABLE = new Set(['paragraph', 'list']);

/** The blocks from `start` on, and whether each block's source is the text at its offset (offsets
 * usable). marked rewrites whitespace at the very end of the text (`11. ` becomes `11.\n`), which
 * a stream often ends with; that only touches the last block, lexed again anyway, so it does not
 * count. */
function lexFrom(text: string, start: number): { blocks: Block[]; exact: boolean } {
  const blocks: Block[] = [];
  let offset = start;
  let exact = true;
  const tokens = lexBlocks(text.slice(start));
  tokens.forEach((token, i) => {
    blocks.push({ token, start: offset });
    const source = i === tokens.length - 1 ? token.raw.trimEnd() : token.raw;
    if (!text.startsWith(source, offset)) exact = false;
    offset += token.raw.length;
  });
  return { blocks, exact };
}

/** Offsets just after each of the first `count` line breaks at or after `start` (fewer at the end). */
function lineEnds(text: string, start: number, count: number): number[] {
  const ends: number[] = [];
  let at = start;
  while (ends.length < count) {
    const newline = text.indexOf('\n', at);
    if (newline < 0) break;
    at = newline + 1;
    ends.push(at);
  }
  return ends;
}

/**
 * `blocks` (lexed from the text) with a long last paragraph or list cut into frozen pieces of
 * FREEZE_LINES lines, keeping at least FREEZE_LINES lines in the live tail; and how many leading
 * blocks are now settled (never lexed again while the text grows).
 */
function freezeTail(text: string, blocks: Block[], settled: number): { blocks: Block[]; settled: number; exact: boolean } {
  const last = blocks[blocks.length - 1];
  if (!last || !FREEZABLE.has(last.token.type) || last.token.raw.length < FREEZE_MIN_CHARS) {
    return { blocks, settled, exact: true };
  }
  const pieces: Block[] = [];
  let start = last.start;
  let exact = true;
  for (;;) {
    const ends = lineEnds(text, start, FREEZE_LINES * 2);
    if (ends.length < FREEZE_LINES * 2) break;
    const end = ends[FREEZE_LINES - 1];
    let offset = start;
    lexBlocks(text.slice(start, end)).forEach((token, i) => {
      if (!text.startsWith(token.raw, offset)) exact = false;
      // The first piece goes on from where the block went on (itself a piece, or not).
      const continues = i === 0 ? (pieces.length > 0 ? true : last.continues) : false;
      pieces.push({ token, start: offset, continues });
      offset += token.raw.length;
    });
    start = end;
  }
  if (pieces.length === 0) return { blocks, settled, exact: true };
  const tail = lexFrom(text, start);
  if (tail.blocks[0]) tail.blocks[0].continues = true;
  return {
    blocks: [...blocks.slice(0, -1), ...pieces, ...tail.blocks],
    settled: blocks.length - 1 + pieces.length,
    exact: exact && tail.exact,
  };
}

// A reference definition (`[id]: url`) can be used above it, in pieces lexed before it arrived.
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]\n]+\]:/m;

/**
 * Whether a finished reply can keep the pieces it was cut into: only paragraph pieces (the view
 * draws a run of them as one block, `Markdown.tsx`), and no reference
 * definition that earlier pieces could not see. Otherwise it is lexed whole. What keeping differs
 * in from a whole lexing is limited to inline constructs that span a cut (emphasis over a line
 * break), which replies rarely have.
 */
function piecesCanStay(text: string, blocks: readonly Block[]): boolean {
  const onlyParagraphs = blocks.every(
    (block, i) => !block.continues || (block.token.type === 'paragraph' && blocks[i - 1]?.token.type === 'paragraph'),
  );
  return onlyParagraphs && !REFERENCE_DEFINITION.test(text);
}

/**
 * Splits a streaming reply into blocks without re-lexing all of it on every frame: while text
 * is only appended, the blocks before the last ones are kept as they are (same objects, so
 * their rendered HTML is reused). A final text is lexed whole once, so rare constructs that
 * reach back (a reference link defined at the end) come out right when the reply is complete,
 * except for a long paragraph cut into pieces while it streamed, which keeps them.
 */
export function createBlockSplitter(): BlockSplitter {
  let lastText: string | null = null;
  let lastFinal = false;
  let lastBlocks: Block[] = [];
  // False when the lexer rewrote the source (so offsets drift): then every split starts over.
  let lastExact = false;
  // Leading blocks that stay as they are while the text grows (frozen pieces and what precedes them).
  let settled = 0;

  return {
    split(text, final) {
      if (text === lastText && final === lastFinal) return lastBlocks;
      let blocks: Block[];
      let exact: boolean;
      const keep = Math.max(settled, lastBlocks.length - RELEX_BLOCKS);
      if (!final && lastExact && lastText !== null && text.startsWith(lastText) && keep > 0 && keep < lastBlocks.length) {
        const tail = lexFrom(text, lastBlocks[keep].start);
        if (tail.blocks[0]) tail.blocks[0].continues = lastBlocks[keep].continues;
        blocks = lastBlocks.slice(0, keep).concat(tail.blocks);
        exact = tail.exact;
        settled = Math.min(settled, keep);
      } else if (final && lastExact && lastText !== null && text.startsWith(lastText) && keep > 0 && keep < lastBlocks.length && lastBlocks.some((b) => b.continues)) {
        // A finished reply that was cut into pieces keeps them: lexing a 400-line paragraph whole
        // again took 60–90 ms in WebKit, and drawing it again as one new block more. The settled
        // pieces stay the same objects, so their HTML is not rendered again; only what came
        // after the last of them is lexed.
        const tail = lexFrom(text, lastBlocks[keep].start);
        if (tail.blocks[0]) tail.blocks[0].continues = lastBlocks[keep].continues;
        const kept = lastBlocks.slice(0, keep).concat(tail.blocks);
        ({ blocks, exact } = tail.exact && piecesCanStay(text, kept) ? { blocks: kept, exact: true } : lexFrom(text, 0));
        settled = 0;
      } else {
        ({ blocks, exact } = lexFrom(text, 0));
        settled = 0;
      }
      if (!final && exact) {
        const frozen = freezeTail(text, blocks, settled);
        blocks = frozen.blocks;
        settled = frozen.settled;
        exact = frozen.exact;
      }
      lastText = text;
      lastFinal = final;
      lastBlocks = blocks;
      lastExact = exact;
      return blocks;
    },
  };
}

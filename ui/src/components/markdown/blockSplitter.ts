import type { Token } from 'marked';
import { lexBlocks } from './markdownEngine';

export interface Block {
  token: Token;
  /** Offset of the block's source in the whole text. */
  start: number;
}

export interface BlockSplitter {
  /** The top-level blocks of `text`; `final` once the text will not grow any more. */
  split(text: string, final: boolean): readonly Block[];
}

// Re-lexing starts this many blocks before the end: appended text can only change the last
// block or, when a blank line was last, the list or quote before it (a list item after a blank
// line continues its list).
const RELEX_BLOCKS = 2;

/** The blocks from `start` on, and whether their sources tile the text exactly (offsets usable). */
function lexFrom(text: string, start: number): { blocks: Block[]; exact: boolean } {
  const blocks: Block[] = [];
  let offset = start;
  let exact = true;
  for (const token of lexBlocks(text.slice(start))) {
    blocks.push({ token, start: offset });
    if (!text.startsWith(token.raw, offset)) exact = false;
    offset += token.raw.length;
  }
  return { blocks, exact: exact && offset === text.length };
}

/**
 * Splits a streaming reply into blocks without re-lexing all of it on every frame: while text
 * is only appended, the blocks before the last ones are kept as they are (same objects, so
 * their rendered HTML is reused). A final text is lexed whole once, so rare constructs that
 * reach back (a reference link defined at the end) come out right when the reply is complete.
 */
export function createBlockSplitter(): BlockSplitter {
  let lastText: string | null = null;
  let lastFinal = false;
  let lastBlocks: Block[] = [];
  // False when the lexer rewrote the source (so offsets drift): then every split starts over.
  let lastExact = false;

  return {
    split(text, final) {
      if (text === lastText && final === lastFinal) return lastBlocks;
      let blocks: Block[];
      let exact: boolean;
      if (!final && lastExact && lastText !== null && text.startsWith(lastText) && lastBlocks.length > RELEX_BLOCKS) {
        const keep = lastBlocks.length - RELEX_BLOCKS;
        const tail = lexFrom(text, lastBlocks[keep].start);
        blocks = lastBlocks.slice(0, keep).concat(tail.blocks);
        exact = tail.exact;
      } else {
        ({ blocks, exact } = lexFrom(text, 0));
      }
      lastText = text;
      lastFinal = final;
      lastBlocks = blocks;
      lastExact = exact;
      return blocks;
    },
  };
}

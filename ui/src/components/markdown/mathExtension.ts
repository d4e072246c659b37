import type { TokenizerAndRendererExtension, Tokens } from 'marked';

/** A formula found in Markdown: `$…$`, `\(…\)` inline; `$$…$$`, `\[…\]` displayed. */
export interface MathToken extends Tokens.Generic {
  type: 'math';
  raw: string;
  tex: string;
  display: boolean;
}

export type RenderMath = (tex: string, display: boolean) => string;

// Qwen writes LaTeX with `\( \)` and `\[ \]` at least as often as with dollars, so all four
// delimiters count. A `$` opens inline math only when not followed by a space and closes only
// when not preceded by one nor followed by a digit, so "$5 and $10" stays text; it never spans
// a backtick, so a price before a code span does not swallow it.
const BLOCK_RULES = [/^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n+|$)/, /^ {0,3}\\\[([\s\S]+?)\\\][ \t]*(?:\n+|$)/];
const BLOCK_START = /(^|\n) {0,3}(?:\$\$|\\\[)/;
const INLINE_DISPLAY_RULES = [/^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/, /^\\\[([\s\S]+?)\\\]/];
const INLINE_PAREN = /^\\\(([\s\S]+?)\\\)/;
const INLINE_DOLLAR = /^\$(?![\s$])((?:\\[\s\S]|[^\\$\n`])+?)\$(?!\d)/;
const INLINE_START = /\$|\\\(|\\\[/;

function mathToken(raw: string, tex: string, display: boolean): MathToken {
  return { type: 'math', raw, tex: tex.trim(), display };
}

export function mathExtensions(render: () => RenderMath): TokenizerAndRendererExtension[] {
  const renderer = (token: Tokens.Generic) => {
    const math = token as MathToken;
    const html = render()(math.tex, math.display);
    return math.display && token.block ? `<div class="math-display">${html}</div>` : html;
  };
  return [
    {
      name: 'mathBlock',
      level: 'block',
      start(src) {
        const match = BLOCK_START.exec(src);
        return match ? match.index + match[1].length : undefined;
      },
      tokenizer(src) {
        for (const rule of BLOCK_RULES) {
          const match = rule.exec(src);
          if (match) return { ...mathToken(match[0], match[1], true), type: 'mathBlock', block: true };
        }
        return undefined;
      },
      renderer,
    },
    {
      name: 'math',
      level: 'inline',
      start(src) {
        const index = src.search(INLINE_START);
        return index < 0 ? undefined : index;
      },
      tokenizer(src) {
        for (const rule of INLINE_DISPLAY_RULES) {
          const match = rule.exec(src);
          if (match) return mathToken(match[0], match[1], true);
        }
        const paren = INLINE_PAREN.exec(src);
        if (paren) return mathToken(paren[0], paren[1], false);
        const dollar = INLINE_DOLLAR.exec(src);
        // No lookbehind (older Safari): a closing `$` after a space is checked here instead.
        if (dollar && !/\s$/.test(dollar[1])) return mathToken(dollar[0], dollar[1], false);
        return undefined;
      },
      renderer,
    },
  ];
}

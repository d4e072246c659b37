// A reply's Markdown as text to be read: what a listener needs, not its markup.

/** Longer replies are cut here (synthesis is billed by the character and meant for answers). */
export const MAX_SPOKEN_CHARACTERS = 4000;

export function speakableText(markdown: string): string {
  const text = markdown
    // Code is for reading on screen, not aloud.
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/\$\$[\s\S]*?\$\$/g, ' ')
    // Inline formulas: their symbols, without TeX's commands and braces.
    .replace(/\$([^$\n]+)\$/g, (_, formula: string) => formula.replace(/\\[a-zA-Z]+/g, ' ').replace(/[{}\\]/g, ' '))
    .replace(/`([^`]*)`/g, '$1')
    // Links and images: their words only.
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    // Citation marks such as [1][2].
    .replace(/\s*\[\d+\]/g, '')
    // Headings, quotes, list bullets and emphasis marks.
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/(\*\*|__|\*|_|~~)(?=\S)([^\n]*?\S)\1/g, '$2')
    .replace(/^\s*([-*_]\s*){3,}$/gm, ' ')
    .replace(/\|/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text.length > MAX_SPOKEN_CHARACTERS ? text.slice(0, MAX_SPOKEN_CHARACTERS) : text;
}

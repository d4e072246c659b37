import { HIGHLIGHT_END, HIGHLIGHT_START } from '../api/types';

export interface SnippetPart {
  text: string;
  match: boolean;
}

/** A search snippet cut at its match markers, so matches can be shown marked (never as HTML). */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let match = false;
  let text = '';
  const flush = () => {
    if (text !== '') parts.push({ text, match });
    text = '';
  };
  for (const ch of snippet) {
    if (ch === HIGHLIGHT_START || ch === HIGHLIGHT_END) {
      flush();
      match = ch === HIGHLIGHT_START;
    } else {
      text += ch;
    }
  }
  flush();
  return parts;
}

// Where dictated words go: at the caret (replacing a selection), spaced like typed text.

const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/;

/** True where a space belongs between two neighbouring characters (Latin words, not Chinese). */
function needsSpace(left: string, right: string): boolean {
  if (left === '' || right === '') return false;
  if (/\s/.test(left) || /\s/.test(right)) return false;
  if (CJK.test(left) || CJK.test(right)) return false;
  // No space before closing punctuation, nor after an opening bracket.
  if (/[.,;:!?)\]}'"…]/.test(right) || /[([{]/.test(left)) return false;
  return true;
}

export interface Inserted {
  text: string;
  /** Where the caret goes: just after the inserted words. */
  caret: number;
}

/** `draft` with `words` put between `start` and `end`. */
export function insertAtCaret(draft: string, words: string, start: number, end: number): Inserted {
  const from = Math.max(0, Math.min(start, draft.length));
  const to = Math.max(from, Math.min(end, draft.length));
  const before = draft.slice(0, from);
  const after = draft.slice(to);
  let piece = words;
  if (needsSpace(before.slice(-1), piece.charAt(0))) piece = ` ${piece}`;
  if (needsSpace(piece.slice(-1), after.charAt(0))) piece = `${piece} `;
  return { text: before + piece + after, caret: before.length + piece.length };
}

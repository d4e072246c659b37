import { describe, expect, it } from 'vitest';
import { HIGHLIGHT_END as E, HIGHLIGHT_START as S } from '../api/types';
import { snippetParts } from './snippet';

describe('snippetParts', () => {
  it('splits a snippet at its match markers', () => {
    expect(snippetParts(`…the ${S}river${E} bank and the ${S}river${E}.`)).toEqual([
      { text: '…the ', match: false },
      { text: 'river', match: true },
      { text: ' bank and the ', match: false },
      { text: 'river', match: true },
      { text: '.', match: false },
    ]);
  });

  it('keeps markup as text', () => {
    expect(snippetParts(`<b>${S}x${E}</b>`)).toEqual([
      { text: '<b>', match: false },
      { text: 'x', match: true },
      { text: '</b>', match: false },
    ]);
  });

  it('handles Chinese and an unterminated match', () => {
    expect(snippetParts(`关于${S}长江`)).toEqual([
      { text: '关于', match: false },
      { text: '长江', match: true },
    ]);
  });
});

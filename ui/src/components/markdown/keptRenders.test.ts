import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Block } from './blockSplitter';
import { keptBlock, keptForTests, keptSplit } from './keptRenders';
import type { MarkdownLabels, RenderedBlock } from './markdownEngine';

const labels: MarkdownLabels = { copyCode: 'Copy code', copy: 'Copy', code: 'Code', diagram: 'Diagram', diagramFailed: 'Failed' };
const drawn = (html: string): RenderedBlock => ({ html, missing: new Set(), hasDiagram: false });

afterEach(() => keptForTests.clear());

describe('kept renders of finished Markdown', () => {
  it('splits a finished text once', () => {
    const blocks: Block[] = [{ token: { type: 'paragraph', raw: 'Hello' } } as Block];
    const split = vi.fn(() => blocks);
    expect(keptSplit('Hello', split)).toBe(blocks);
    expect(keptSplit('Hello', split)).toBe(blocks);
    expect(split).toHaveBeenCalledTimes(1);
    keptSplit('Hello again', split);
    expect(split).toHaveBeenCalledTimes(2);
  });

  it('draws a block once per source, labels and loaded modules', () => {
    const draw = vi.fn(() => drawn('<p>x</p>'));
    keptBlock('Some *text*', labels, 0, draw);
    keptBlock('Some *text*', labels, 0, draw);
    expect(draw).toHaveBeenCalledTimes(1);
    // Highlighting or math arrived: drawn again, with them.
    keptBlock('Some *text*', labels, 1, draw);
    // Another language's labels.
    keptBlock('Some *text*', { ...labels, copy: '复制' }, 1, draw);
    expect(draw).toHaveBeenCalledTimes(3);
  });

  it('never keeps a paragraph that may hold a reference link, but keeps code with brackets', () => {
    const draw = vi.fn(() => drawn('<p>x</p>'));
    keptBlock('See [the docs][docs].', labels, 0, draw);
    keptBlock('See [the docs][docs].', labels, 0, draw);
    keptBlock('See [docs].', labels, 0, draw);
    keptBlock('See [docs].', labels, 0, draw);
    expect(draw).toHaveBeenCalledTimes(4);
    keptBlock('```ts\nconst a = [1][0];\n```', labels, 0, draw);
    keptBlock('```ts\nconst a = [1][0];\n```', labels, 0, draw);
    expect(draw).toHaveBeenCalledTimes(5);
  });

  it('holds a bounded number of characters, forgetting the least recently used first', () => {
    const big = (i: number) => `${i}`.padEnd(200_000, 'x');
    const draw = vi.fn((html: string) => drawn(html));
    for (let i = 0; i < 12; i++) keptBlock(big(i), labels, 0, () => draw(big(i)));
    // Twelve of just over 400,000 characters each (source and drawing): nine fit in 4,000,000.
    expect(keptForTests.sizes().blocks).toBe(9);
    draw.mockClear();
    keptBlock(big(0), labels, 0, () => draw(big(0)));
    expect(draw).toHaveBeenCalledTimes(1);
    keptBlock(big(11), labels, 0, () => draw(big(11)));
    expect(draw).toHaveBeenCalledTimes(1);
  });
});

// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../../i18n';
import { keptForTests } from './keptRenders';
import { Markdown } from './Markdown';

const drawn = vi.hoisted(() => ({ sources: [] as string[] }));
vi.mock('./mermaidRenderer', () => ({
  renderDiagram: (source: string) => {
    drawn.sources.push(source);
    return Promise.resolve('<svg data-testid="diagram-svg"><script>alert(1)</script><text>A to B</text></svg>');
  },
}));

/** An IntersectionObserver the test moves into view by hand. */
class FakeObserver {
  static instances: FakeObserver[] = [];
  observed: Element[] = [];
  constructor(private readonly callback: IntersectionObserverCallback) {
    FakeObserver.instances.push(this);
  }
  observe(element: Element) {
    this.observed.push(element);
  }
  unobserve(element: Element) {
    this.observed = this.observed.filter((e) => e !== element);
  }
  disconnect() {
    this.observed = [];
  }
  show() {
    const entries = this.observed.map((target) => ({ target, isIntersecting: true }) as IntersectionObserverEntry);
    this.callback(entries, this as unknown as IntersectionObserver);
  }
}

function renderMarkdown(text: string, streaming = false) {
  return render(
    <I18nextProvider i18n={i18n}>
      <Markdown text={text} streaming={streaming} />
    </I18nextProvider>,
  );
}

const diagram = 'Here:\n\n```mermaid\ngraph TD; A-->B\n```\n';

beforeEach(async () => {
  await i18n.changeLanguage('en');
  drawn.sources = [];
  FakeObserver.instances = [];
  vi.stubGlobal('IntersectionObserver', FakeObserver);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Markdown', () => {
  it('draws a diagram only once it scrolls into view, and sanitises the drawing', async () => {
    const { container } = renderMarkdown(diagram);
    expect(container.querySelector('[data-mermaid] code')?.textContent).toBe('graph TD; A-->B');
    expect(drawn.sources).toEqual([]);

    act(() => FakeObserver.instances.forEach((o) => o.show()));
    await waitFor(() => expect(drawn.sources).toEqual(['graph TD; A-->B']));
    await waitFor(() => expect(container.querySelector('.mermaid-diagram svg')).not.toBeNull());
    expect(container.querySelector('.mermaid-diagram script')).toBeNull();
  });

  it('waits for a diagram to be complete before drawing it', () => {
    renderMarkdown('```mermaid\ngraph TD; A-->', true);
    expect(FakeObserver.instances.flatMap((o) => o.observed)).toEqual([]);
  });

  it('draws a finished message that comes back (its row scrolled out and in) from what was kept, the same', () => {
    keptForTests.clear();
    const text = '# Title\n\nA *paragraph* with `code`.\n\n```ts\nconst a = [1][0];\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nSee [the docs][d].\n\n[d]: https://example.com\n';
    const first = renderMarkdown(text);
    const html = first.container.innerHTML;
    expect(keptForTests.sizes().splits).toBe(1);
    const keptBlocks = keptForTests.sizes().blocks;
    first.unmount();
    const again = renderMarkdown(text);
    expect(again.container.innerHTML).toBe(html);
    expect(keptForTests.sizes()).toEqual({ splits: 1, blocks: keptBlocks });
    // The reference link was drawn with its target, and not kept (its target lives elsewhere).
    expect(again.container.querySelector('a[href="https://example.com"]')).not.toBeNull();
  });

  it('re-renders only the block that grows while streaming', () => {
    const { container, rerender } = renderMarkdown('# Title\n\nFirst paragraph.\n\nSecond', true);
    const heading = container.querySelector('h1');
    const first = container.querySelectorAll('p')[0];
    rerender(
      <I18nextProvider i18n={i18n}>
        <Markdown text={'# Title\n\nFirst paragraph.\n\nSecond paragraph grows'} streaming />
      </I18nextProvider>,
    );
    // The same DOM nodes: React did not touch the finished blocks.
    expect(container.querySelector('h1')).toBe(heading);
    expect(container.querySelectorAll('p')[0]).toBe(first);
    expect(screen.getByText('Second paragraph grows')).toBeTruthy();
  });

  it('streams a long paragraph in pieces, none drawn again as it grows or when it ends', async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `Line ${i + 1} of a long answer.`).join('\n');
    const { container, rerender } = renderMarkdown(lines(100), true);
    // One block on screen, made of settled pieces (each laid out on its own) and the growing rest.
    expect(container.querySelectorAll('.markdown-block').length).toBe(1);
    const pieces = () => container.querySelectorAll('.markdown-run > p.markdown-piece');
    expect(pieces().length).toBeGreaterThan(1);
    const firstPiece = pieces()[0];
    const grown = (streaming: boolean) => (
      <I18nextProvider i18n={i18n}>
        <Markdown text={lines(130)} streaming={streaming} />
      </I18nextProvider>
    );
    rerender(grown(true));
    await waitFor(() => expect(container.textContent).toContain('Line 130 of a long answer.'));
    expect(pieces()[0]).toBe(firstPiece);
    rerender(grown(false));
    // Complete: still the one block, its settled pieces the same nodes, the text all there.
    expect(container.querySelectorAll('.markdown-block').length).toBe(1);
    expect(pieces()[0]).toBe(firstPiece);
    expect([...pieces()].map((p) => p.textContent).join('\n')).toBe(lines(130));
  });

  it('loads math rendering on demand and shows the formula meanwhile', async () => {
    const { container } = renderMarkdown('Euler: \\(e^{i\\pi}+1=0\\)');
    await waitFor(() => expect(container.querySelector('.katex')).not.toBeNull());
    expect(container.querySelector('.math-pending')).toBeNull();
  });
});

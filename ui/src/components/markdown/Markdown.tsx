import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { copyText } from '../clipboard';
import { createBlockSplitter, type Block } from './blockSplitter';
import { loadModule, useModulesVersion } from './lazyModules';
import type { Tokens } from 'marked';
import { renderBlock, renderParagraphContent, type MarkdownLabels } from './markdownEngine';
import { traced } from '../../perf/trace';
import { sanitizeSvg } from './sanitize';
import { keptBlock, keptSplit } from './keptRenders';

interface Props {
  text: string;
  /** The text is still growing: only its last block is re-rendered as it does. */
  streaming: boolean;
}

const COPIED_MS = 1500;

// While a reply streams, its last block is rendered again as it grows. A long block (a 400-line
// code listing, a paragraph without blank lines) can cost tens of milliseconds to render, and
// rendering it every frame would freeze scrolling: so the text shown follows the text received
// at a pace set by what the last render cost, keeping rendering to about a fifth of the time.
const RENDER_COST_FACTOR = 4;
const LONGEST_WAIT_MS = 400;

// A long code block still being written is shown as pieces of this many lines, so each frame
// renders (and lays out) only the piece that grows; the finished reply is rendered whole again.
// (Long paragraphs and lists are cut by the block splitter, which also spares their lexing.)
const LIVE_PIECE_LINES = 24;
const LIVE_PIECE_MIN_CHARS = 1200;

/** The code block being streamed, cut into pieces of lines when it is long. */
function livePieces(block: Block): Block[] {
  const { token } = block;
  if (token.raw.length < LIVE_PIECE_MIN_CHARS || token.type !== 'code') return [block];
  const code = token as Tokens.Code;
  const lines = code.text.split('\n');
  const pieces: Block[] = [];
  for (let first = 0; first < lines.length; first += LIVE_PIECE_LINES) {
    const text = lines.slice(first, first + LIVE_PIECE_LINES).join('\n');
    // `raw` is what the row's memo compares: a finished piece keeps it and is not drawn again.
    pieces.push({ start: block.start, token: { ...code, text, raw: `\`\`\`${code.lang ?? ''}\n${text}\n\`\`\`` } });
  }
  return pieces;
}

/** `text`, or while streaming the text as of the last render that the budget allowed. */
function usePacedText(text: string, streaming: boolean): string {
  const [shown, setShown] = useState(text);
  const cost = useRef(0);
  const renderedAt = useRef(0);
  const requestedAt = useRef<number | null>(null);

  useEffect(() => {
    if (!streaming || text === shown) return;
    const show = () => {
      requestedAt.current = performance.now();
      setShown(text);
    };
    const wait = Math.min(LONGEST_WAIT_MS, cost.current * RENDER_COST_FACTOR) - (performance.now() - renderedAt.current);
    if (wait <= 0) {
      show();
      return;
    }
    const timer = setTimeout(show, wait);
    return () => clearTimeout(timer);
  }, [text, shown, streaming]);

  // After the blocks are in the DOM: what rendering them cost sets when the next render may be.
  useLayoutEffect(() => {
    if (requestedAt.current === null) return;
    const now = performance.now();
    cost.current = now - requestedAt.current;
    renderedAt.current = now;
    requestedAt.current = null;
  }, [shown]);

  return streaming ? shown : text;
}

/**
 * A reply rendered as sanitised HTML, block by block. Finished blocks keep their rendered HTML
 * (memoised on their source), so a streaming reply costs one block's rendering per frame
 * however long it already is.
 */
function MarkdownView({ text: received, streaming }: Props) {
  const { t, i18n } = useTranslation();
  const [splitter] = useState(createBlockSplitter);
  // A message that was finished when it was drawn (not one seen streaming here, whose splitter
  // holds the pieces it streamed in) is split the same way wherever it is drawn again.
  const [finishedWhenDrawn] = useState(!streaming);
  const text = usePacedText(received, streaming);
  const blocks = useMemo(
    () =>
      traced('markdown split', () => {
        const normalised = text.replace(/\r\n?/g, '\n');
        if (finishedWhenDrawn && !streaming) return keptSplit(normalised, () => splitter.split(normalised, true));
        const split = splitter.split(normalised, !streaming);
        const last = split[split.length - 1];
        return streaming && last ? [...split.slice(0, -1), ...livePieces(last)] : split;
      }),
    [splitter, text, streaming, finishedWhenDrawn],
  );
  const version = useModulesVersion();
  const labels = useMemo<MarkdownLabels>(
    () => ({
      copyCode: t('markdown.copyCode'),
      copy: t('markdown.copy'),
      code: t('markdown.code'),
      diagram: t('markdown.diagram'),
      diagramFailed: t('markdown.diagramFailed'),
    }),
    // The labels change with the language, which `t` alone does not show.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [t, i18n.language],
  );

  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('[data-copy-code]');
    const code = button?.closest('.code-block')?.querySelector('pre code');
    if (!button || !code) return;
    void copyText(code.textContent ?? '').then((ok) => {
      if (!ok) return;
      // The button is part of the block's HTML, outside React; its label is set back in place.
      button.textContent = t('markdown.copied');
      button.dataset.copied = '';
      setTimeout(() => {
        button.textContent = labels.copy;
        delete button.dataset.copied;
      }, COPIED_MS);
    });
  };

  return (
    <div className="markdown" onClick={onClick}>
      {groupPieces(blocks).map(({ first, blocks: run }) => {
        if (run.length > 1) return <ParagraphRun key={`run-${first}`} pieces={run} labels={labels} version={version} />;
        const block = run[0];
        return block.token.type === 'space' ? null : (
          <MarkdownBlock
            key={first}
            block={block}
            live={streaming && first === blocks.length - 1}
            labels={labels}
            version={version}
          />
        );
      })}
    </div>
  );
}

interface BlockGroup {
  /** Index of the group's first block. */
  first: number;
  blocks: Block[];
}

/** Blocks, with each run of paragraph pieces the splitter cut from one paragraph as one group. */
function groupPieces(blocks: readonly Block[]): BlockGroup[] {
  const groups: BlockGroup[] = [];
  blocks.forEach((block, i) => {
    const group = groups[groups.length - 1];
    const previous = group?.blocks[group.blocks.length - 1];
    if (group && block.continues && block.token.type === 'paragraph' && previous?.token.type === 'paragraph') group.blocks.push(block);
    else groups.push({ first: i, blocks: [block] });
  });
  return groups;
}

/** Loads highlighting or math once a block was drawn without them. */
function useMissingModules(missing: ReadonlySet<string>): void {
  const names = [...missing].sort().join(',');
  useEffect(() => {
    if (names.includes('highlight')) void loadModule('highlight');
    if (names.includes('math')) void loadModule('math');
  }, [names]);
}

interface RunProps {
  pieces: Block[];
  labels: MarkdownLabels;
  version: number;
}

/**
 * A paragraph cut into pieces while it streamed, drawn as one block: each piece its own `<p>`
 * with no space between them, so a new line starts at each cut (every FREEZE_LINES source
 * lines). One `<p>` for the whole run read better, but it made the page lay the whole paragraph
 * out again on every streamed frame (one inline formatting context), which grew with the reply
 * into tasks over 50 ms; separate pieces lay out only the one that grows. Finished pieces are
 * not drawn again as it grows, nor when the reply completes.
 */
function ParagraphRun({ pieces, labels, version }: RunProps) {
  return (
    <div className="markdown-block markdown-run">
      {pieces.map((piece, i) => (
        <ParagraphPiece key={i} block={piece} labels={labels} version={version} />
      ))}
    </div>
  );
}

function ParagraphPieceView({ block, labels }: Omit<BlockProps, 'live'>) {
  const rendered = traced('markdown block', () => renderParagraphContent(block.token as Tokens.Paragraph, labels));
  useMissingModules(rendered.missing);
  return <p className="markdown-piece" dangerouslySetInnerHTML={{ __html: rendered.html }} />;
}

const ParagraphPiece = memo(
  ParagraphPieceView,
  (a, b) => a.block.token.raw === b.block.token.raw && a.labels === b.labels && a.version === b.version,
);

export const Markdown = memo(MarkdownView);

interface BlockProps {
  block: Block;
  /** The block still being written: diagrams wait until it is done. */
  live: boolean;
  labels: MarkdownLabels;
  /** Bumps when highlighting or math arrives, so blocks drawn without them draw again. */
  version: number;
}

function MarkdownBlockView({ block, live, labels, version }: BlockProps) {
  const rendered = traced('markdown block', () =>
    live ? renderBlock(block.token, labels) : keptBlock(block.token.raw, labels, version, () => renderBlock(block.token, labels)),
  );
  const ref = useRef<HTMLDivElement>(null);
  useMissingModules(rendered.missing);

  useEffect(() => {
    const container = ref.current;
    if (!rendered.hasDiagram || live || !container) return;
    return drawDiagramsWhenVisible(container);
  }, [rendered.hasDiagram, rendered.html, live]);

  return <div ref={ref} className="markdown-block" dangerouslySetInnerHTML={{ __html: rendered.html }} />;
}

const MarkdownBlock = memo(
  MarkdownBlockView,
  (a, b) => a.block.token.raw === b.block.token.raw && a.live === b.live && a.labels === b.labels && a.version === b.version,
);

/** Draws each diagram of the block once it is on screen; returns the clean-up. */
function drawDiagramsWhenVisible(container: HTMLElement): () => void {
  const pending = [...container.querySelectorAll<HTMLElement>('[data-mermaid]:not([data-drawn])')];
  if (pending.length === 0) return () => undefined;
  let cancelled = false;
  const draw = (element: HTMLElement) => {
    const source = element.querySelector('code')?.textContent ?? '';
    element.dataset.drawn = '';
    element.setAttribute('aria-busy', 'true');
    void import('./mermaidRenderer')
      .then((m) => m.renderDiagram(source))
      .then(
        (svg) => {
          if (cancelled) return;
          const figure = document.createElement('div');
          figure.className = 'mermaid-diagram';
          figure.setAttribute('role', 'img');
          figure.innerHTML = sanitizeSvg(svg);
          element.prepend(figure);
          element.dataset.state = 'drawn';
        },
        () => {
          if (!cancelled) element.dataset.state = 'failed';
        },
      )
      .finally(() => element.removeAttribute('aria-busy'));
  };
  if (typeof IntersectionObserver === 'undefined') {
    pending.forEach(draw);
    return () => {
      cancelled = true;
    };
  }
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        draw(entry.target as HTMLElement);
      }
    },
    { rootMargin: '200px' },
  );
  pending.forEach((element) => observer.observe(element));
  return () => {
    cancelled = true;
    observer.disconnect();
  };
}

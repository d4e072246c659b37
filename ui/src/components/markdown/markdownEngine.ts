import { Marked, type Token, type Tokens } from 'marked';
import { loadedModules, type LazyModule } from './lazyModules';
import { mathExtensions } from './mathExtension';
import { sanitizeReplyHtml } from './sanitize';

/** Words the rendered HTML carries (it is built outside React, so it cannot call t()). */
export interface MarkdownLabels {
  copyCode: string;
  copy: string;
  code: string;
  diagram: string;
  diagramFailed: string;
}

export interface RenderedBlock {
  html: string;
  /** Modules the block would have used had they been loaded. */
  missing: ReadonlySet<LazyModule>;
  hasDiagram: boolean;
}

// marked renders synchronously, so the labels and what was missing can be handed to the
// renderer through one module-level slot for the duration of a call.
interface RenderScope {
  labels: MarkdownLabels;
  missing: Set<LazyModule>;
  hasDiagram: boolean;
}
let scope: RenderScope | null = null;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function renderMath(tex: string, display: boolean): string {
  const math = loadedModules().math;
  if (math) return math.render(tex, display);
  scope?.missing.add('math');
  const source = display ? `\\[${tex}\\]` : `\\(${tex}\\)`;
  return `<code class="math-pending">${escapeHtml(source)}</code>`;
}

function renderCode({ text, lang }: Tokens.Code): string {
  const labels = scope!.labels;
  const language = (lang ?? '').trim().split(/\s+/)[0].toLowerCase();
  if (language === 'mermaid') {
    scope!.hasDiagram = true;
    return (
      `<div class="mermaid-block" data-mermaid aria-label="${escapeHtml(labels.diagram)}" data-failed-label="${escapeHtml(labels.diagramFailed)}">` +
      `<pre class="mermaid-source"><code>${escapeHtml(text)}</code></pre></div>`
    );
  }
  let body: string | null = null;
  if (language) {
    const highlight = loadedModules().highlight;
    if (highlight) body = highlight.highlight(text, language);
    else scope!.missing.add('highlight');
  }
  const languageClass = language ? ` language-${escapeHtml(language)}` : '';
  return (
    `<div class="code-block"><div class="code-head"><span class="code-lang">${escapeHtml(language || labels.code)}</span>` +
    `<button type="button" class="code-copy" data-copy-code aria-label="${escapeHtml(labels.copyCode)}">${escapeHtml(labels.copy)}</button></div>` +
    `<pre><code class="hljs${languageClass}">${body ?? escapeHtml(text)}</code></pre></div>`
  );
}

// marked tries a setext heading (a paragraph underlined with `===` or `---`) at every block, with
// a regex that WebKit's engine runs slowly over a long paragraph: it was the largest single cost
// of a streamed frame in the profile (tests/e2e/profile.mjs). Such a heading needs a line of only
// `=` or `-` before the paragraph's first blank line; without one, the rule cannot match and is
// skipped (`undefined`: no heading here); with one, marked's own rule decides (`false`).
const SETEXT_UNDERLINE = /\n {0,3}(?:=+|-+)[ \t]*(?:\n|$)/;

function setextHeadingPossible(src: string): boolean {
  const blankLine = src.indexOf('\n\n');
  return SETEXT_UNDERLINE.test(blankLine < 0 ? src : src.slice(0, blankLine + 1));
}

const engine = new Marked({ gfm: true, breaks: false });
engine.use({
  extensions: mathExtensions(() => renderMath),
  renderer: { code: renderCode },
  tokenizer: {
    lheading(src) {
      return setextHeadingPossible(src) ? false : undefined;
    },
  },
});

// Wide tables scroll inside the message instead of widening it.
function wrapTables(html: string): string {
  return html.replace(/<table>/g, '<div class="table-scroll"><table>').replace(/<\/table>/g, '</table></div>');
}

/** Top-level blocks of a Markdown text, each with its source. */
export function lexBlocks(text: string): Token[] {
  return engine.lexer(text);
}

function rendered(labels: MarkdownLabels, render: () => string): RenderedBlock {
  const previous = scope;
  scope = { labels, missing: new Set(), hasDiagram: false };
  try {
    const html = sanitizeReplyHtml(render());
    return { html, missing: scope.missing, hasDiagram: scope.hasDiagram };
  } finally {
    scope = previous;
  }
}

export function renderBlock(token: Token, labels: MarkdownLabels): RenderedBlock {
  return rendered(labels, () => wrapTables(engine.parser([token])));
}

/** A paragraph's content without its `<p>`: a piece of a paragraph drawn together with the others. */
export function renderParagraphContent(token: Tokens.Paragraph, labels: MarkdownLabels): RenderedBlock {
  return rendered(labels, () => {
    const html = engine.parser([token]);
    const inner = /^<p>([\s\S]*)<\/p>\n?$/.exec(html);
    return inner ? inner[1] : html;
  });
}

/** A whole text at once (tests, exports): the blocks' HTML joined. */
export function renderMarkdown(text: string, labels: MarkdownLabels): string {
  return lexBlocks(text)
    .map((token) => renderBlock(token, labels).html)
    .join('');
}

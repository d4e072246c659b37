// @vitest-environment jsdom
import { beforeAll, describe, expect, it } from 'vitest';
import { createBlockSplitter, type Block } from './blockSplitter';
import { loadAllModules } from './lazyModules';
import { lexBlocks, renderBlock, renderMarkdown, renderParagraphContent, type MarkdownLabels } from './markdownEngine';
import { mathExtensions } from './mathExtension';
import { Marked, type Tokens } from 'marked';

const labels: MarkdownLabels = {
  copyCode: 'Copy the code',
  copy: 'Copy',
  code: 'code',
  diagram: 'Diagram',
  diagramFailed: 'Could not draw',
};

function html(markdown: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderMarkdown(markdown, labels);
  return div;
}

beforeAll(() => loadAllModules());

describe('math', () => {
  it.each([
    ['inline dollars', 'Energy is $E=mc^2$ here.', false],
    ['inline parentheses (Qwen)', 'Energy is \\(E=mc^2\\) here.', false],
    ['display dollars', '$$\nE=mc^2\n$$', true],
    ['display brackets (Qwen)', '\\[\nE=mc^2\n\\]', true],
    ['display brackets on one line', '\\[ E=mc^2 \\]', true],
  ])('renders %s with KaTeX', (_name, source, display) => {
    const out = html(source);
    expect(out.querySelector('.katex')).not.toBeNull();
    expect(out.querySelector('.katex-display') !== null).toBe(display);
    // The TeX itself is not left as text next to the formula.
    expect(out.querySelector('.katex-html')?.textContent).toContain('E');
    expect(out.textContent).not.toContain('\\(');
  });

  it('interrupts a paragraph with a display formula', () => {
    const out = html('The formula:\n\\[\na^2+b^2=c^2\n\\]\nholds.');
    expect(out.querySelectorAll('p')).toHaveLength(2);
    expect(out.querySelector('.math-display .katex-display')).not.toBeNull();
  });

  it('leaves prices and code alone', () => {
    const out = html('It costs $5 and $10. Use `$x$` in code.');
    expect(out.querySelector('.katex')).toBeNull();
    expect(out.textContent).toContain('$5 and $10');
    expect(out.querySelector('code')?.textContent).toBe('$x$');
  });

  it('shows a broken formula as its source instead of failing', () => {
    const out = html('$\\frac{1}{$ ok');
    expect(out.textContent).toContain('ok');
  });
});

describe('code', () => {
  it('highlights known languages and offers a copy button', () => {
    const out = html('```python\ndef f(x):\n    return x\n```');
    const block = out.querySelector('.code-block');
    expect(block?.querySelector('.code-lang')?.textContent).toBe('python');
    expect(block?.querySelector('.hljs-keyword')?.textContent).toBe('def');
    expect(block?.querySelector('button[data-copy-code]')?.getAttribute('aria-label')).toBe('Copy the code');
    expect(block?.querySelector('pre code')?.textContent).toBe('def f(x):\n    return x');
  });

  it('escapes code in unknown languages', () => {
    const out = html('```weird\n<b>not bold</b>\n```');
    expect(out.querySelector('b')).toBeNull();
    expect(out.querySelector('pre code')?.textContent).toBe('<b>not bold</b>');
  });

  it('leaves mermaid sources for the lazy diagram renderer', () => {
    const out = html('```mermaid\ngraph TD; A-->B\n```');
    expect(out.querySelector('[data-mermaid] code')?.textContent).toBe('graph TD; A-->B');
    expect(out.querySelector('svg')).toBeNull();
  });
});

describe('tables and links', () => {
  it('renders GFM tables inside a scroll container', () => {
    const out = html('| a | b |\n|---|---|\n| 1 | 2 |');
    expect(out.querySelector('.table-scroll > table td')?.textContent).toBe('1');
  });

  it('opens links outside the app', () => {
    const link = html('[Qwen](https://qwen.ai)').querySelector('a');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toBe('noopener noreferrer');
  });
});

describe('sanitising', () => {
  it('makes scripts and event handlers in a reply inert', () => {
    const out = html(
      'Hi <script>window.pwned = 1</script><img src="x" onerror="window.pwned = 1">' +
        '\n\n<a href="javascript:alert(1)">click</a>\n\n<div onclick="x()" style="color:red">styled</div>',
    );
    expect(out.querySelector('script')).toBeNull();
    expect(out.querySelector('img')?.hasAttribute('onerror')).toBe(false);
    expect(out.querySelector('a')?.getAttribute('href') ?? null).toBeNull();
    expect(out.querySelector('[onclick]')).toBeNull();
    expect(out.innerHTML).not.toContain('pwned');
  });

  it('drops styles, forms and ids that could imitate or restyle the app', () => {
    const out = html('<style>body{display:none}</style><form><input id="root" name="x"></form>');
    expect(out.querySelector('style')).toBeNull();
    expect(out.querySelector('form')).toBeNull();
    expect(out.querySelector('#root')).toBeNull();
  });
});

describe('setext headings', () => {
  // The engine skips marked's setext-heading rule where no underline can follow; a plain marked
  // with the same extensions is the reference it must agree with.
  const reference = new Marked({ gfm: true, breaks: false }).use({ extensions: mathExtensions(() => () => '') });
  const strip = (tokens: unknown): unknown => JSON.parse(JSON.stringify(tokens)) as unknown;

  it('lexes exactly as marked does, underlines or not', () => {
    const long = Array.from({ length: 60 }, (_, i) => `Line ${i} of a paragraph with *stress*.`).join('\n');
    const samples = [
      'Title\n=====\n\nBody.',
      'Sub title\n---\nafter',
      'two lines\nof a heading\n  ===  \n',
      `${long}\n\nTitle after\n===`,
      `${long}\n---\n`,
      '- item\n- item\n\n---\n\ntext',
      'text\n\n===\n',
      'a | b\n---|---\n1 | 2',
      '    code\n---',
      'para\n   \n---',
      '> quote\n---',
      long,
      'x\n====\ny\n----',
    ];
    for (const text of samples) expect(strip(lexBlocks(text)), text).toEqual(strip(reference.lexer(text)));
  });

  it('still renders a setext heading', () => {
    expect(html('Title\n===\n\nBody.').querySelector('h1')?.textContent).toBe('Title');
    expect(html('Sub\n---').querySelector('h2')?.textContent).toBe('Sub');
  });
});

describe('block splitter', () => {
  it('keeps finished blocks while a reply streams and re-lexes only the tail', () => {
    const splitter = createBlockSplitter();
    const first = splitter.split('# Title\n\nOne paragraph.\n\nSecond par', false);
    const second = splitter.split('# Title\n\nOne paragraph.\n\nSecond paragraph is longer.\n\n- a', false);
    expect(second[0]).toBe(first[0]);
    expect(second.map((b) => b.token.type).filter((type) => type !== 'space')).toEqual(['heading', 'paragraph', 'paragraph', 'list']);
  });

  it('agrees with a whole lexing once the text is final', () => {
    const text = 'Intro\n\n- one\n\n- two\n\n```js\nlet a = 1;\n```\n\n| a |\n|---|\n| 1 |\n';
    const splitter = createBlockSplitter();
    for (let i = 1; i <= text.length; i += 3) splitter.split(text.slice(0, i), false);
    const streamed = splitter.split(text, false).map((b) => b.token.raw);
    const whole = createBlockSplitter().split(text, true).map((b) => b.token.raw);
    expect(streamed).toEqual(whole);
  });

  it('cuts a long paragraph or list being written into settled pieces and lexes only the rest', () => {
    const paragraph = Array.from({ length: 200 }, (_, i) => `Line ${i} of a *long* answer with \\(x_${i}\\) in it.`).join('\n');
    const list = Array.from({ length: 120 }, (_, i) => `${i + 1}. item **${i}**`).join('\n');
    const text = `Intro.\n\n${paragraph}\n\n${list}\n`;
    const splitter = createBlockSplitter();
    let previous: readonly Block[] = [];
    for (let end = 40; end < text.length; end += 97) {
      const blocks = splitter.split(text.slice(0, end), false);
      // The pieces tile the text received, so nothing is shown twice or lost (marked may trim
      // the whitespace at the very end).
      const squash = (t: string) => t.replace(/\s+/g, ' ').trim();
      expect(squash(blocks.map((b) => b.token.raw).join(''))).toBe(squash(text.slice(0, end)));
      // Pieces settled before stay the very same objects: their HTML is not rendered again.
      const settledBefore = previous.slice(0, -3);
      settledBefore.forEach((block, i) => expect(blocks[i]).toBe(block));
      // What is lexed again is the tail: short (under 600 characters), or at most two pieces'
      // worth of lines.
      const tail = blocks[blocks.length - 1].token.raw;
      expect(tail.length < 600 || tail.split('\n').length <= 24 + 1).toBe(true);
      previous = blocks;
    }
    expect(previous.filter((b) => b.token.type === 'paragraph').length).toBeGreaterThan(5);
    // Once final, the text is one paragraph and one list again, exactly as lexed whole.
    const final = splitter.split(text, true).map((b) => b.token.raw);
    expect(final).toEqual(createBlockSplitter().split(text, true).map((b) => b.token.raw));
    expect(splitter.split(text, true).filter((b) => b.token.type === 'list')).toHaveLength(1);
  });

  it('keeps the pieces of a streamed paragraph when it ends instead of lexing it whole', () => {
    const paragraph = Array.from({ length: 150 }, (_, i) => `Line ${i} has *stress*, \`code\` and \\(x_${i}\\).`).join('\n');
    const text = `Intro.\n\n${paragraph}\n\nOutro.\n`;
    const splitter = createBlockSplitter();
    for (let end = 30; end < text.length; end += 61) splitter.split(text.slice(0, end), false);
    const streamed = splitter.split(text, false);
    const final = splitter.split(text, true);
    // The settled pieces are the very objects drawn while streaming: nothing is lexed or drawn again.
    const pieces = final.filter((b) => b.continues);
    expect(pieces.length).toBeGreaterThan(5);
    pieces.slice(0, -1).forEach((piece) => expect(streamed).toContain(piece));
    // Together they are the paragraph lexed whole: the same source, and the same text and
    // inline markup (Markdown.tsx draws each piece as its own line of the paragraph).
    const whole = createBlockSplitter().split(text, true);
    const wholeParagraph = whole.find((b) => b.token.type === 'paragraph' && b.token.raw.length > 1000)!;
    const run = final.filter((b) => b.start >= wholeParagraph.start && b.start < wholeParagraph.start + wholeParagraph.token.raw.length);
    expect(run.map((b) => b.token.raw).join('')).toBe(wholeParagraph.token.raw);
    const drawn = `<p>${run.map((b) => renderParagraphContent(b.token as Tokens.Paragraph, labels).html).join('\n')}</p>`;
    expect(drawn).toBe(renderBlock(wholeParagraph.token, labels).html.trimEnd());
    expect(final[final.length - 1].token.raw.trim()).toBe('Outro.');
  });

  it('lexes a finished reply whole when a reference definition could change earlier pieces', () => {
    const paragraph = Array.from({ length: 150 }, (_, i) => `Line ${i} cites [the docs][docs].`).join('\n');
    const text = `${paragraph}\n\n[docs]: https://help.aliyun.com\n`;
    const splitter = createBlockSplitter();
    for (let end = 30; end < text.length; end += 61) splitter.split(text.slice(0, end), false);
    const final = splitter.split(text, true);
    expect(final.some((b) => b.continues)).toBe(false);
    expect(renderBlock(final[0].token, labels).html).toContain('href="https://help.aliyun.com"');
  });
});

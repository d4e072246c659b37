import type mermaidApi from 'mermaid';

// Mermaid is by far the largest dependency (≈ 2 MB with its layout engines), so it is imported
// only when a diagram scrolls into view, never by the main chunk.
type Mermaid = typeof mermaidApi;

let mermaid: Promise<Mermaid> | null = null;
let initialisedFor: 'dark' | 'light' | null = null;
let counter = 0;
const drawn = new Map<string, string>();

function load(): Promise<Mermaid> {
  mermaid ??= import('mermaid').then((m) => m.default);
  return mermaid;
}

function currentScheme(): 'dark' | 'light' {
  const forced = document.documentElement.dataset.theme;
  if (forced === 'dark' || forced === 'light') return forced;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The diagram as SVG (to be sanitised where it is inserted); rejects when the source is not a valid diagram. */
export async function renderDiagram(source: string): Promise<string> {
  const scheme = currentScheme();
  const key = `${scheme}\n${source}`;
  const cached = drawn.get(key);
  if (cached !== undefined) return cached;
  const m = await load();
  if (initialisedFor !== scheme) {
    m.initialize({
      startOnLoad: false,
      // Labels are escaped and links and scripts in diagrams are refused.
      securityLevel: 'strict',
      theme: scheme === 'dark' ? 'dark' : 'default',
      fontFamily: 'inherit',
    });
    initialisedFor = scheme;
  }
  counter += 1;
  const { svg } = await m.render(`bd-diagram-${counter}`, source);
  drawn.set(key, svg);
  return svg;
}

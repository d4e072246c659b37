// KaTeX and its stylesheet, loaded on the first formula (their own chunk).
import katex from 'katex';
import 'katex/dist/katex.min.css';

export interface MathRenderer {
  render(tex: string, display: boolean): string;
}

export const mathRenderer: MathRenderer = {
  render(tex, display) {
    return katex.renderToString(tex, {
      displayMode: display,
      // A formula with a mistake shows its source in red instead of breaking the reply.
      throwOnError: false,
      strict: 'ignore',
      trust: false,
      output: 'htmlAndMathml',
      maxExpand: 1000,
      maxSize: 50,
    });
  },
};

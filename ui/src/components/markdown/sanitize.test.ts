// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { sanitizeReplyHtml, sanitizeSvg } from './sanitize';

// Each purifier keeps its own configuration (set once, not parsed per call): using one must never
// change what the other lets through.
describe('sanitize', () => {
  it('keeps the reply and diagram rules apart, whichever ran last', () => {
    const reply = '<p id="x" style="color:red">hi <a href="https://a.example">a</a></p><svg><circle r="1"/></svg><style>p{}</style>';
    const svg = '<svg><script>alert(1)</script><a href="#"><text>t</text></a><foreignObject><div>d</div></foreignObject></svg>';
    for (let round = 0; round < 2; round++) {
      const replyOut = document.createElement('div');
      replyOut.innerHTML = sanitizeReplyHtml(reply);
      expect(replyOut.querySelector('[id]')).toBeNull();
      expect(replyOut.querySelector('style')).toBeNull();
      expect(replyOut.querySelector('a')?.getAttribute('target')).toBe('_blank');
      expect(replyOut.querySelector('a')?.getAttribute('rel')).toBe('noopener noreferrer');

      const svgOut = document.createElement('div');
      svgOut.innerHTML = sanitizeSvg(svg);
      expect(svgOut.querySelector('svg')).not.toBeNull();
      expect(svgOut.querySelector('script')).toBeNull();
      expect(svgOut.querySelector('a')).toBeNull();
      expect(svgOut.querySelector('foreignObject')).not.toBeNull();
    }
  });
});

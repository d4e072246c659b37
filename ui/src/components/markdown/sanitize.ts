import DOMPurify from 'dompurify';

// Replies are untrusted: a model can be talked into writing `<img onerror>` or `<script>`, and a
// pasted web page can carry them. Everything rendered from Markdown goes through this.
// Each purifier keeps its configuration (setConfig): passed per call, DOMPurify parses and copies
// its allow-lists on every call, a measurable part of each streamed frame in WebKit.
const purifier = DOMPurify();
const svgPurifier = DOMPurify();

purifier.addHook('afterSanitizeAttributes', (node) => {
  // Links leave the app instead of replacing it: the webview is the whole app.
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

const REPLY_CONFIG = {
  // Styles and forms from a reply could restyle or imitate the app; ids and names could clash
  // with the app's own elements.
  FORBID_TAGS: ['style', 'form', 'textarea', 'select', 'option', 'dialog', 'template'],
  FORBID_ATTR: ['id', 'name', 'autofocus', 'tabindex'],
  ADD_TAGS: ['semantics', 'annotation'],
  ADD_ATTR: ['target'],
};

purifier.setConfig(REPLY_CONFIG);
svgPurifier.setConfig({
  USE_PROFILES: { svg: true, svgFilters: true, html: true },
  ADD_TAGS: ['foreignObject'],
  FORBID_TAGS: ['script', 'style', 'a'],
});

export function sanitizeReplyHtml(html: string): string {
  return purifier.sanitize(html);
}

export function sanitizeSvg(svg: string): string {
  return svgPurifier.sanitize(svg);
}

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown;
  }
}

/** False in a plain browser (vite dev/preview), where no command can be invoked. */
export function isInsideTauri(): boolean {
  return typeof window !== 'undefined' && window.__TAURI_INTERNALS__ !== undefined;
}

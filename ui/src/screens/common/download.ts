import { saveFile } from '../../api/desk';
import { isInsideTauri } from '../../api/tauriRuntime';

/** UTF-8 text as base64, for the IPC. */
function textToBase64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Saves text as a file. In the app the core writes it to the downloads folder (the webview has no
 * download manager) and this resolves with the path; in a browser it is an ordinary download and
 * this resolves with null.
 */
export async function saveText(fileName: string, text: string, mime: string): Promise<string | null> {
  if (isInsideTauri()) return saveFile(fileName, textToBase64(text));
  downloadText(fileName, text, mime);
  return null;
}

/** Hands text to the browser as a file download, through a short-lived object URL. */
export function downloadText(fileName: string, text: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download reads the URL after the click returns; revoking at once can cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `2025-01-31`, in local time: file names sort by date and read the same in every language. */
export function fileDate(ms: number = Date.now()): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

import { configure, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { I18nextProvider } from 'react-i18next';
import { vi } from 'vitest';
import i18n from '../i18n';
import { installMockBackend, type MockBackend, type MockOptions } from './mockBackend';

// A whole boot (device status, login, settings, status) under a loaded two-core CI machine can
// take longer than Testing Library's default second.
configure({ asyncUtilTimeout: 15000 });

/** jsdom has neither matchMedia nor object URLs; the screens need both. */
export function stubBrowser() {
  window.matchMedia = vi.fn((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    addListener: () => undefined,
    removeListener: () => undefined,
    dispatchEvent: () => false,
  }));
  let next = 0;
  const urls = { created: vi.fn<(blob: Blob) => string>(() => `blob:mock/${++next}`), revoked: vi.fn<(url: string) => void>() };
  URL.createObjectURL = urls.created;
  URL.revokeObjectURL = urls.revoked;
  return urls;
}

/** A mock backend that answers at once (no streaming or image pauses) unless told otherwise. */
export function renderWithBackend(ui: ReactElement, options: MockOptions = {}) {
  const urls = stubBrowser();
  const backend = installMockBackend({ streamDelayMs: 0, imageStepMs: 0, ...options });
  const result = render(<I18nextProvider i18n={i18n}>{ui}</I18nextProvider>);
  return { backend, urls, ...result };
}

export function commandsCalled(backend: MockBackend, cmd: string) {
  return backend.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

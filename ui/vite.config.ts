/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Tauri loads the dev server at a fixed URL (devUrl) and serves dist/ in release builds.
// `--mode mock` builds mock.html instead, whose entry installs the in-memory backend before the app
// (src/testing/mockMain.ts), into its own folder: the browser tests use it, the app never ships it.
export default defineConfig(({ mode }) => ({
  plugins: [react()],
  clearScreen: false, // keep the Rust compiler's output visible under `tauri dev`
  server: {
    port: 5173,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**'] },
  },
  preview: {
    port: 4173,
    strictPort: true,
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: mode === 'mock' ? 'dist-mock' : 'dist',
    emptyOutDir: true,
    ...(mode === 'mock' ? { rolldownOptions: { input: 'mock.html' } } : {}),
    // WebKitGTK 2.50 on Linux, WKWebView on macOS, WebView2 (Chromium) on Windows.
    target: ['es2021', 'safari15', 'chrome105'],
    sourcemap: false,
    // Mermaid's own chunk (about 2 MB) is the only one past 500 kB; it loads only when a diagram
    // scrolls into view, so its size never delays start-up.
    chunkSizeWarningLimit: 2600,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // Generous for a loaded two-core CI machine (lazy screens import slowly there); a passing test
    // takes no longer for it.
    testTimeout: 30_000,
  },
}));

/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Tauri loads the dev server at a fixed URL (devUrl) and serves dist/ in release builds.
export default defineConfig({
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
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.50 on Linux, WKWebView on macOS, WebView2 (Chromium) on Windows.
    target: ['es2021', 'safari15', 'chrome105'],
    sourcemap: false,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});

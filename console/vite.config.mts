import path from 'node:path';
import { defineConfig } from 'vite';

/**
 * The console's bundle, which the HTTP API serves at `/` and `/assets/`. Its CSP allows no inline
 * script or style, so nothing is inlined: not even small assets, nor the module preload polyfill.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(import.meta.dirname, '../dist/console'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
});

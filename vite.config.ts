import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// The renderer: built into dist/renderer, loaded by Electron from app://portolan/ (relative base)
// and served to a browser by `portolan serve`.
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [svelte()],
  define: { __PORTOLAN_VERSION__: JSON.stringify(pkg.version) },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Rolldown's [PLUGIN_TIMINGS] report on a slow machine is noise before `npm run serve`'s URL.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: { host: '127.0.0.1' },
});

import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The layers of `npm test`: unit, integration and end-to-end. Interop (root, real peers) and
// benchmarks run on their own (npm run test:interop, npm run bench). Unit and renderer files run in
// parallel on 2 cores: their time limits leave room for a busy machine (they are limits, not assertions).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 30000, hookTimeout: 60000 } },
      {
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: { name: 'renderer', include: ['tests/unit-renderer/**/*.test.ts'], environment: 'jsdom', testTimeout: 30000, setupFiles: ['tests/unit-renderer/setup.ts'] },
      },
      { test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], testTimeout: 30000, hookTimeout: 60000 } },
      { test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], testTimeout: 60000, hookTimeout: 120000, fileParallelism: false } },
    ],
  },
});

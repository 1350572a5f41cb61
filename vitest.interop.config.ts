import { defineConfig } from 'vitest/config';

// Interop tests against real peers (knockd, sshd, miniupnpd, nmap, socat) in network namespaces.
// They need root; each test says what it skipped and why when it cannot run.
export default defineConfig({
  test: { include: ['tests/interop/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000, fileParallelism: false },
});

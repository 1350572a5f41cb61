/** Shared checks for interop tests: they need root and Debian's peers, and say why when they skip. */
import { spawnSync } from 'node:child_process';
import net from 'node:net';

/** Why interop cannot run here, or undefined when it can. */
export function missingPrerequisite(commands: string[]): string | undefined {
  if (process.platform !== 'linux') return 'interop tests need Linux (network namespaces, /proc)';
  if (process.getuid?.() !== 0) return 'interop tests need root (network namespaces, peers on privileged ports); run them with sudo';
  for (const command of commands) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `${command} is not installed (apt-get install it; .ci/run does)`;
  }
  return undefined;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `check` is true, polling; throws after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting for a peer');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Peers of the exposure interop tests (exposure-peers.mjs) started in a namespace, and stopped by PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './helpers.js';

/** The peers script: `listen` and `probe` modes. */
export const PEERS = path.join(import.meta.dirname, 'exposure-peers.mjs');

/** A listener or a probe target. */
export interface PeerSpec {
  proto: 'tcp' | 'udp';
  host: string;
  port: number;
}

/** Starts TCP echo and UDP echo listeners inside `ns`; resolves once they are all bound. */
export async function startListeners(ns: string, specs: PeerSpec[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, PEERS, 'listen', JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('ready'), 10000);
  return child;
}

/** Kills a peer by its PID and waits for it (ip netns del does not kill processes). */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/**
 * The topology of ../shared/peers/knockd.sh, built by the test in its own network namespaces with
 * unique names:
 *   srv namespace (10.77.0.1) --veth-- cli namespace (10.77.0.2)
 * The 10.77.0.x addresses exist only on this veth pair inside the two namespaces. Processes are
 * started with `ip netns exec` (which execs the command, so the child's PID is the peer's own),
 * stopped by PID, then the namespaces are deleted (which removes the veth pair).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Addresses on the test's veth pair, inside its namespaces only. */
export const KNOCK_NETNS_ADDR = { srv: '10.77.0.1', cli: '10.77.0.2' } as const;

/** `portolan` from the sources (run inside a namespace with net.run / net.start). */
export const PORTOLAN_CLI = ['node', '--import', 'tsx', path.resolve(import.meta.dirname, '..', '..', 'src-main', 'cli', 'main.ts')];

/** A started process with its output so far. */
export interface Peer {
  child: ChildProcess;
  out(): string;
}

export interface KnockNet {
  srv: string;
  cli: string;
  /** The server side's veth interface (what knockd watches). */
  srvIf: string;
  dir: string;
  /** Runs a command inside a namespace and waits; returns status and output. */
  run(ns: string, cmd: string[], env?: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }>;
  /** Starts a long-running process inside a namespace; stopped by PID in down(). */
  start(ns: string, cmd: string[], env?: NodeJS.ProcessEnv): Peer;
  down(): void;
}

function sh(cmd: string[]): void {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

/** Makes the two namespaces and the veth pair between them, both ends UP before anything starts (knockd needs that). */
export function knockNetUp(): KnockNet {
  const id = randomBytes(3).toString('hex');
  const srv = `ptl-ksrv-${id}`;
  const cli = `ptl-kcli-${id}`;
  const [srvIf, cliIf] = [`pks${id}`, `pkc${id}`];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-knock-'));
  const procs: ChildProcess[] = [];
  const created: string[] = [];
  const net: KnockNet = {
    srv,
    cli,
    srvIf,
    dir,
    run: (ns, cmd, env) =>
      new Promise((resolve) => {
        const p = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
        procs.push(p);
        let out = '';
        p.stdout!.on('data', (d) => (out += d));
        p.stderr!.on('data', (d) => (out += d));
        p.on('close', (status) => resolve({ status, out }));
      }),
    start: (ns, cmd, env) => {
      const p = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      procs.push(p);
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      p.stderr!.on('data', (d) => (out += d));
      return { child: p, out: () => out };
    },
    down: () => {
      // ip netns del does not kill processes inside a namespace: stop them by PID first.
      for (const p of [...procs].reverse()) if (p.pid && p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
      const until = Date.now() + 3000;
      while (procs.some((p) => p.exitCode === null && p.signalCode === null) && Date.now() < until) spawnSync('sleep', ['0.05']);
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      for (const ns of created) spawnSync('ip', ['netns', 'del', ns]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const ns of [srv, cli]) {
      sh(['ip', 'netns', 'add', ns]);
      created.push(ns);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sh(['ip', 'link', 'add', srvIf, 'netns', srv, 'type', 'veth', 'peer', 'name', cliIf, 'netns', cli]);
    // Addresses on the veth pair, inside the namespaces only.
    sh(['ip', '-n', srv, 'addr', 'add', `${KNOCK_NETNS_ADDR.srv}/24`, 'dev', srvIf]);
    sh(['ip', '-n', cli, 'addr', 'add', `${KNOCK_NETNS_ADDR.cli}/24`, 'dev', cliIf]);
    sh(['ip', '-n', srv, 'link', 'set', srvIf, 'up']);
    sh(['ip', '-n', cli, 'link', 'set', cliIf, 'up']);
    return net;
  } catch (err) {
    net.down();
    throw err;
  }
}

/**
 * From the cli namespace: 'echo' when a TCP connection to the srv namespace's `port` sends back what
 * it was sent, 'closed' when it is closed (or refused) without that.
 */
export async function probeFromCli(net: KnockNet, port: number): Promise<string> {
  const js = `const s=require("net").connect(${port},"${KNOCK_NETNS_ADDR.srv}");let r="closed",got="";s.on("connect",()=>s.write("ping"));s.on("data",(d)=>{got+=d;if(got.includes("ping")){r="echo";s.destroy()}});s.on("error",()=>{});s.on("close",()=>console.log(r));setTimeout(()=>s.destroy(),2000);`;
  return (await net.run(net.cli, ['node', '-e', js])).out.trim();
}

/** Polls until `check` is true, or throws after `ms` with `what`. */
export async function pollUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

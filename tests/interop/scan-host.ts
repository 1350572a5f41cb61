/**
 * A scan target host in a network namespace made for the test (after ../shared/peers/wan.sh):
 * namespace portolan-scan (10.81.0.1) joined by a veth to this namespace (10.81.0.2).
 *  TCP open 22,80,443,1080 | filtered (drop) 135,139,445 and 7000-7099 | filtered (ICMP admin-prohibited) 1433 | rest closed (RST)
 *  UDP open 53 (echo)       | open|filtered (drop) 69,514 | filtered (ICMP admin-prohibited) 500 | rest closed (ICMP port unreachable)
 * Needs root, iproute2, nftables and socat. down() kills the peers by PID, then deletes the namespace (and so the veth).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const NS = 'portolan-scan';
export const HOST = '10.81.0.1';
export const TCP_OPEN = [22, 80, 443, 1080];
export const UDP_PORTS = [7, 53, 69, 123, 137, 161, 500, 514, 1900, 5353];

const run = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(input ? { input } : {}) });

/** The namespace host: its peers and how to take it down. */
export interface ScanHostNs {
  down(): Promise<void>;
}

export async function up(): Promise<ScanHostNs> {
  spawnSync('ip', ['netns', 'del', NS]); // left over by a crashed run
  run('ip', ['netns', 'add', NS]);
  const peers: ChildProcess[] = [];
  const down = async () => {
    for (const p of peers) p.kill('SIGKILL');
    await Promise.all(peers.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
    spawnSync('ip', ['netns', 'del', NS]);
  };
  try {
    run('ip', ['link', 'add', 'pscan-h', 'type', 'veth', 'peer', 'name', 'pscan-t']);
    run('ip', ['link', 'set', 'pscan-t', 'netns', NS]);
    run('ip', ['addr', 'add', '10.81.0.2/24', 'dev', 'pscan-h']);
    run('ip', ['link', 'set', 'pscan-h', 'up']);
    run('ip', ['-n', NS, 'addr', 'add', `${HOST}/24`, 'dev', 'pscan-t']);
    run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', NS, 'link', 'set', 'pscan-t', 'up']);
    run('ip', ['netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv4.icmp_ratelimit=0']);
    run('ip', ['netns', 'exec', NS, 'nft', '-f', '-'], `table inet scan {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport { 135, 139, 445, 7000-7099 } drop
    tcp dport 1433 reject with icmp type admin-prohibited
    udp dport { 69, 514 } drop
    udp dport 500 reject with icmp type admin-prohibited
  }
}
`);
    for (const port of TCP_OPEN) peers.push(spawn('ip', ['netns', 'exec', NS, 'socat', `TCP-LISTEN:${port},bind=${HOST},reuseaddr,fork`, 'EXEC:/bin/cat'], { stdio: 'ignore' }));
    peers.push(spawn('ip', ['netns', 'exec', NS, 'socat', '-T1', `UDP4-RECVFROM:53,bind=${HOST},fork`, 'EXEC:/bin/cat'], { stdio: 'ignore' }));
    for (let i = 0; i < 100; i++) {
      const n = spawnSync('ip', ['netns', 'exec', NS, 'ss', '-Hltnu'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
      if (n >= 5) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await down();
    throw err;
  }
  return { down };
}

/** Port states from nmap's XML output (-oX -): listed ports, ports named by extrareasons, then the remaining default. */
export function nmapStates(xml: string, ports: number[]): Map<number, string> {
  const states = new Map<number, string>();
  for (const m of xml.matchAll(/<port protocol="\w+" portid="(\d+)"><state state="([^"]+)"/g)) states.set(Number(m[1]), m[2]!);
  let fallback = 'closed';
  for (const m of xml.matchAll(/<extraports state="([^"]+)"[^>]*>([\s\S]*?)<\/extraports>/g)) {
    const lists = [...m[2]!.matchAll(/ports="([^"]*)"/g)].map((x) => x[1]!).filter(Boolean);
    if (lists.length === 0) fallback = m[1]!;
    for (const part of lists.join(',').split(',')) {
      const [a, b] = part.split('-').map(Number) as [number, number | undefined];
      for (let p = a; p <= (b ?? a); p++) states.set(p, m[1]!);
    }
  }
  return new Map(ports.map((p) => [p, states.get(p) ?? fallback]));
}

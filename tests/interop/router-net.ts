/**
 * The topology of ../shared/peers/upnp.sh, built by the test in its own network namespaces with
 * unique names:
 *   lan namespace (10.81.0.2) --veth-- rtr namespace (10.81.0.1 | 10.82.0.1, miniupnpd) --veth-- wan namespace (10.82.0.2, STUN)
 * The 10.81/10.82 addresses exist only inside these namespaces. miniupnpd refuses to map ports
 * when its WAN address is private, so a tiny STUN responder in the wan namespace makes it accept
 * 10.82.0.1 (ext_perform_stun). Its nftables backend needs its tables and chains made first.
 * Everything is stopped by PID, then the namespaces are deleted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Addresses inside the test's namespaces (never on this machine's own network). */
export const NETNS_ADDR = { lan: '10.81.0.2', rtrLan: '10.81.0.1', rtrWan: '10.82.0.1', wan: '10.82.0.2' } as const;

export interface RouterNet {
  lan: string;
  rtr: string;
  wan: string;
  dir: string;
  /** Runs a command inside a namespace and waits (throws on failure). */
  exec(ns: string, cmd: string[], input?: string): string;
  /**
   * Starts a long-running process inside a namespace, its output going to a file in `dir` (never a
   * pipe: the test blocks in spawnSync, and a full pipe would stall miniupnpd); stopped by PID in down().
   */
  start(ns: string, cmd: string[], logName?: string): ChildProcess;
  /** miniupnpd's log so far. */
  log(): string;
  down(): void;
}

function sh(cmd: string[], input?: string): string {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', input, timeout: 20000 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

const STUN_JS = `
const d=require("dgram").createSocket("udp4");
d.on("message",(m,r)=>{ if(m.length<20||m.readUInt16BE(0)!==1) return;
  const b=Buffer.alloc(32); b.writeUInt16BE(0x0101,0); b.writeUInt16BE(12,2); m.copy(b,4,4,20);
  b.writeUInt16BE(1,20); b.writeUInt16BE(8,22); b[25]=1; b.writeUInt16BE(r.port,26);
  r.address.split(".").forEach((o,i)=>b[28+i]=+o); d.send(b,r.port,r.address); });
d.bind(3478,"${NETNS_ADDR.wan}",()=>console.log("stun ready"));`;

/** Builds the namespaces, the STUN responder and miniupnpd (UPnP IGD, NAT-PMP, PCP; secure_mode). */
export async function routerNetUp(): Promise<RouterNet> {
  const id = randomBytes(3).toString('hex');
  const lan = `ptl-lan-${id}`;
  const rtr = `ptl-rtr-${id}`;
  const wan = `ptl-wan-${id}`;
  const [rl, rw, cl, wl] = [`pr${id}l`, `pr${id}w`, `pc${id}`, `pw${id}`];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-router-'));
  const procs: ChildProcess[] = [];
  const created: string[] = [];
  const read = (name: string) => {
    try {
      return readFileSync(path.join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const net: RouterNet = {
    lan,
    rtr,
    wan,
    dir,
    exec: (ns, cmd, input) => sh(['ip', 'netns', 'exec', ns, ...cmd], input),
    start: (ns, cmd, logName) => {
      const fd = logName ? openSync(path.join(dir, logName), 'a') : 'ignore';
      const p = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', fd, fd] });
      if (typeof fd === 'number') closeSync(fd);
      procs.push(p);
      return p;
    },
    log: () => read('miniupnpd.log'),
    down: () => {
      // ip netns del does not kill processes inside a namespace: stop them by PID first.
      for (const p of procs.reverse()) if (p.pid && p.exitCode === null) p.kill('SIGTERM');
      const until = Date.now() + 2000;
      while (procs.some((p) => p.exitCode === null && p.signalCode === null) && Date.now() < until) spawnSync('sleep', ['0.05']);
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      for (const ns of created) spawnSync('ip', ['netns', 'del', ns]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const ns of [rtr, lan, wan]) {
      sh(['ip', 'netns', 'add', ns]);
      created.push(ns);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sh(['ip', 'link', 'add', rl, 'netns', rtr, 'type', 'veth', 'peer', 'name', cl, 'netns', lan]);
    sh(['ip', 'link', 'add', rw, 'netns', rtr, 'type', 'veth', 'peer', 'name', wl, 'netns', wan]);
    // Addresses inside the namespaces (netns only).
    sh(['ip', '-n', rtr, 'addr', 'add', `${NETNS_ADDR.rtrLan}/24`, 'dev', rl]);
    sh(['ip', '-n', rtr, 'addr', 'add', `${NETNS_ADDR.rtrWan}/24`, 'dev', rw]);
    sh(['ip', '-n', lan, 'addr', 'add', `${NETNS_ADDR.lan}/24`, 'dev', cl]);
    sh(['ip', '-n', wan, 'addr', 'add', `${NETNS_ADDR.wan}/24`, 'dev', wl]);
    for (const [ns, dev] of [[rtr, rl], [rtr, rw], [lan, cl], [wan, wl]] as const) sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    sh(['ip', '-n', lan, 'route', 'add', 'default', 'via', NETNS_ADDR.rtrLan]); // the lan namespace's gateway
    sh(['ip', '-n', rtr, 'route', 'add', 'default', 'via', NETNS_ADDR.wan]);
    net.exec(rtr, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    net.exec(
      rtr,
      ['nft', '-f', '-'],
      `table inet filter {
  chain forward { type filter hook forward priority 0; policy drop; ct state established,related accept; iifname "${rl}" oifname "${rw}" accept; jump miniupnpd; }
  chain miniupnpd { }
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; oifname "${rw}" masquerade; }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
`,
    );
    net.start(wan, [process.execPath, '-e', STUN_JS], 'stun.log');
    for (let until = Date.now() + 5000; !read('stun.log').includes('ready'); ) {
      if (Date.now() > until) throw new Error(`the STUN responder did not start: ${read('stun.log')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    writeFileSync(
      path.join(dir, 'miniupnpd.conf'),
      [
        `ext_ifname=${rw}`,
        `listening_ip=${rl}`,
        'http_port=5000',
        'enable_upnp=yes',
        'enable_natpmp=yes',
        'ipv6_disable=yes',
        'secure_mode=yes',
        'system_uptime=no',
        'notify_interval=60',
        'clean_ruleset_interval=600',
        'min_lifetime=120',
        'max_lifetime=86400',
        `lease_file=${path.join(dir, 'upnp.leases')}`,
        `uuid=${randomUUID()}`,
        'friendly_name=portolan-test-router',
        'ext_perform_stun=yes',
        `ext_stun_host=${NETNS_ADDR.wan}`,
        'ext_stun_port=3478',
        `allow 1024-65535 ${NETNS_ADDR.lan.replace(/\d+$/, '0')}/24 1024-65535`,
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    );
    // Our own miniupnpd in the rtr namespace (never the Debian service), in the foreground (-d).
    const m = net.start(rtr, ['miniupnpd', '-d', '-f', path.join(dir, 'miniupnpd.conf'), '-P', path.join(dir, 'miniupnpd.pid')], 'miniupnpd.log');
    const until = Date.now() + 8000;
    while (!spawnSync('ip', ['netns', 'exec', rtr, 'ss', '-Hltn', 'sport = :5000'], { encoding: 'utf8' }).stdout.trim()) {
      if (Date.now() > until || m.exitCode !== null) throw new Error(`miniupnpd did not start: ${net.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // STUN takes a moment after the HTTP port opens; port forwarding is refused until it is done.
    await new Promise((r) => setTimeout(r, 300));
    return net;
  } catch (err) {
    net.down();
    throw err;
  }
}

/**
 * `portolan router info|list|add|remove`: port mappings on the router (UPnP IGD, NAT-PMP, PCP).
 * One command maps with a lease and exits; the desktop app or `portolan serve` renews mappings.
 */
import { parseArgs } from 'node:util';
import type { Mapping, RouterInfo } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { callOrFail } from './call.js';

const NAMES = { upnp: 'UPnP IGD', natpmp: 'NAT-PMP', pcp: 'PCP' } as const;

/** The router as a few lines. */
export function formatRouter(r: RouterInfo): string {
  const name = r.upnp ? `"${r.upnp.friendlyName}" (${[r.upnp.manufacturer, r.upnp.modelName].filter(Boolean).join(' ')})` : '';
  const lines = [
    `Router ${r.gateway}${name ? ` ${name}` : ''}`,
    `  External address: ${r.externalAddress ?? 'unknown'}`,
    `  This machine: ${r.localAddress}`,
    `  Speaks: ${r.protocols.map((p) => NAMES[p]).join(', ')}${r.preferred ? ` (uses ${NAMES[r.preferred]} unless told otherwise)` : ''}`,
    ...r.tried.map((t) => `  ${NAMES[t.protocol].padEnd(9)} ${t.outcome}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A mapping as one table line (and a second line for an error or a note). */
export function formatMapping(m: Mapping, now = Date.now()): string {
  const lease = m.leaseSeconds === 0 ? 'permanent' : m.expiresAt ? `${Math.max(0, Math.round((m.expiresAt - now) / 1000))} s left` : `${m.leaseSeconds} s`;
  const owner = m.ownedByPortolan ? 'portolan' : 'other';
  let line = `${m.protocol.toUpperCase().padEnd(4)} ${String(m.externalPort).padEnd(6)} -> ${`${m.internalHost}:${m.internalPort}`.padEnd(22)} ${m.state.padEnd(10)} ${NAMES[m.via].padEnd(9)} ${owner.padEnd(9)} ${lease.padEnd(14)} ${m.description}`;
  if (m.error) line += `\n       ${m.error.message}`;
  if (m.note) line += `\n       ${m.note}`;
  return line;
}

/** Runs one router subcommand. */
export async function routerCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      tcp: { type: 'boolean', default: false },
      udp: { type: 'boolean', default: false },
      lease: { type: 'string', default: '3600' },
      via: { type: 'string' },
      description: { type: 'string', default: 'Portolan' },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.tcp && values.udp) throw new UsageError('Choose --tcp or --udp, not both.');
  const protocol = values.udp ? 'udp' : 'tcp';
  const port = (text: string | undefined, what: string) => {
    const n = Number(text);
    if (!text || !Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${what} must be a port from 1 to 65535${text ? ` (got "${text}")` : ''}.`);
    return n;
  };
  if (!sub || !['info', 'list', 'add', 'remove'].includes(sub)) throw new UsageError('Say what to do: info, list, add or remove.');
  let spec: { externalPort: number; internalHost?: string; internalPort: number; protocol: 'tcp' | 'udp'; leaseSeconds: number; description: string; via?: 'upnp' | 'natpmp' | 'pcp' } | undefined;
  if (sub === 'add') {
    const externalPort = port(rest[0], 'The external port');
    const target = rest[1];
    const m = target ? /^(?:(.*):)?(\d+)$/.exec(target) : null;
    if (!m) throw new UsageError('Give the internal host and port as HOST:PORT, for example 192.168.1.20:8080 (or :8080 for this machine).');
    const leaseSeconds = Number(values.lease);
    if (!Number.isInteger(leaseSeconds) || leaseSeconds < 0) throw new UsageError('--lease takes seconds: 0 (permanent) or more.');
    if (values.via && !['upnp', 'natpmp', 'pcp'].includes(values.via)) throw new UsageError('--via takes upnp, natpmp or pcp.');
    spec = {
      externalPort,
      ...(m[1] ? { internalHost: m[1] } : {}),
      internalPort: port(m[2], 'The internal port'),
      protocol,
      leaseSeconds,
      description: values.description,
      ...(values.via ? { via: values.via as 'upnp' | 'natpmp' | 'pcp' } : {}),
    };
  }
  if (sub === 'remove' && rest.length !== 1) throw new UsageError('Give the external port to remove, for example: portolan router remove 8080 --tcp.');
  const removePort = sub === 'remove' ? port(rest[0], 'The external port') : 0;

  const app = await ctx.openApp('direct');
  try {
    if (sub === 'info') {
      const info = await callOrFail(app, 'router.discover', {});
      ctx.stdout(values.json ? `${JSON.stringify(info, null, 2)}\n` : formatRouter(info));
    } else if (sub === 'list') {
      const mappings = await callOrFail(app, 'router.mappings', {});
      if (values.json) ctx.stdout(`${JSON.stringify(mappings, null, 2)}\n`);
      else if (mappings.length === 0) ctx.stdout('The router lists no port mappings.\n');
      else {
        ctx.stdout(`${'PROTO'.padEnd(4)} ${'EXT'.padEnd(6)}    ${'INTERNAL'.padEnd(22)} ${'STATE'.padEnd(10)} ${'VIA'.padEnd(9)} ${'MADE BY'.padEnd(9)} ${'LEASE'.padEnd(14)} DESCRIPTION\n`);
        for (const m of mappings) ctx.stdout(`${formatMapping(m)}\n`);
      }
    } else if (sub === 'add') {
      ctx.stderr(
        `Warning: this opens ${spec!.internalHost ?? 'this machine'}:${spec!.internalPort} to the internet: anyone can reach it on the router's external port ${spec!.externalPort}. Remove the mapping when you no longer need it.\n`,
      );
      const mapping = await callOrFail(app, 'router.add', spec!);
      if (values.json) ctx.stdout(`${JSON.stringify(mapping, null, 2)}\n`);
      else {
        ctx.stdout(`${formatMapping(mapping)}\n`);
        if (mapping.leaseSeconds > 0) {
          ctx.stdout(`The router keeps it for ${mapping.leaseSeconds} s; the Portolan app (or portolan serve) renews it while it runs.\n`);
        }
      }
      return mapping.state === 'unverified' ? 1 : 0;
    } else {
      await callOrFail(app, 'router.remove', { protocol, externalPort: removePort });
      ctx.stdout(values.json ? `${JSON.stringify({ removed: true })}\n` : `Removed the ${protocol.toUpperCase()} mapping of external port ${removePort}.\n`);
    }
    return 0;
  } finally {
    await app.close();
  }
}

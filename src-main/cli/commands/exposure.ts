/**
 * `portolan exposure [--json] [--why] [--no-router]`: who can reach each listening port here:
 * bind scope, host firewall (LAN and internet, with the deciding rule), router mapping, verdict.
 */
import { parseArgs } from 'node:util';
import type { ExposureEntry, ExposureReport } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { callOrFail } from './call.js';

const REACH: Record<ExposureEntry['reachableFrom'], string> = { machine: 'only this machine', lan: 'this network', internet: 'THE INTERNET', unknown: 'unknown' };

/** The report as a table (and, with `why`, the reason chain under each row). */
export function formatExposure(report: ExposureReport, why: boolean): string {
  const lines: string[] = [];
  lines.push(report.firewall.readable ? `Firewall read from ${report.firewall.sources.join(', ')}.${report.firewall.note ? ` ${report.firewall.note}` : ''}` : `Firewall not read: ${report.firewall.note ?? 'unknown reason'}.`);
  lines.push(report.router.listed ? (report.router.asked ? 'Router mappings listed by the router.' : 'Router not asked (--no-router): mappings as last known.') : `Router mappings not known: ${report.router.note ?? ''}.`);
  lines.push('');
  lines.push(`${'PROTO'.padEnd(5)} ${'ADDRESS:PORT'.padEnd(28)} ${'PROCESS'.padEnd(20)} ${'BIND'.padEnd(9)} ${'LAN'.padEnd(7)} ${'INTERNET'.padEnd(8)} REACHABLE FROM`);
  for (const e of report.entries) {
    const addr = e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
    const proc = e.process ? `${e.process}${e.pid ? `/${e.pid}` : ''}` : '-';
    const reach = e.reachableFrom === 'internet' && e.router ? `${REACH.internet} (router ${e.router.mapping})` : REACH[e.reachableFrom];
    lines.push(`${e.protocol.padEnd(5)} ${addr.padEnd(28)} ${proc.slice(0, 20).padEnd(20)} ${e.bind.padEnd(9)} ${(e.bind === 'loopback' ? '-' : e.firewall.lan).padEnd(7)} ${(e.bind === 'loopback' ? '-' : e.firewall.internet).padEnd(8)} ${reach}`);
    if (why) for (const r of e.reasons) lines.push(`      ${r}`);
  }
  if (report.entries.length === 0) lines.push('No listening TCP or UDP socket.');
  lines.push('', 'Learn more: portolan learn firewalls');
  return `${lines.join('\n')}\n`;
}

/** Prints the exposure of every listening socket. */
export async function exposureCommand(ctx: CliContext): Promise<ExitCode> {
  const { values } = parseArgs({
    args: ctx.args,
    options: { json: { type: 'boolean', default: false }, why: { type: 'boolean', default: false }, 'no-router': { type: 'boolean', default: false } },
  });
  const app = await ctx.openApp('direct');
  try {
    const report = await callOrFail(app, 'exposure.list', { router: !values['no-router'] });
    // --json: one object per listener, as the issue specifies; the sources' notes go to stderr.
    if (values.json) {
      ctx.stdout(`${JSON.stringify(report.entries, null, 2)}\n`);
      if (!report.firewall.readable) ctx.stderr(`portolan exposure: firewall not read: ${report.firewall.note}\n`);
    } else ctx.stdout(formatExposure(report, values.why));
    return 0;
  } finally {
    await app.close();
  }
}

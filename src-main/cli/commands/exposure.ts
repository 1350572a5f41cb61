/**
 * `portolan exposure [--json] [--why] [--no-router]`: who can reach each listening port here:
 * bind scope, host firewall (LAN and internet, with the deciding rule), router mapping, verdict.
 *
 * The attack surface over time: `portolan exposure baseline` saves what the network reaches now
 * (`--clear` forgets it); `portolan exposure --diff` prints the changes since, and exits 1 when
 * something is exposed that the baseline did not have (a new port, a verdict widened, another
 * program on an exposed port), 0 when nothing new is exposed: for cron and CI.
 */
import { parseArgs } from 'node:util';
import type { ExposureEntry, ExposureReport, SurfaceDiff } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
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

const MARK: Record<SurfaceDiff['changes'][number]['kind'], string> = { new: '+', widened: '!', process: '!', narrowed: '-', closed: '-' };

/** The changes since the baseline, one per line, marked: + new, ! widened or another program, - narrowed or closed. */
export function formatDiff(diff: SurfaceDiff): string {
  const when = new Date(diff.baselineAt).toISOString().replace('T', ' ').slice(0, 19);
  if (diff.changes.length === 0) return `Nothing changed since the baseline of ${when} UTC.\n`;
  const lines = [`Since the baseline of ${when} UTC:`, ...diff.changes.map((c) => `  ${MARK[c.kind]} ${c.text}`)];
  lines.push(diff.alert ? 'Something is exposed that the baseline did not have. "portolan exposure baseline" accepts it.' : 'Nothing new is exposed.');
  return `${lines.join('\n')}\n`;
}

/** Prints the exposure of every listening socket, or changes the firewall (close, undo) after showing the rules. */
export async function exposureCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      why: { type: 'boolean', default: false },
      'no-router': { type: 'boolean', default: false },
      udp: { type: 'boolean', default: false },
      'lan-only': { type: 'boolean', default: false },
      network: { type: 'string', multiple: true },
      yes: { type: 'boolean', default: false },
      diff: { type: 'boolean', default: false },
      clear: { type: 'boolean', default: false },
    },
  });
  const [sub, ...rest] = positionals;
  if (sub !== undefined && !['close', 'undo', 'rules', 'baseline'].includes(sub)) throw new UsageError(`Say close, undo, rules or baseline (or nothing, to see the exposure); got "${sub}".`);
  if (values.diff && sub !== undefined) throw new UsageError('--diff goes alone: portolan exposure --diff [--json] [--no-router].');
  let port = 0;
  if (sub === 'close') {
    port = Number(rest[0]);
    if (!rest[0] || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('Give the port to close, from 1 to 65535, for example: portolan exposure close 6379.');
  }
  const app = await ctx.openApp('direct');
  try {
    if (sub === 'rules') {
      const { rules } = await callOrFail(app, 'exposure.firewall.rules', {});
      if (values.json) ctx.stdout(`${JSON.stringify({ rules }, null, 2)}\n`);
      else if (rules === null) ctx.stdout('The firewall cannot be read without privileges: run "sudo portolan exposure rules".\n');
      else ctx.stdout(rules.length ? `Rules Portolan added (table inet portolan):\n${rules.map((r) => `  ${r}`).join('\n')}\n` : 'Portolan has added no firewall rule.\n');
      return 0;
    }
    if (sub === 'baseline') {
      if (values.clear) {
        const { removed } = await callOrFail(app, 'exposure.baseline.clear', {});
        ctx.stdout(removed ? 'The baseline is forgotten.\n' : 'No baseline was set.\n');
        return 0;
      }
      const set = await callOrFail(app, 'exposure.baseline.set', { router: !values['no-router'] });
      ctx.stdout(values.json ? `${JSON.stringify(set, null, 2)}\n` : `Baseline set: ${set.items} socket${set.items === 1 ? '' : 's'} reachable from the network. "portolan exposure --diff" shows what changes.\n`);
      return 0;
    }
    if (sub === 'undo') {
      if (!values.yes) {
        ctx.stderr('This deletes the table inet portolan: every firewall rule Portolan added, and nothing else. Run again with --yes to do it.\n');
        return 1;
      }
      const { removed } = await callOrFail(app, 'exposure.firewall.undo', { confirm: true });
      ctx.stdout(removed ? 'Removed every firewall rule Portolan had added (table inet portolan).\n' : 'Portolan had added no firewall rule: nothing to undo.\n');
      return 0;
    }
    if (sub === 'close') {
      const change = { kind: values['lan-only'] ? ('lan-only' as const) : ('close' as const), protocol: values.udp ? ('udp' as const) : ('tcp' as const), port, ...(values.network ? { networks: values.network } : {}) };
      const preview = await callOrFail(app, 'exposure.firewall.preview', change);
      ctx.stderr(`These rules go into the table inet portolan, chain input:\n${preview.rules.map((r) => `  ${r}`).join('\n')}\n`);
      if (preview.elevation === 'none') {
        ctx.stderr(`Portolan cannot change the firewall here: ${preview.note}.\n`);
        return 1;
      }
      if (!values.yes) {
        ctx.stderr(`Run again with --yes to add them${preview.elevation === 'pkexec' ? ' (the system asks for an administrator password)' : ''}; "portolan exposure undo --yes" removes them.\n`);
        return 1;
      }
      const { rules } = await callOrFail(app, 'exposure.firewall.apply', { ...change, confirm: true });
      ctx.stdout(values.json ? `${JSON.stringify({ rules }, null, 2)}\n` : `Added ${rules.length} rule${rules.length === 1 ? '' : 's'} to the table inet portolan. "portolan exposure undo --yes" removes them.\n`);
      return 0;
    }
    const report = await callOrFail(app, 'exposure.list', { router: !values['no-router'] });
    if (values.diff) {
      if (!report.baseline) {
        ctx.stderr('No baseline is set: "portolan exposure baseline" saves what the network reaches now, then --diff shows what changes.\n');
        return 2;
      }
      ctx.stdout(values.json ? `${JSON.stringify(report.baseline, null, 2)}\n` : formatDiff(report.baseline));
      return report.baseline.alert ? 1 : 0;
    }
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

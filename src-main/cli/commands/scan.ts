/**
 * `portolan scan <targets> -p <ports> [--udp] [--service] [--json] [--timing N] [--yes] [--rate N]
 * [--export xml|csv|json --out FILE]`: a port scan with live progress on a terminal and an
 * nmap-like table of results. Progress and the confirmation prompt go through the CLI context
 * (stderr, prompt), so stdout holds only the results, or only the export when it has no --out.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { PortolanApp } from '../../app/create-app.js';
import type { ScanInfo, ScanResults, ScanSpecInput } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { CliCallError, callOrFail } from './call.js';


const duration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : ms < 120000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`);

/** The results as nmap prints them: a PORT STATE SERVICE VERSION table per host. */
export function formatScan(scan: ScanResults): string {
  const { info } = scan;
  const out: string[] = [];
  const took = (info.finishedAt ?? Date.now()) - info.startedAt;
  for (const host of info.hosts) {
    const name = host.target !== host.address ? `${host.target} (${host.address})` : host.address;
    out.push(`Portolan scan report for ${name}`);
    if (host.addresses.length > 1) out.push(`Other addresses for ${host.target} (not scanned): ${host.addresses.filter((a) => a !== host.address).join(' ')}`);
    const rows = scan.results.filter((r) => r.host === host.address);
    const counts = scan.counts.find((c) => c.host === host.address)?.counts;
    if (rows.length > 0) {
      const lines = rows.map((r) => {
        const s = r.service;
        const service = s?.tls && !s.name.startsWith('ssl') && s.name !== 'https' ? `ssl/${s.name}` : (s?.name ?? r.expectedService ?? 'unknown');
        const version = [s?.product, s?.version, s?.extra ? `(${s.extra})` : undefined, s?.tls ? `[TLS ${s.tls.subject}${s.tls.selfSigned ? ', self-signed' : ''}, expires ${s.tls.validTo.slice(0, 10)}${s.tls.alpn ? `, ALPN ${s.tls.alpn}` : ''}]` : undefined]
          .filter(Boolean)
          .join(' ');
        const flag = r.mismatch ? `  ! expected ${r.expectedService}` : '';
        const detail = r.state === 'error' || r.reason === 'icmp-unreachable' ? ` (${r.detail ?? r.reason})` : '';
        return [`${r.port}/${r.protocol}`, r.state, service, `${version}${flag}${detail}`];
      });
      const widths = [0, 1, 2].map((i) => Math.max(['PORT', 'STATE', 'SERVICE'][i]!.length, ...lines.map((l) => l[i]!.length)));
      const row = (cells: string[]) => `${cells[0]!.padEnd(widths[0]! + 1)} ${cells[1]!.padEnd(widths[1]! + 1)} ${cells[2]!.padEnd(widths[2]! + 1)} ${cells[3]}`.trimEnd();
      out.push(row(['PORT', 'STATE', 'SERVICE', 'VERSION']));
      for (const l of lines) out.push(row(l));
    }
    if (counts?.closed) out.push(`${rows.length > 0 ? 'Not shown' : 'All ports'}: ${counts.closed} closed ${info.spec.protocol} port${counts.closed === 1 ? '' : 's'}`);
    if (rows.length === 0 && !counts?.closed) out.push('No port answered.');
    out.push('');
  }
  const state = info.state === 'done' ? '' : ` (${info.state}${info.message ? `: ${info.message}` : ''})`;
  out.push(`Portolan done: ${info.hosts.length} host${info.hosts.length === 1 ? '' : 's'}, ${info.done} of ${info.total} ports scanned in ${duration(took)}${state}. Saved as ${info.id}.`);
  if (info.state === 'done' && info.message) out.push(`Note: ${info.message}`);
  return `${out.join('\n')}\n`;
}

/**
 * Starts the scan. A public target asks the user through the CLI context's prompt, and is refused
 * where nobody can answer (no terminal); 'interrupted' when Ctrl+C comes while asking.
 */
async function start(app: PortolanApp, ctx: CliContext, spec: ScanSpecInput): Promise<ScanInfo | 'declined' | 'interrupted'> {
  try {
    return await callOrFail(app, 'scan.start', spec);
  } catch (err) {
    if (!(err instanceof CliCallError) || err.code !== 'CONFIRM_REQUIRED') throw err;
    if (ctx.prompt) {
      const answer = await Promise.race([ctx.prompt(`${err.message}\nScan anyway? [y/N] `), ctx.interrupted.then(() => undefined)]);
      if (answer === undefined) return 'interrupted';
      if (/^y(es)?$/i.test(answer.trim())) return callOrFail(app, 'scan.start', { ...spec, confirmPublic: true });
    }
    ctx.stderr(`portolan scan: ${err.message}\n`);
    return 'declined';
  }
}

/** The live progress line and "Discovered open port" lines, on a terminal's stderr; returns a stop function. */
function showProgress(app: PortolanApp, ctx: CliContext, id: string): () => void {
  const offProgress = app.bus.on('scan.progress', (p) => {
    if (p.id !== id) return;
    const eta = p.etaMs > 0 ? `, about ${duration(p.etaMs)} left` : '';
    ctx.stderr(`\r\x1b[2K${p.done}/${p.total} ports (${Math.round((p.done / Math.max(1, p.total)) * 100)}%), ${p.open} open, ${Math.round(p.rate)}/s${eta}`);
  });
  const offFound = app.bus.on('scan.found', (f) => {
    if (f.id !== id) return;
    for (const r of f.results) if (r.state === 'open' && !r.service) ctx.stderr(`\r\x1b[2KDiscovered open port ${r.port}/${r.protocol} on ${r.host}\n`);
  });
  return () => {
    offProgress();
    offFound();
    ctx.stderr('\r\x1b[2K');
  };
}

/**
 * Runs a scan and prints its results. With `--export FORMAT` and no `--out`, stdout holds the
 * export alone (as nmap's `-oX -`), and the report goes to stderr.
 */
export async function scanCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      ports: { type: 'string', short: 'p', default: 'top:1000' },
      udp: { type: 'boolean', short: 'u', default: false },
      service: { type: 'boolean', short: 's', default: false },
      json: { type: 'boolean', default: false },
      timing: { type: 'string', short: 'T', default: '4' },
      rate: { type: 'string' },
      yes: { type: 'boolean', short: 'y', default: false },
      export: { type: 'string' },
      out: { type: 'string', short: 'o' },
    },
  });
  if (positionals.length === 0) throw new UsageError('give the targets to scan, e.g. 127.0.0.1 or 192.168.1.0/24.');
  const timing = Number(values.timing);
  if (!Number.isInteger(timing) || timing < 0 || timing > 5) throw new UsageError('--timing takes 0 (paranoid) to 5 (insane).');
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && (!Number.isInteger(rate) || rate < 1)) throw new UsageError('--rate takes probes per second, 1 or more.');
  const format = values.export === undefined ? undefined : ({ xml: 'nmap-xml', 'nmap-xml': 'nmap-xml', csv: 'csv', json: 'json' } as const)[values.export as 'xml'];
  if (values.export !== undefined && !format) throw new UsageError('--export takes xml, csv or json.');
  if (values.out && !format) throw new UsageError('--out needs --export xml|csv|json.');
  if (values.json && format && !values.out) throw new UsageError('--json and --export both print to stdout: add --out FILE to write the export to a file.');

  // A scan allocates a small object or two per probe, nearly all short-lived. V8 would grow the
  // young generation up to 32 MB for that (16 MB semi-spaces); at its first size (1 MB
  // semi-spaces) the scavenges are more but as cheap, and a full scan peaks 5-10 MB lower (62
  // against 67-72 MiB, measured on one thread). The flag is read at each growth, so setting it
  // now holds the size from here on.
  setFlagsFromString('--semi-space-growth-factor=1');
  const app = await ctx.openApp('direct');
  try {
    const spec: ScanSpecInput = {
      targets: positionals.join(','),
      ports: values.ports,
      protocol: values.udp ? 'udp' : 'tcp',
      serviceDetection: values.service,
      timing,
      confirmPublic: values.yes,
      ...(rate ? { rateLimit: rate } : {}),
    };
    const info = await start(app, ctx, spec);
    if (info === 'interrupted') return 130;
    if (info === 'declined') return 1;
    const stopProgress = !values.json && ctx.stderrIsTTY ? showProgress(app, ctx, info.id) : () => undefined;
    let ended = false;
    // Ctrl+C cancels: what was found so far is printed and saved, and the exit status is 130.
    void ctx.interrupted.then(() => {
      if (!ended) void app.invoke('scan.cancel', { id: info.id });
    });
    let final: ScanInfo;
    try {
      // scan.start's handle: scan.wait answers once the scan ended and was saved (no event to miss).
      final = await callOrFail(app, 'scan.wait', { id: info.id });
    } finally {
      ended = true;
      stopProgress();
    }
    const results = await callOrFail(app, 'scan.results', { id: info.id });
    const report = values.json ? `${JSON.stringify(results, null, 2)}\n` : formatScan(results);
    if (format) {
      const file = await callOrFail(app, 'scan.export', { id: info.id, format });
      if (values.out) {
        ctx.stdout(report);
        await writeFile(values.out, file.content);
        ctx.stderr(`Exported to ${values.out}\n`);
      } else {
        ctx.stderr(report);
        ctx.stdout(file.content);
      }
    } else ctx.stdout(report);
    if (final.state === 'failed') {
      ctx.stderr(`portolan scan: ${final.message ?? 'the scan failed'}\n`);
      return 1;
    }
    return final.state === 'cancelled' ? 130 : 0;
  } finally {
    await app.close();
  }
}

/**
 * `portolan scan` end to end in-process, against 127.0.0.1 only: the nmap-like table, progress and
 * the confirmation prompt through the CLI context, `--export xml` with the XML alone on stdout, and
 * exit 130 on Ctrl+C. The prompt tests use a non-private address (192.0.2.10, TEST-NET-1) that is
 * never scanned: the engine refuses it before any probe, and where the CLI would go on (an answer
 * of yes, or --yes) a seam in front of the app stops the confirmed scan.start before it runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type PortolanApp } from '../../../src-main/app/create-app.js';
import { scanCommand } from '../../../src-main/cli/commands/scan.js';
import type { CliContext } from '../../../src-main/cli/context.js';
import { ASSETS_DIR } from '../../helpers/app.js';
import { closedPort } from './helpers.js';

const PUBLIC = '192.0.2.10';
const never = new Promise<void>(() => undefined);
let dataDir: string;
let server: net.Server;
let open: number;
let closed: number;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'portolan-scan-cli-'));
  // The scanner resets its connections: the server ignores that.
  server = net.createServer((s) => s.on('error', () => undefined).end());
  open = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  closed = await closedPort();
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
  /** Questions the prompt was asked. */
  asked: string[];
  /** scan.start inputs that asked to scan a public address; the seam stopped each. */
  confirmed: unknown[];
}

/**
 * Runs `portolan scan ARGS` with its own context. `answer` is what the user types at the prompt
 * (no prompt at all when undefined: not a terminal; null: the user never answers).
 */
async function scan(args: string[], o: { answer?: string | null; tty?: boolean; interrupted?: Promise<void> } = {}): Promise<Run> {
  const run: Run = { code: -1, out: '', err: '', asked: [], confirmed: [] };
  // The seam: a scan.start confirmed for a public address never reaches the scanner.
  const guard = (app: PortolanApp): PortolanApp => ({
    ...app,
    invoke: async (name, input) => {
      if (name === 'scan.start' && (input as { confirmPublic?: boolean }).confirmPublic && !(input as { targets: string }).targets.startsWith('127.')) {
        run.confirmed.push(input);
        return { ok: false as const, error: { code: 'INTERNAL' as const, message: 'stopped by the test before scanning a public address' } };
      }
      return app.invoke(name, input);
    },
  });
  const ctx: CliContext = {
    args,
    stdout: (t) => (run.out += t),
    stderr: (t) => (run.err += t),
    assetsDir: ASSETS_DIR,
    staticDir: '/nonexistent',
    dataDir,
    openApp: async (transport) => guard(await createApp({ assetsDir: ASSETS_DIR, dataDir, transport, heartbeatMs: 0 })),
    interrupted: o.interrupted ?? never,
    stderrIsTTY: o.tty ?? false,
    ...(o.answer !== undefined ? { prompt: (q: string) => (run.asked.push(q), typeof o.answer === 'string' ? Promise.resolve(o.answer) : new Promise<string>(() => undefined)) } : {}),
  };
  try {
    run.code = await scanCommand(ctx);
  } catch (err) {
    run.err += `thrown ${(err as { code?: string }).code}: ${(err as Error).message}\n`;
  }
  return run;
}

describe('portolan scan', () => {
  it('prints the nmap-like table on stdout, nothing else on a pipe', async () => {
    const r = await scan(['127.0.0.1', '-p', `${open},${closed}`, '-T5']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('Portolan scan report for 127.0.0.1');
    expect(lines[1]).toMatch(/^PORT\s+STATE\s+SERVICE\s+VERSION$/);
    expect(lines[2]).toMatch(new RegExp(`^${open}/tcp\\s+open\\s+\\S+`));
    expect(r.out).toContain('Not shown: 1 closed tcp port');
    expect(r.out).toMatch(/Portolan done: 1 host, 2 of 2 ports scanned in .*\. Saved as \d{8}T\d{6}-\w+\./);
  });

  it('draws progress through the context on a terminal, never on stdout', async () => {
    const r = await scan(['127.0.0.1', '-p', `${open}`, '-T5'], { tty: true });
    expect(r.code).toBe(0);
    expect(r.err).toContain(`Discovered open port ${open}/tcp on 127.0.0.1`);
    expect(r.err).toContain('\r\x1b[2K');
    expect(r.out).not.toContain('\x1b');
    expect(r.out).toContain(`${open}/tcp`);
  });

  it('asks before a non-private address; no is no, and nothing is scanned', async () => {
    const r = await scan([PUBLIC, '-p', '80'], { answer: 'n' });
    expect(r.asked).toHaveLength(1);
    expect(r.asked[0]).toMatch(new RegExp(`^${PUBLIC.replace(/\./g, '\\.')} is outside private, loopback and link-local addresses\\..*\\nScan anyway\\? \\[y/N\\] $`, 's'));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^portolan scan: 192\.0\.2\.10 is outside private.*--yes\)\.\n$/);
    expect(r.confirmed).toEqual([]);
  });

  it('refuses a non-private address where nobody can answer, and goes on after a yes', async () => {
    const piped = await scan([PUBLIC, '-p', '80']);
    expect(piped).toMatchObject({ code: 1, asked: [], confirmed: [] });
    expect(piped.err).toMatch(/outside private.*CLI: --yes/);
    const yes = await scan([PUBLIC, '-p', '80'], { answer: 'yes' });
    expect(yes.asked).toHaveLength(1);
    expect(yes.confirmed).toEqual([expect.objectContaining({ targets: PUBLIC, confirmPublic: true })]);
  });

  it('--yes skips the question', async () => {
    const r = await scan([PUBLIC, '-p', '80', '--yes'], { answer: 'n' });
    expect(r.asked).toEqual([]);
    expect(r.confirmed).toEqual([expect.objectContaining({ targets: PUBLIC, confirmPublic: true })]);
  });

  it('--export xml puts the XML alone on stdout (nmap -oX -) and the report on stderr', async () => {
    const r = await scan(['127.0.0.1', '-p', `${open},${closed}`, '-T5', '--export', 'xml']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('<?xml')).toBe(true);
    expect(r.out.trimEnd().endsWith('</nmaprun>')).toBe(true);
    expect(r.out).toContain(`portid="${open}"`);
    expect(r.out).not.toContain('Portolan scan report');
    expect(r.err).toContain('Portolan scan report for 127.0.0.1');
  });

  it('--export with --out writes the file and keeps the table on stdout; --json with a stdout export is refused', async () => {
    const file = path.join(dataDir, 'scan.csv');
    const r = await scan(['127.0.0.1', '-p', `${open}`, '-T5', '--export', 'csv', '--out', file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Portolan scan report for 127.0.0.1');
    expect(r.err).toBe(`Exported to ${file}\n`);
    expect(await readFile(file, 'utf8')).toContain(`,${open},`);
    const both = await scan(['127.0.0.1', '-p', `${open}`, '--json', '--export', 'xml']);
    expect(both.err).toMatch(/--json and --export both print to stdout: add --out FILE/);
  });

  it('exits 130 on Ctrl+C, with what was found so far', async () => {
    const r = await scan(['127.0.0.1', '-p', '1-65535', '-T3'], { interrupted: Promise.resolve() });
    expect(r.code).toBe(130);
    expect(r.out).toMatch(/Portolan done: 1 host, \d+ of 65535 ports scanned in .* \(cancelled\)\./);
    // Ctrl+C at the question ends the command too.
    const asked = await scan([PUBLIC, '-p', '80'], { answer: null, interrupted: Promise.resolve() });
    expect(asked.code).toBe(130);
    expect(asked.asked).toHaveLength(1);
    expect(asked.confirmed).toEqual([]);
  });
});

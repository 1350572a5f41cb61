/**
 * knockd.conf, read and written: sections ([name]) of `key = value` lines, `#` comments, keys in
 * any case. Each section with a sequence becomes a knock profile (client side) and a guard spec
 * (server side); what Portolan cannot take over (commands, one-time sequence files, flags other
 * than SYN, unknown options) is reported as notes, never silently dropped.
 */
import type { KnockdImport, KnockProfile, KnockStep, ParsedGuardSpec } from '../../contract/index.js';
import { MAX_KNOCK_STEPS } from '../../contract/knock-notes.js';

/** One section as written in the file. */
export interface KnockdSection {
  name: string;
  /** Keys lower-cased; the last value of a repeated key wins (as in knockd). */
  values: Record<string, string>;
  /** 1-based line of the section header. */
  line: number;
}

/** Splits a knockd.conf into sections; lines before the first header are ignored. */
export function parseKnockdSections(text: string): KnockdSection[] {
  const sections: KnockdSection[] = [];
  let current: KnockdSection | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (!line || line.startsWith('#')) return;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      current = { name: header[1]!.trim(), values: {}, line: i + 1 };
      sections.push(current);
      return;
    }
    if (!current) return;
    const eq = line.indexOf('=');
    const key = (eq >= 0 ? line.slice(0, eq) : line).trim().toLowerCase();
    current.values[key] = eq >= 0 ? line.slice(eq + 1).trim() : '';
  });
  return sections;
}

/** Parses a knockd sequence ("7000,8000:udp,9000"); throws with a sentence on a bad step. */
export function parseKnockdSequence(text: string): KnockStep[] {
  const steps = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(\d{1,5})(?::(tcp|udp))?$/i.exec(item);
      const port = m ? Number(m[1]) : NaN;
      if (!m || port < 1 || port > 65535) throw new Error(`"${item}" is not a knock step: write a port from 1 to 65535, optionally followed by :tcp or :udp.`);
      return { port, protocol: (m[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' };
    });
  if (steps.length === 0) throw new Error('The sequence is empty.');
  if (steps.length > MAX_KNOCK_STEPS) throw new Error(`The sequence has ${steps.length} steps; Portolan takes at most ${MAX_KNOCK_STEPS}.`);
  return steps;
}

/** Writes a sequence the way knockd reads it (protocol always given). */
export function formatKnockdSequence(steps: readonly KnockStep[]): string {
  return steps.map((s) => `${s.port}:${s.protocol}`).join(',');
}

const KNOWN = new Set(['sequence', 'one_time_sequences', 'seq_timeout', 'tcpflags', 'start_command', 'stop_command', 'command', 'cmd_timeout', 'target', 'interface']);

/**
 * Imports the sections of a knockd.conf. `files` may hold the text of one-time sequence files by
 * path (the file names the config mentions), so their first sequence can be imported.
 */
export function importKnockd(text: string, files: Record<string, string> = {}): KnockdImport {
  const result: KnockdImport = { profiles: [], guards: [], notes: [] };
  for (const section of parseKnockdSections(text)) {
    const v = section.values;
    const note = (n: string) => result.notes.push({ section: section.name, note: n });
    if (section.name.toLowerCase() === 'options') continue;
    let sequenceText = v.sequence;
    const oneTime = v.one_time_sequences;
    if (oneTime !== undefined) {
      const content = files[oneTime];
      const first = content
        ?.split(/\r?\n/)
        .map((l) => l.trim())
        .find((l) => l && !l.startsWith('#'));
      if (sequenceText === undefined && first) {
        sequenceText = first;
        note(
          `one_time_sequences = ${oneTime}: knockd uses each line once and then moves on; Portolan cannot follow that, so it imported only the first sequence (${first}) as a fixed sequence.`,
        );
      } else if (sequenceText === undefined) {
        note(
          `one_time_sequences = ${oneTime}: the sequences are in that file, which was not given. Add the file (or type its first sequence in) to import this section; Portolan keeps a fixed sequence and cannot consume one-time sequences.`,
        );
      } else {
        note(`one_time_sequences = ${oneTime} is ignored: the section also has a sequence, which was imported.`);
      }
    }
    if (sequenceText === undefined) {
      if (oneTime === undefined) note('No sequence in this section: nothing imported.');
      continue;
    }
    let steps: KnockStep[];
    try {
      steps = parseKnockdSequence(sequenceText);
    } catch (err) {
      note(`sequence not imported: ${(err as Error).message}`);
      continue;
    }
    const seqTimeout = v.seq_timeout !== undefined ? Number(v.seq_timeout) : undefined;
    let seqTimeoutMs: number | undefined;
    if (seqTimeout !== undefined) {
      if (Number.isFinite(seqTimeout) && seqTimeout > 0) seqTimeoutMs = Math.round(seqTimeout * 1000);
      else note(`seq_timeout = ${v.seq_timeout} is not a number of seconds: ignored.`);
    }
    const flags = v.tcpflags?.toLowerCase().replace(/\s+/g, '');
    if (flags !== undefined && flags !== 'syn' && steps.some((s) => s.protocol === 'tcp')) {
      note(
        `tcpflags = ${v.tcpflags}: Portolan's client sends a plain SYN for TCP steps (what tcpflags = syn matches), and its guard sees completed connections, not flags. A server that wants other flags will not accept these knocks.`,
      );
    }
    for (const key of ['start_command', 'command', 'stop_command'] as const) {
      if (v[key] !== undefined) note(`${key} = ${v[key]}: shown here, not imported (knockd runs it through a shell; a Portolan guard's command is an argument list, off by default).`);
    }
    for (const key of Object.keys(v)) if (!KNOWN.has(key)) note(`${key} is not used by Portolan: ignored.`);
    const cmdTimeout = v.cmd_timeout !== undefined ? Number(v.cmd_timeout) : undefined;
    const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));
    const profile: KnockdImport['profiles'][number] = { name: section.name || 'knockd', host: '', steps, delayMs: 100 };
    if (seqTimeoutMs !== undefined) profile.seqTimeoutMs = clamp(seqTimeoutMs, 1, 3600_000);
    result.profiles.push(profile);
    const guard: KnockdImport['guards'][number] = {
      name: section.name || 'knockd',
      sequence: steps,
      windowMs: clamp(seqTimeoutMs ?? 25_000, 100, 600_000),
      openForMs: clamp(cmdTimeout !== undefined && Number.isFinite(cmdTimeout) && cmdTimeout > 0 ? cmdTimeout * 1000 : 30_000, 1000, 24 * 3600_000),
    };
    result.guards.push(guard);
  }
  return result;
}

/** A section name knockd reads back: no brackets or line breaks, unique within the file. */
function sectionName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]\r\n#]/g, ' ').replace(/\s+/g, ' ').trim() || 'portolan';
  let candidate = base;
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base} ${i}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

/** What can be exported: a profile or a guard spec. */
export type ExportItem = { kind: 'profile'; profile: KnockProfile } | { kind: 'guard'; guard: ParsedGuardSpec & { id: string } };

/** Writes knockd.conf sections for profiles and guards (commands become comments: knockd would run them through a shell). */
export function exportKnockd(items: readonly ExportItem[]): string {
  const taken = new Set<string>(['options']);
  const out: string[] = ['# Exported by Portolan. knockd needs a start_command in each section: add the one your server should run.', ''];
  for (const item of items) {
    const name = sectionName(item.kind === 'profile' ? item.profile.name : item.guard.name, taken);
    const steps = item.kind === 'profile' ? item.profile.steps : item.guard.sequence;
    const seqMs = item.kind === 'profile' ? item.profile.seqTimeoutMs : item.guard.windowMs;
    out.push(`[${name}]`);
    out.push(`  sequence      = ${formatKnockdSequence(steps)}`);
    if (seqMs !== undefined) out.push(`  seq_timeout   = ${Math.max(1, Math.ceil(seqMs / 1000))}`);
    if (steps.some((s) => s.protocol === 'tcp')) out.push('  tcpflags      = syn');
    if (item.kind === 'guard') {
      out.push(`  # Portolan opened the protected listener for ${Math.round(item.guard.openForMs / 1000)} s per knock (knockd: cmd_timeout with a stop_command).`);
      const cmd = item.guard.command;
      if (cmd) out.push(`  # Portolan command${cmd.enabled ? '' : ' (disabled)'}: ${[cmd.path, ...cmd.args].join(' ')} ({source} is knockd's %IP%)`);
    }
    out.push('');
  }
  return out.join('\n');
}

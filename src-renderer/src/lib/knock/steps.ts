/**
 * Knock sequences as the forms edit them: rows with the port as typed, keyed so that Svelte keeps
 * each row's input while rows are added, removed and moved; checks with the engine's sentences;
 * and the compact `7000,8000:udp,9000` text of knockd's `knock` client for lists and exports.
 */
import type { KnockProtocol, KnockStep } from '../../../../src-main/contract/knock.js';
import { MAX_KNOCK_STEPS } from '../../../../src-main/contract/knock-notes.js';

/** One step as the form holds it. */
export interface StepRow {
  /** Stable key for the keyed each block (never sent). */
  key: number;
  port: string;
  protocol: KnockProtocol;
}

let nextKey = 1;

/** A fresh row (a new key each time). */
export function stepRow(port = '', protocol: KnockProtocol = 'tcp'): StepRow {
  return { key: nextKey++, port, protocol };
}

/** Rows for steps that came from the engine (a profile, an import). */
export function rowsOf(steps: readonly KnockStep[]): StepRow[] {
  return steps.map((s) => stepRow(String(s.port), s.protocol));
}

/** Appends an empty step (up to the contract's limit). */
export function addStep(rows: readonly StepRow[]): StepRow[] {
  return rows.length >= MAX_KNOCK_STEPS ? [...rows] : [...rows, stepRow()];
}

/** Removes a step; the last one stays (a sequence has at least one step). */
export function removeStep(rows: readonly StepRow[], index: number): StepRow[] {
  if (rows.length <= 1) return [...rows];
  return rows.filter((_, i) => i !== index);
}

/** Moves a step one place up (-1) or down (+1); out of range is no change. */
export function moveStep(rows: readonly StepRow[], index: number, by: -1 | 1): StepRow[] {
  const to = index + by;
  if (index < 0 || index >= rows.length || to < 0 || to >= rows.length) return [...rows];
  const next = [...rows];
  [next[index], next[to]] = [next[to]!, next[index]!];
  return next;
}

/** Changes one field of one step. */
export function editStep(rows: readonly StepRow[], index: number, patch: Partial<Omit<StepRow, 'key'>>): StepRow[] {
  return rows.map((r, i) => (i === index ? { ...r, ...patch } : r));
}

export const KNOCK_PORT = 'Knock ports go from 1 to 65535.';

/** A port from 1 to 65535 as typed, or null. */
export function portOf(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= 65535 ? n : null;
}

/** The steps, or the sentence saying what is wrong with the first bad one. */
export function checkSteps(rows: readonly StepRow[]): { steps: KnockStep[] | null; error?: string; bad: number[] } {
  if (rows.length === 0) return { steps: null, error: 'A knock sequence needs at least one step.', bad: [] };
  if (rows.length > MAX_KNOCK_STEPS) return { steps: null, error: `A knock sequence has at most ${MAX_KNOCK_STEPS} steps.`, bad: [] };
  const bad = rows.flatMap((r, i) => (portOf(r.port) === null ? [i] : []));
  if (bad.length) return { steps: null, error: `Step ${bad[0]! + 1}: ${KNOCK_PORT}`, bad };
  return { steps: rows.map((r) => ({ port: portOf(r.port)!, protocol: r.protocol })), bad };
}

/** `7000,8000:udp,9000`: the sequence as knockd's `knock` client writes it (TCP is the default). */
export function formatSequence(steps: readonly { port: number; protocol: KnockProtocol }[]): string {
  return steps.map((s) => (s.protocol === 'udp' ? `${s.port}:udp` : String(s.port))).join(',');
}

/**
 * Reads `7000,8000:udp 9000/tcp` (commas or spaces; `:proto` or `/proto`), as pasted from a
 * knockd.conf `sequence` line or a `knock` command; null with a sentence when it is not one.
 */
export function parseSequence(text: string): { steps: KnockStep[] } | { error: string } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'A knock sequence needs at least one step.' };
  if (parts.length > MAX_KNOCK_STEPS) return { error: `A knock sequence has at most ${MAX_KNOCK_STEPS} steps.` };
  const steps: KnockStep[] = [];
  for (const part of parts) {
    const m = /^(\d{1,5})(?:[:/](tcp|udp))?$/i.exec(part);
    const port = m ? portOf(m[1]!) : null;
    if (!m || port === null) return { error: `"${part}" is not a knock step: write a port from 1 to 65535, with :udp for UDP (7000,8000:udp,9000).` };
    steps.push({ port, protocol: (m[2]?.toLowerCase() as KnockProtocol | undefined) ?? 'tcp' });
  }
  return { steps };
}

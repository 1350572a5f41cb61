/**
 * The Exposure view's filters (remembered in the settings as one JSON string) and the words it
 * shows for each verdict.
 */
import type { ExposureEntry, Reach } from '../../../../src-main/contract/exposure.js';

/** What the table shows. */
export interface ExposureFilter {
  /** Words to find in the address, port, process or reasons. */
  text: string;
  /** Verdicts to show; empty shows every one. */
  reach: Reach[];
  proto: 'all' | 'tcp' | 'udp';
  /** Hide sockets bound to loopback (nobody else can reach them). */
  hideLoopback: boolean;
}

export const DEFAULT_FILTER: ExposureFilter = { text: '', reach: [], proto: 'all', hideLoopback: false };

/** Settings key of the remembered filter. */
export const REMEMBER_KEY = 'exposure';

export const REACH_ORDER: Reach[] = ['internet', 'lan', 'unknown', 'machine'];

/** How each verdict reads. */
export const REACH_LABEL: Record<Reach, string> = {
  machine: 'Only this machine',
  lan: 'This network',
  internet: 'The internet',
  unknown: 'Unknown',
};

/** The filter as remembered. */
export function encodeFilter(f: ExposureFilter): string {
  return JSON.stringify(f);
}

/** A remembered filter; anything damaged falls back to the default part by part. */
export function decodeFilter(text: string): ExposureFilter {
  let raw: Partial<Record<keyof ExposureFilter, unknown>> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') raw = parsed as typeof raw;
  } catch {
    return { ...DEFAULT_FILTER };
  }
  return {
    text: typeof raw.text === 'string' ? raw.text.slice(0, 200) : '',
    reach: Array.isArray(raw.reach) ? REACH_ORDER.filter((r) => (raw.reach as unknown[]).includes(r)) : [],
    proto: raw.proto === 'tcp' || raw.proto === 'udp' ? raw.proto : 'all',
    hideLoopback: raw.hideLoopback === true,
  };
}

/** The entries the filter lets through, most exposed first (then by port). */
export function filterEntries(entries: ExposureEntry[], f: ExposureFilter): ExposureEntry[] {
  const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return entries
    .filter((e) => (f.reach.length === 0 || f.reach.includes(e.reachableFrom)) && (f.proto === 'all' || e.protocol === f.proto) && !(f.hideLoopback && e.bind === 'loopback'))
    .filter((e) => {
      if (words.length === 0) return true;
      const hay = `${e.protocol} ${e.address}:${e.port} ${e.port} ${e.process ?? ''} ${e.pid ?? ''} ${e.reasons.join(' ')}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    })
    .sort((a, b) => REACH_ORDER.indexOf(a.reachableFrom) - REACH_ORDER.indexOf(b.reachableFrom) || a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/** The verdict sentence (the last reason, without its "Verdict:" label). */
export function verdictText(e: ExposureEntry): string {
  const last = e.reasons.at(-1) ?? '';
  return last.startsWith('Verdict: ') ? last.slice(9).replace(/\.$/, '') : REACH_LABEL[e.reachableFrom];
}

/** A reason split into its link label ("Firewall, from this network (eth0)") and its sentence. */
export function splitReason(reason: string): { link: string; text: string } {
  const i = reason.indexOf(': ');
  return i < 0 ? { link: '', text: reason } : { link: reason.slice(0, i), text: reason.slice(i + 2) };
}

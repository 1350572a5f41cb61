/** Numbers and times of the Scanner view, as people read them. */
import type { PortResult, ServiceInfo } from '../../../../src-main/contract/scan.js';

const int = new Intl.NumberFormat('en-US');

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return int.format(n);
}

/** Ports per second: "1,234/s", "3.5/s", "—" before the first second. */
export function formatRate(rate: number): string {
  if (!(rate > 0)) return '—';
  return rate >= 100 ? `${int.format(Math.round(rate))}/s` : `${rate.toFixed(1)}/s`;
}

/** A duration in ms: "0.4 s", "12 s", "3 min 05 s", "2 h 04 min". */
export function formatDuration(ms: number): string {
  if (!(ms >= 0) || !Number.isFinite(ms)) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Time left: "—" while unknown (no rate yet), else a duration. */
export function formatEta(etaMs: number, rate: number): string {
  return rate > 0 && etaMs > 0 ? formatDuration(etaMs) : '—';
}

/** Whole percent done, 0 to 100 (100 only when everything is done). */
export function percentDone(done: number, total: number): number {
  if (total <= 0) return 0;
  const p = Math.floor((done / total) * 100);
  return done >= total ? 100 : Math.min(99, p);
}

/** A local date and time: "2024-05-01 14:03", with seconds "2024-05-01 14:03:09" (to tell apart scans of one minute). */
export function formatWhen(ms: number, seconds = false): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** Product and version: "OpenSSH 9.2p1", or the extra line when nothing else is known. */
export function serviceVersion(service: ServiceInfo | undefined): string {
  if (!service) return '';
  const main = [service.product, service.version].filter(Boolean).join(' ');
  return main || service.extra || '';
}

/** One line about a TLS certificate, for the service column's tooltip. */
export function tlsLine(service: ServiceInfo | undefined): string {
  const tls = service?.tls;
  if (!tls) return '';
  const parts = [`TLS ${tls.protocol ?? ''}`.trim(), tls.alpn ? `ALPN ${tls.alpn}` : '', `subject ${tls.subject}`, tls.selfSigned ? 'self-signed' : `issuer ${tls.issuer}`, `expires ${tls.validTo.slice(0, 10)}`];
  return parts.filter(Boolean).join(' · ');
}

/** The round-trip time of a result: "0.3 ms", "" when unknown. */
export function formatRtt(result: PortResult): string {
  if (result.rttMs === undefined) return '';
  return result.rttMs < 10 ? `${result.rttMs.toFixed(1)} ms` : `${Math.round(result.rttMs)} ms`;
}

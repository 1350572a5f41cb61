/** Plain-text rendering of contract values for a terminal. */
import type { BindCheckResult, LearnCard, LookupResult, PortCard } from '../contract/index.js';

const pad = (text: string | number, width: number) => String(text).padEnd(width);

/** A look-up result as a table, with the paging line. */
export function formatLookup(result: LookupResult): string {
  if (result.total === 0) return `No port matches "${result.query}". Try a number (443), a range (0-1023) or a service name (ssh).\n`;
  const lines = result.items.map((item) => {
    const names = item.names.join(', ') || '-';
    const risk = item.risky ? '  [!]' : '';
    return `${pad(item.port, 6)} ${pad(item.protocols.join('/') || '-', 17)} ${pad(names.slice(0, 28), 28)} ${item.description}${risk}`;
  });
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const footer = `${result.total} result${result.total === 1 ? '' : 's'} (${result.kind}), page ${result.page + 1} of ${pages}${pages > 1 ? ' (--page N for more)' : ''}`;
  return `${pad('PORT', 6)} ${pad('PROTOCOLS', 17)} ${pad('NAMES', 28)} DESCRIPTION\n${lines.join('\n')}\n${footer}\n`;
}

/** One port's card, as a terminal page. */
export function formatCard(card: PortCard, check?: BindCheckResult): string {
  const out: string[] = [`Port ${card.port}`, `  ${card.categoryExplained}`];
  if (card.assignments.length === 0) out.push('  IANA: no assignment.');
  for (const a of card.assignments) out.push(`  ${pad(a.protocol.toUpperCase(), 5)} ${pad(a.name || '(reserved)', 20)} ${a.description}`);
  out.push(`  ${card.protocolNote}`);
  out.push(
    card.ephemeral.inRange
      ? `  In this machine's ephemeral range ${card.ephemeral.low}-${card.ephemeral.high} (${card.ephemeral.source}): the OS may pick it for outgoing connections.`
      : `  Outside this machine's ephemeral range ${card.ephemeral.low}-${card.ephemeral.high}.`,
  );
  if (card.privileged) out.push('  Privileged: listening on it needs root or CAP_NET_BIND_SERVICE on Linux and macOS.');
  for (const u of card.unofficial) out.push(`  Also used by ${u.service} (${u.protocols.join('/')}): ${u.description} [source: ${u.source}]`);
  for (const s of card.security) out.push(`  ${s.severity.toUpperCase()}: ${s.text} [source: ${s.source}]`);
  if (check) out.push(`  Listen check: ${check.message}`);
  return `${out.join('\n')}\n`;
}

/** A Learn card as paragraphs. */
export function formatLearnCard(card: LearnCard): string {
  return `${card.title}\n${card.summary}\n\n${card.body.join('\n\n')}\n${card.tryIt ? `\nTry it: ${card.tryIt}\n` : ''}\nRelated: ${card.related.join(', ')}\n`;
}

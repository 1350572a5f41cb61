/** `portolan port <query> [--json] [--page N] [--check] [--udp]`: dictionary look-ups. */
import { parseArgs } from 'node:util';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { formatCard, formatLookup } from '../format.js';
import { callOrFail } from './call.js';

/** Looks ports up; a single number prints its card (and, with --check, whether it can be bound). */
export async function portCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      page: { type: 'string', default: '1' },
      check: { type: 'boolean', default: false },
      udp: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const query = positionals.join(' ').trim();
  if (!query) throw new UsageError('Say what to look up: a port number, a range such as 0-1023, or a service name.');
  const page = Number(values.page) - 1;
  if (!Number.isInteger(page) || page < 0) throw new UsageError('--page takes a page number starting at 1.');

  const app = await ctx.openApp('direct');
  try {
    const lookup = await callOrFail(app, 'dictionary.lookup', { query, page, pageSize: 50 });
    if (lookup.kind === 'number' && lookup.items[0]) {
      const port = lookup.items[0].port;
      const card = await callOrFail(app, 'dictionary.card', { port });
      const check = values.check
        ? await callOrFail(app, 'dictionary.bindCheck', { port, protocol: values.udp ? 'udp' : 'tcp', host: values.host })
        : undefined;
      ctx.stdout(values.json ? `${JSON.stringify({ ...card, ...(check ? { bindCheck: check } : {}) }, null, 2)}\n` : formatCard(card, check));
      return check && check.status !== 'free' ? 1 : 0;
    }
    ctx.stdout(values.json ? `${JSON.stringify(lookup, null, 2)}\n` : formatLookup(lookup));
    return lookup.total > 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}

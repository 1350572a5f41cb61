/** `portolan learn [concept] [--json]`: the Learn cards in a terminal. */
import { parseArgs } from 'node:util';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { formatLearnCard } from '../format.js';
import { callOrFail } from './call.js';

/** Lists the concepts, or prints one card. */
export async function learnCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: ctx.args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const app = await ctx.openApp('direct');
  try {
    const cards = await callOrFail(app, 'learn.cards', {});
    const id = positionals[0];
    if (!id) {
      ctx.stdout(values.json ? `${JSON.stringify(cards, null, 2)}\n` : cards.map((c) => `${c.id.padEnd(14)} ${c.summary}`).join('\n') + '\n');
      return 0;
    }
    const card = cards.find((c) => c.id === id);
    if (!card) throw new UsageError(`There is no card "${id}". Concepts: ${cards.map((c) => c.id).join(', ')}.`);
    ctx.stdout(values.json ? `${JSON.stringify(card, null, 2)}\n` : formatLearnCard(card));
    return 0;
  } finally {
    await app.close();
  }
}

/**
 * "Can I listen on this port now?": tries a real bind on the chosen address and reports free, in
 * use (naming the holder when it can be seen), needs privileges (with how to get them), or why
 * the address cannot be used.
 */
import type { BindCheckQuery, BindCheckResult } from '../../contract/index.js';
import { BindCheckQuery as BindCheckQuerySchema } from '../../contract/dictionary.js';
import { tryBind } from '../net/bind-probe.js';
import { listenProblem } from '../net/errors.js';

/** Tries to bind and explains the outcome. Never throws for an ordinary failure. */
export async function checkBind(input: BindCheckQuery): Promise<BindCheckResult> {
  const { port, protocol, host } = BindCheckQuerySchema.parse(input);
  const err = await tryBind(protocol, host, port);
  const base = { port, protocol, host };
  if (!err) {
    const note = port === 0 ? ' Port 0 is never listened on as such: it asks the OS for any free port.' : '';
    return { ...base, status: 'free', message: `Port ${port}/${protocol} on ${host} is free: a program can listen on it now.${note}` };
  }
  const problem = await listenProblem(err, protocol, host, port, { offerFreePort: false });
  if (problem.code === 'EADDRINUSE') return { ...base, status: 'in-use', message: problem.message, holder: problem.holder };
  return { ...base, status: problem.code === 'EACCES' ? 'needs-privileges' : 'unavailable', message: problem.message };
}

/** Runs a contract call from the CLI, turning a wire error into a thrown CliCallError. */
import type { CallInput, CallName, CallOutput } from '../../contract/index.js';
import type { PortolanApp } from '../../app/create-app.js';

/** A call that failed with the engine's code and sentence; the CLI prints the sentence. */
export class CliCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls through the same dispatcher as every transport, so input is validated the same way. */
export async function callOrFail<K extends CallName>(app: PortolanApp, name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const result = await app.invoke(name, input);
  if (!result.ok) throw new CliCallError(result.error.code, result.error.message);
  return result.value as CallOutput<K>;
}

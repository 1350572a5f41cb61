/** Runs a contract call from the CLI, turning a wire error into a thrown CliCallError. */
import type { CallInput, CallName, CallOutput } from '../../contract/index.js';
import type { ForwardInfo } from '../../contract/forwards.js';
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

/**
 * Creates an unsaved forward and starts it, as the CLI's foreground forwards do: a start failure
 * (busy port...) keeps nothing and fails with the engine's code and sentence.
 */
export async function startUnsavedForward(app: PortolanApp, input: Omit<CallInput<'forwards.create'>, 'start' | 'save' | 'onlyIfStarted'>): Promise<ForwardInfo> {
  const { info, startError } = await callOrFail(app, 'forwards.create', { ...input, start: true, save: false, onlyIfStarted: true });
  if (startError) throw new CliCallError(startError.code, startError.message);
  if (!info) throw new CliCallError('INTERNAL', 'The engine answered neither the forward nor why it did not start. Please report it.');
  return info;
}

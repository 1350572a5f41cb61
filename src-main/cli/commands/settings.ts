/**
 * `portolan settings [--start-at-login on|off] [--json]`: shows the user's settings, or changes the
 * desktop app's start at login. The desktop app registers (or removes) its login item from this
 * setting each time it starts, and at once when this command runs through the installed app.
 */
import { parseArgs } from 'node:util';
import type { Settings } from '../../contract/index.js';
import type { CliContext, ExitCode } from '../context.js';
import { UsageError } from '../context.js';
import { callOrFail } from './call.js';

// Its usage line is USAGE.settings in ../usage.ts, printed without loading this file.

/** "on"/"off" (also true/false, yes/no, 1/0) as a boolean; anything else is a usage error. */
export function parseOnOff(option: string, value: string): boolean {
  const word = value.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(word)) return true;
  if (['off', 'false', 'no', '0'].includes(word)) return false;
  throw new UsageError(`--${option} takes on or off, not "${value}".`);
}

/** The settings a person reads in a terminal, one per line. */
function formatSettings(settings: Settings, file: string): string {
  const onOff = (on: boolean) => (on ? 'on' : 'off');
  return [
    `Theme:                        ${settings.theme}`,
    `Start at login:               ${onOff(settings.startAtLogin)}`,
    `Quit when the window closes:  ${onOff(settings.quitOnWindowClose)}`,
    `New-listener alerts:          ${onOff(settings.listenerAlerts)}`,
    `Notify a failed forward:      ${onOff(settings.notifyForwardFailed)}`,
    `Notify a forward back up:     ${onOff(settings.notifyForwardReconnected)}`,
    `Notify a lost router mapping: ${onOff(settings.notifyRouterLost)}`,
    `File:                         ${file}`,
  ].join('\n') + '\n';
}

/** Shows the settings, or sets start at login. */
export async function settingsCommand(ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, 'start-at-login': { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`Unexpected "${positionals[0]}".`);
  const startAtLogin = values['start-at-login'] === undefined ? undefined : parseOnOff('start-at-login', values['start-at-login']);
  const app = await ctx.openApp('direct');
  try {
    const state = startAtLogin === undefined ? await callOrFail(app, 'settings.get', {}) : await callOrFail(app, 'settings.update', { startAtLogin });
    if (state.problem) ctx.stderr(`portolan settings: ${state.problem}\n`);
    if (values.json) ctx.stdout(`${JSON.stringify(state, null, 2)}\n`);
    else if (startAtLogin === undefined) ctx.stdout(formatSettings(state.settings, state.path));
    else ctx.stdout(`Start at login: ${startAtLogin ? 'on' : 'off'}. The desktop app ${startAtLogin ? 'registers' : 'removes'} its login item the next time it starts (at once when this command runs through the installed app).\n`);
    return 0;
  } finally {
    await app.close();
  }
}

import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../src-main/cli/context.js';
import { runCliCaptured } from '../../helpers/cli.js';

const run = runCliCaptured;

describe('portolan CLI', () => {
  it('port 443 --json prints the https entries', async () => {
    const { code, out } = await run('port', '443', '--json');
    expect(code).toBe(0);
    const card = JSON.parse(out);
    expect(card.port).toBe(443);
    expect(card.assignments).toEqual(expect.arrayContaining([expect.objectContaining({ protocol: 'tcp', name: 'https' })]));
    expect(card.assignments).toEqual(expect.arrayContaining([expect.objectContaining({ protocol: 'udp', name: 'https' })]));
  });

  it('port ssh prints a table with 22 first', async () => {
    const { code, out } = await run('port', 'ssh');
    expect(code).toBe(0);
    expect(out.split('\n')[1]).toMatch(/^22\s+tcp\/udp\/sctp\s+ssh\s/);
  });

  it('port with a range pages through --page', async () => {
    const { out } = await run('port', '0-1023', '--page', '2', '--json');
    const result = JSON.parse(out);
    expect(result.page).toBe(1);
    expect(result.items[0].port).toBeGreaterThan(0);
  });

  it('port --check reports whether the port can be bound', async () => {
    const { code, out } = await run('port', '0', '--check', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out).bindCheck.status).toBe('free');
  });

  it('says what went wrong, on stderr, with a non-zero exit', async () => {
    expect(await run('port', '70000')).toMatchObject({ code: 1, err: expect.stringMatching(/ports go from 0 to 65535/) });
    expect(await run('port')).toMatchObject({ code: 2, err: expect.stringMatching(/Usage: portolan port/) });
    expect(await run('port', 'x', '--bogus')).toMatchObject({ code: 2 });
    expect(await run('frobnicate')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command/) });
  });

  it('learn lists concepts and prints one card', async () => {
    expect((await run('learn')).out).toMatch(/socket-pairs/);
    const { code, out } = await run('learn', 'ranges');
    expect(code).toBe(0);
    expect(out).toMatch(/49152/);
  });

  it('prints help and version', async () => {
    expect((await run('--help')).out).toMatch(/portolan serve/);
    expect((await run('--version')).code).toBe(0);
  });

  it('--help documents every exit status a command can end with', async () => {
    const { out } = await run('--help');
    for (const [what, code] of Object.entries(EXIT)) expect(out, what).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(out).toMatch(/3 +SSH host key not trusted/);
    expect(out).toMatch(/4 +SSH login refused/);
  });

  it('every command answers --help with its usage and exit 0', async () => {
    for (const name of ['port', 'sockets', 'connect', 'scan', 'router', 'forward', 'tunnel', 'forwards', 'learn', 'serve', 'listen', 'knock', 'guard']) {
      const { code, out } = await run(name, '--help');
      expect(code, name).toBe(0);
      expect(out, name).toContain(`portolan ${name}`);
    }
  });
});

/**
 * The knock client, compatible in meaning with knockd's `knock`: each TCP step is a connection
 * attempt (a SYN; the client never waits for the connection before going on), each UDP step one
 * datagram; steps are `delayMs` apart; the host is resolved once (IPv4 or IPv6). "Knock, then
 * check" then tries to connect to the protected port, and knocks once more if it cannot.
 */
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import { PortolanError } from '../../contract/errors.js';
import type { KnockResult, KnockStep, KnockStepResult } from '../../contract/index.js';

/** What a run needs (the contract's knock.send input after parsing). */
export interface KnockRun {
  runId: string;
  host: string;
  steps: readonly KnockStep[];
  delayMs: number;
  family: 'any' | 'ipv4' | 'ipv6';
  thenCheck?: { port: number };
  checkTimeoutMs: number;
}

/** Called as each step is sent. */
export type OnStep = (index: number, result: KnockStepResult) => void;

/**
 * How long a TCP knock socket is kept before it is destroyed, at most: long enough for a SYN-ACK
 * or a reset on a nearby host (so a server that only sees accepted connections, like a Portolan
 * guard, also notices the knock), never holding up the next step.
 */
export const TCP_KNOCK_HOLD_MS = 250;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves the host once; PortolanError ENOTFOUND when it has no address of the wanted family. */
export async function resolveKnockHost(host: string, family: KnockRun['family']): Promise<string> {
  const literal = net.isIP(host);
  if (literal) {
    if ((family === 'ipv4' && literal !== 4) || (family === 'ipv6' && literal !== 6)) {
      throw new PortolanError('INVALID_INPUT', `${host} is an IPv${literal} address, but IPv${family === 'ipv4' ? 4 : 6} was asked for.`);
    }
    return host;
  }
  try {
    const found = await dns.lookup(host, { family: family === 'ipv4' ? 4 : family === 'ipv6' ? 6 : 0 });
    return found.address;
  } catch {
    throw new PortolanError('ENOTFOUND', `${host} has no ${family === 'any' ? '' : `${family === 'ipv4' ? 'IPv4' : 'IPv6'} `}address: check the name.`);
  }
}

/** Sends one TCP knock: starts a connection and lets go of it (resolves at once with the outcome so far). */
export function knockTcp(address: string, port: number, holdMs = TCP_KNOCK_HOLD_MS): Promise<{ outcome: 'sent' | 'refused' | 'error'; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let settled = false;
    const done = (outcome: 'sent' | 'refused' | 'error', error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(error ? { outcome, error } : { outcome });
    };
    // Accepted or nothing heard yet (a firewall dropping it): the SYN has left.
    socket.once('connect', () => done('sent'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done('refused');
      else if (err.code === 'ECONNRESET') done('sent');
      else done('error', `${err.code ?? 'error'}: ${err.message}`);
    });
    const timer = setTimeout(() => done('sent'), holdMs);
  });
}

/** Sends one UDP knock: one datagram of one zero byte, as knock does. */
export function knockUdp(address: string, port: number): Promise<{ outcome: 'sent' | 'error'; error?: string }> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    socket.on('error', () => undefined);
    socket.send(Buffer.alloc(1), port, address, (err) => {
      socket.close();
      resolve(err ? { outcome: 'error', error: `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${err.message}` } : { outcome: 'sent' });
    });
  });
}

/** How long a checked connection must stay up (or bring data) to count as reachable, in ms. */
export const CHECK_SETTLE_MS = 200;

/**
 * Whether a TCP connection to address:port opens within timeoutMs and is kept: a server that
 * accepts and closes at once (a Portolan guard refusing this address, tcpwrappers) is not reachable.
 */
export function tcpReachable(address: string, port: number, timeoutMs: number, settleMs = CHECK_SETTLE_MS): Promise<'reachable' | 'closed-at-once' | 'unreachable'> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let timer = setTimeout(() => finish('unreachable'), timeoutMs);
    const finish = (r: 'reachable' | 'closed-at-once' | 'unreachable') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish('reachable'), settleMs);
      socket.once('data', () => finish('reachable'));
      socket.once('end', () => finish('closed-at-once'));
      socket.once('close', () => finish('closed-at-once'));
    });
    socket.once('error', () => finish(socket.readyState === 'open' ? 'closed-at-once' : 'unreachable'));
  });
}

/** Knocks the whole sequence, and checks (and retries once) when asked. */
export async function sendKnock(run: KnockRun, onStep: OnStep = () => undefined): Promise<KnockResult> {
  const address = await resolveKnockHost(run.host, run.family);
  const steps: KnockStepResult[] = [];
  const knockAll = async (attempt: 1 | 2) => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < run.steps.length; i++) {
      const step = run.steps[i]!;
      const sentAt = Date.now();
      const index = steps.length;
      const record = (r: { outcome: KnockStepResult['outcome']; error?: string }) => {
        const result: KnockStepResult = { port: step.port, protocol: step.protocol, sentAt, outcome: r.outcome, ...(r.error ? { error: r.error } : {}), attempt };
        steps[index] = result;
        onStep(index, result);
      };
      steps.push({ port: step.port, protocol: step.protocol, sentAt, outcome: 'sent', attempt });
      if (step.protocol === 'udp') record(await knockUdp(address, step.port));
      else {
        // The SYN is out once connect() starts; the outcome (reset, accepted) arrives while we wait for the next step.
        const hold = Math.min(TCP_KNOCK_HOLD_MS, Math.max(1, run.delayMs));
        pending.push(knockTcp(address, step.port, hold).then(record));
      }
      if (i < run.steps.length - 1 || run.thenCheck) await sleep(run.delayMs);
    }
    await Promise.all(pending);
  };
  await knockAll(1);
  if (!run.thenCheck) return { runId: run.runId, host: run.host, address, steps };
  const port = run.thenCheck.port;
  const where = `${net.isIPv6(address) ? `[${address}]` : address}:${port}`;
  const first = await tcpReachable(address, port, run.checkTimeoutMs);
  if (first === 'reachable') {
    return { runId: run.runId, host: run.host, address, steps, check: { port, reachable: true, retried: false, message: `${where} is reachable after the knock.` } };
  }
  await knockAll(2);
  const second = await tcpReachable(address, port, run.checkTimeoutMs);
  const why =
    second === 'closed-at-once'
      ? 'it accepts connections but closes them at once (a knock guard still refusing this address, or an access list)'
      : 'it does not accept connections';
  return {
    runId: run.runId,
    host: run.host,
    address,
    steps,
    check: {
      port,
      reachable: second === 'reachable',
      retried: true,
      message:
        second === 'reachable'
          ? `${where} was not reachable after the first knock, and is after knocking again.`
          : `${where} is still not reachable after knocking twice: ${why}. Check the sequence, the delay (the server's time limit may be short), and that the server is up. A wrong knock can also block your address until the server's sequence timeout passes.`,
    },
  };
}

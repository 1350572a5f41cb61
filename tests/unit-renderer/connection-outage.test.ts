import { describe, expect, it } from 'vitest';
import { Api } from '../../src-renderer/src/lib/api/client.js';
import type { ConnectionStatus } from '../../src-renderer/src/lib/api/transport.js';
import { ConnectionState } from '../../src-renderer/src/lib/state/connection.svelte.js';
import type { SystemInfo } from '../../src-main/contract/system.js';
import { FakeTransport, ok } from './fake-transport.js';

const SYSTEM_INFO: SystemInfo = { version: '0.1.0', platform: 'linux', hostname: 'vm', node: 'v20', transport: 'web', ephemeral: { low: 32768, high: 60999, source: '/proc' }, dictionarySize: 1 };

/** A transport whose link status the test drives. */
class DrivenTransport extends FakeTransport {
  private listener: ((status: ConnectionStatus) => void) | undefined;
  override onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.listener = listener;
    listener('connecting');
    return () => {};
  }
  set(status: ConnectionStatus) {
    this.listener?.(status);
  }
}

describe('ConnectionState outage', () => {
  it('says the engine stopped and is reconnecting, in words and without call names, only while it is away', () => {
    const transport = new DrivenTransport({ 'system.info': () => ok(SYSTEM_INFO) });
    const conn = new ConnectionState(new Api(transport));
    conn.start(() => {});
    expect(conn.outage).toBeNull(); // the first connection: no alarm yet

    transport.set('reconnecting');
    expect(conn.outage?.headline).toBe("Cannot reach Portolan's engine; retrying…");

    transport.set('connected');
    expect(conn.outage).toBeNull();
    transport.set('reconnecting');
    expect(conn.outage?.headline).toBe("Portolan's engine stopped; reconnecting…");
    expect(`${conn.outage?.headline} ${conn.outage?.detail}`).not.toMatch(/\w+\.\w+/);

    transport.set('connected');
    expect(conn.outage).toBeNull();
    transport.set('disconnected');
    expect(conn.outage?.detail).toMatch(/Reload the page/);
  });
});

// Portolan's forward engine alone in its own process (its own core and event loop), as the desktop
// app runs it: `forward-child.ts <targetPort> [udp]` starts a TCP forward (and with "udp" a UDP
// forward on the same port number) to 127.0.0.1:<targetPort>, prints "ready <port>", answers
// "mem" on stdin with its process.memoryUsage() as JSON, and exits when stdin closes.
import { createInterface } from 'node:readline';
import { ForwardEngine } from '../../../src-main/engine/forwards/forward-engine.js';
import { MemorySecretStore } from '../../../src-main/engine/forwards/secret-store.js';

const targetPort = Number(process.argv[2]);
const withUdp = process.argv[3] === 'udp';
const engine = new ForwardEngine({ emit: () => undefined, secrets: new MemorySecretStore(), knownHostsFiles: [], acceptedKnownHosts: '/dev/null' });
engine.add('tcp', { kind: 'tcp', name: 'bench', listenHost: '127.0.0.1', listenPort: 0, allow: [], startWithApp: false, targetHost: '127.0.0.1', targetPort }, false);
const tcp = await engine.start('tcp');
if (withUdp) {
  engine.add('udp', { kind: 'udp', name: 'bench-udp', listenHost: '127.0.0.1', listenPort: tcp.boundPort!, allow: [], startWithApp: false, targetHost: '127.0.0.1', targetPort, udpIdleMs: 60000 }, false);
  await engine.start('udp');
}
process.stdout.write(`ready ${tcp.boundPort}\n`);
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === 'mem') {
    globalThis.gc?.();
    process.stdout.write(`${JSON.stringify({ ...process.memoryUsage(), active: engine.info('tcp').activeConnections })}\n`);
  }
});
rl.on('close', () => void engine.close().then(() => process.exit(0)));

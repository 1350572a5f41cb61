// Load for the socket-table benchmark: N loopback TCP connections (2N sockets plus a listener)
// held by this separate process until its stdin closes. Prints "ready <port>" when all are up.
import net from 'node:net';

const count = Number(process.argv[2] ?? 5000);
const accepted = [];
const server = net.createServer((s) => accepted.push(s));
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const clients = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, () => new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => resolve(c));
      c.on('error', reject);
    }));
    clients.push(...(await Promise.all(batch)));
  }
  while (accepted.length < count) await new Promise((r) => setTimeout(r, 10));
  process.stdout.write(`ready ${port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));

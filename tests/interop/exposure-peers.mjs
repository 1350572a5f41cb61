// Peers of the exposure interop test, run inside its network namespaces with `ip netns exec`.
//   node exposure-peers.mjs listen '<json [{proto,host,port}]>'  -> binds them (TCP accept, UDP echo), prints "ready", runs until killed
//   node exposure-peers.mjs probe '<json [{proto,host,port}]>' MS -> tries each at once; prints JSON outcomes:
//     "open" (the echo came back: TCP after connecting and sending, UDP after one datagram),
//     "refused" (RST or ICMP unreachable, at connect or after), "silent" (nothing within MS)
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, specText, msText] = process.argv.slice(2);
const specs = JSON.parse(specText);

if (mode === 'listen') {
  await Promise.all(
    specs.map(
      (s) =>
        new Promise((resolve, reject) => {
          if (s.proto === 'tcp') {
            const server = net.createServer((c) => c.on('error', () => {}).pipe(c));
            server.once('error', reject);
            server.listen({ host: s.host, port: s.port, ipv6Only: s.host === '::' ? false : undefined }, resolve);
          } else {
            const sock = dgram.createSocket({ type: s.host.includes(':') ? 'udp6' : 'udp4', ipv6Only: false });
            sock.on('message', (msg, from) => sock.send(msg, from.port, from.address));
            sock.once('error', reject);
            sock.bind(s.port, s.host, resolve);
          }
        }),
    ),
  );
  process.stdout.write('ready\n');
  setInterval(() => {}, 1 << 30);
} else if (mode === 'probe') {
  const ms = Number(msText ?? 1500);
  const probe = (s) =>
    new Promise((resolve) => {
      const done = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        socket.destroy?.();
        socket.close?.();
        resolve('silent');
      }, ms);
      let socket;
      if (s.proto === 'tcp') {
        socket = net.connect({ host: s.host, port: s.port });
        // Connected is not enough: the rest of the connection must pass too, so wait for the echo.
        socket.once('connect', () => socket.write('probe'));
        socket.once('data', () => (socket.destroy(), done('open')));
        socket.once('error', (e) => done(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'EPIPE'].includes(e.code) ? 'refused' : `error ${e.code}`));
        socket.once('close', () => done('refused'));
      } else {
        socket = dgram.createSocket('udp4');
        socket.once('error', (e) => (socket.close(), done(e.code === 'ECONNREFUSED' ? 'refused' : `error ${e.code}`)));
        socket.once('message', () => (socket.close(), done('open')));
        // A connected UDP socket hears ICMP port unreachable as ECONNREFUSED.
        socket.connect(s.port, s.host, () => socket.send('probe'));
      }
    });
  const outcomes = await Promise.all(specs.map(probe));
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
  process.exit(0);
}

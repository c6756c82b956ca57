// Status: fixed (found by the verdicts part of the bench, which printed Node's
// MaxListenersExceededWarning on its keep-alive sockets). Before the fix: 51 'close' listeners
// after 50 measurements; now 2 (Node's own and headroom's one per socket). Unit test:
// test/unit/instrument/http.test.ts, "keeps one cleanup listener per keep-alive socket".
// Repro: every node:http request to a loopback host made inside a measurement adds a
// `socket.once('close', …)` listener to its socket (src/instrument/http.ts, pairSocket), and a
// keep-alive socket is reused for many requests: the listeners pile up until the socket closes,
// each holding on to the measurement's scope (its events), so a long test run with a keep-alive
// agent keeps every measurement that used the socket alive.
//   npm run build && node test/bench/repro/http-keepalive-close-listeners.mjs
import http from 'node:http';

const { instrumentHttp, measure } = await import('../../../dist/index.js');
instrumentHttp();
const server = http.createServer((_req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let socket;
const get = () =>
  new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      socket = res.socket;
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
for (let i = 1; i <= 50; i++) {
  await measure(get, { metrics: [] });
  if (i % 10 === 0)
    console.log(`${i} measurements: ${socket.listenerCount('close')} 'close' listeners on the one socket`);
}
agent.destroy();
server.close();

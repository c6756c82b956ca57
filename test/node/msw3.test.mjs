// msw 3 (ESM-only, Node >= 22.12) with headroom/msw, on Node's test runner against the built
// package:  node --test test/node/*.test.mjs   (skipped where msw 3 cannot run)
import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import { instrumentHttp, matchers, measure } from '../../dist/index.js';
import { degrade, instrument } from '../../dist/msw.js';

const [major, minor] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 12);

test('msw 3: mocked fetch and node:http requests are counted once, degraded, and timed', {
  skip: !supported && 'msw 3 needs Node >= 22.12',
}, async () => {
  const { http: mock, HttpResponse } = await import('msw3');
  const { setupServer } = await import('msw3/node');
  const inventory = mock.get('https://inventory.test/items/:id', ({ params }) =>
    HttpResponse.json({ id: params.id }),
  );
  // As the runner entries do: Node's channels count requests too (msw 3 intercepts at the
  // socket, after fetch's undici:request:create), and each request must still count once.
  instrumentHttp();
  const server = setupServer(inventory);
  server.listen({ onUnhandledRequest: 'error' });
  instrument(server);
  try {
    server.use(degrade(inventory, { latency: '30ms', seed: 4 }));
    const viaHttp = () =>
      new Promise((resolve, reject) => {
        https
          .get('https://inventory.test/items/2', (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          })
          .on('error', reject);
      });
    const m = await measure(
      async () => {
        await (await fetch('https://inventory.test/items/1')).json();
        await viaHttp();
      },
      { metrics: ['duration'], iterations: 3, warmup: 0 },
    );
    const requests = m.events.filter((e) => e.kind === 'request');
    assert.equal(requests.length, 2, `requests: ${JSON.stringify(requests.map((r) => r.url))}`);
    assert.deepEqual(
      requests.map((r) => r.status),
      [200, 200],
    );
    assert.match(requests[0].note ?? '', /simulated: \+30 ms latency \(seed 4\)/);
    assert.ok(Math.min(...m.samples.durationMs) >= 59, `durations ${m.samples.durationMs}`);
    const verdict = await matchers.toStayWithin.call({ isNot: false }, m, { requests: 2, roundTrips: 2 });
    assert.equal(verdict.pass, true, verdict.message());
  } finally {
    server.close();
  }
});

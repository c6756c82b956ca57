import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { HttpResponse, http as mock, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../src/index.js';
import { instrument, uninstrument } from './index.js';

const db = new Database(':memory:');
const real = http.createServer((req, res) => {
  db.prepare('SELECT 1 AS handled').get();
  res.end(req.url);
});
let base = '';
const server = setupServer(
  mock.get('https://inventory.test/items/:id', ({ params }) =>
    HttpResponse.json({ id: params.id, stock: 3 }),
  ),
  mock.post('https://payments.test/charge', () => new HttpResponse(null, { status: 503 })),
  mock.get(/^http:\/\/127\.0\.0\.1:\d+\/pass$/, () => passthrough()),
);

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    (url.startsWith('https') ? https : http)
      .get(url, (res: http.IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  await new Promise<void>((resolve) => real.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(real.address() as AddressInfo).port}`;
  server.listen({ onUnhandledRequest: 'bypass' });
  instrument(server);
});
afterAll(() => {
  server.close();
  real.close();
});

const requestsOf = (m: Awaited<ReturnType<typeof measure>>) =>
  m.events.flatMap((e) => (e.kind === 'request' ? [`${e.method} ${e.url} ${e.status ?? '-'}`] : []));

describe('headroom/msw: each request counted once, whoever answers it', () => {
  it('fetch: mocked, failing, passed through and unhandled', async () => {
    const m = await measure(
      async () => {
        await (await fetch('https://inventory.test/items/7')).json();
        await fetch('https://payments.test/charge', { method: 'POST' });
        await (await fetch(`${base}/pass`)).text();
        await (await fetch(`${base}/unhandled`)).text();
      },
      { metrics: [] },
    );
    expect(requestsOf(m)).toEqual([
      'GET https://inventory.test/items/7 200',
      'POST https://payments.test/charge 503',
      `GET ${base}/pass 200`,
      `GET ${base}/unhandled 200`,
    ]);
    // The passed-through requests reached the in-process server, which ran in the caller's scope.
    expect(m.events.filter((e) => e.kind === 'query')).toHaveLength(2);
  });

  it('node:http and node:https: mocked and passed through', async () => {
    const m = await measure(
      async () => {
        await get('https://inventory.test/items/1');
        await get(`${base}/pass`);
        await get(`${base}/unhandled`);
      },
      { metrics: [] },
    );
    expect(requestsOf(m)).toEqual([
      'GET https://inventory.test/items/1 200',
      `GET ${base}/pass 200`,
      `GET ${base}/unhandled 200`,
    ]);
  });

  it('concurrent callers each count their own mocked requests', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        measure(
          () => Promise.all(Array.from({ length: n }, (_, i) => fetch(`https://inventory.test/items/${i}`))),
          {
            metrics: [],
          },
        ),
      ),
    );
    results.forEach((m, i) => {
      expect(requestsOf(m)).toHaveLength(i + 1);
    });
    await expect(() =>
      Promise.all([1, 2, 3].map((i) => fetch(`https://inventory.test/items/${i}`))),
    ).toStayWithin({
      requests: { total: 3, byHost: { 'inventory.test': 3 }, maxInFlight: 3 },
      roundTrips: 1,
    });
  });

  it('instruments once, and uninstruments', async () => {
    expect(instrument(server)).toBe(false);
    expect(uninstrument(server)).toBe(true);
    const m = await measure(() => fetch('https://inventory.test/items/1'), { metrics: [] });
    expect(m.events).toHaveLength(0);
    expect(instrument(server)).toBe(true);
  });
});

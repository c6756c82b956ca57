import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import express from 'express';
import Fastify from 'fastify';
import supertest from 'supertest';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../../src/index.js';
import { recordClaimableRequest } from '../../../src/instrument/http.js';

// The vitest setup file (src/vitest.ts) instruments HTTP and better-sqlite3, as 'headroom/vitest' does.

const db = new Database(':memory:');
db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER)');
for (let i = 0; i < 30; i++) db.prepare('INSERT INTO orders (user_id) VALUES (?)').run(i % 5);

/** A handler with a deliberate N+1: one query for the user's orders, one per order. */
function ordersOf(userId: number) {
  const orders = db.prepare('SELECT id FROM orders WHERE user_id = ?').all(userId) as { id: number }[];
  return orders.map(({ id }) => db.prepare('SELECT * FROM orders WHERE id = ?').get(id));
}

let seenHeaders: http.IncomingHttpHeaders[] = [];
const server = http.createServer((req, res) => {
  seenHeaders.push({ ...req.headers });
  const url = new URL(req.url ?? '/', 'http://x');
  const user = Number(url.searchParams.get('user') ?? 0);
  const delay = Number(url.searchParams.get('delay') ?? 0);
  setTimeout(() => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(ordersOf(user)));
  }, delay);
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function httpGet(url: string, agent?: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('outgoing requests', () => {
  it('counts fetch, node:http and undici requests once each, with host and status', async () => {
    const m = await measure(
      async () => {
        await (await fetch(`${base}/?user=1`)).text();
        await httpGet(`${base}/?user=2`);
        await (await undiciRequest(`${base}/missing?user=3`)).body.text();
      },
      { metrics: [] },
    );
    const requests = m.events.filter((e) => e.kind === 'request');
    expect(requests.map((r) => [r.method, r.url, r.status, r.source])).toEqual([
      ['GET', `${base}/?user=1`, 200, 'undici'],
      ['GET', `${base}/?user=2`, 200, 'node:http'],
      ['GET', `${base}/missing?user=3`, 200, 'undici'],
    ]);
    expect(requests.every((r) => r.kind === 'request' && r.host === new URL(base).host)).toBe(true);
  });

  it('tells sequential requests from parallel ones: roundTrips and maxInFlight', async () => {
    const urls = [1, 2, 3].map((u) => `${base}/?user=${u}&delay=5`);
    const sequential = async () => {
      for (const url of urls) await (await fetch(url)).text();
    };
    const parallel = () => Promise.all(urls.map(async (url) => (await fetch(url)).text()));
    await expect(parallel).toStayWithin({ requests: { total: 3, maxInFlight: 3 }, roundTrips: 1 });
    await expect(sequential).toStayWithin({ requests: { maxInFlight: 1 } });
    const error = await expect(sequential)
      .toStayWithin({ roundTrips: 1 })
      .then(
        () => undefined,
        (e: Error) => e.message,
      );
    expect(error).toContain('✗ roundTrips');
    expect(error).toContain('Longest chain of round trips (3, each waiting for the previous)');
    expect(error).toMatch(/GET 127\.0\.0\.1:\d+\//);
  });
});

describe('a request seen by msw and by a channel counts once', () => {
  it('msw 3: the channel saw it first (fetch reaches undici, msw answers at the socket)', async () => {
    const m = await measure(
      async () => {
        const answered = fetch(`${base}/?user=1&delay=20`).then((r) => r.text());
        // What msw 3's request:start does, while the channel's event is in flight.
        await new Promise((resolve) => setTimeout(resolve, 5));
        const joined = recordClaimableRequest('GET', `${base}/?user=1&delay=20`, 'msw');
        joined?.handle.annotate('simulated: +0 ms latency');
        await answered;
        joined?.handle.end({ status: 200 });
        joined?.release();
      },
      { metrics: [] },
    );
    const requests = m.events.filter((e) => e.kind === 'request');
    expect(requests.map((r) => [r.url, r.source, r.status, r.note])).toEqual([
      [`${base}/?user=1&delay=20`, 'undici', 200, 'simulated: +0 ms latency'],
    ]);
  });

  it('msw 2: msw saw it first (a mocked node:http request reaches the channel after)', async () => {
    const m = await measure(
      async () => {
        const claimed = recordClaimableRequest('GET', `${base}/?user=2`, 'msw');
        await httpGet(`${base}/?user=2`);
        claimed?.handle.end({ status: 200 });
        claimed?.release();
      },
      { metrics: [] },
    );
    const requests = m.events.filter((e) => e.kind === 'request');
    expect(requests.map((r) => [r.url, r.source])).toEqual([[`${base}/?user=2`, 'msw']]);
  });

  it('a finished channel request is not joined by a later one to the same URL', async () => {
    const m = await measure(
      async () => {
        await (await fetch(`${base}/?user=3`)).text();
        const later = recordClaimableRequest('GET', `${base}/?user=3`, 'msw');
        later?.handle.end({ status: 200 });
        later?.release();
      },
      { metrics: [] },
    );
    expect(m.events.filter((e) => e.kind === 'request').map((r) => r.source)).toEqual(['undici', 'msw']);
  });
});

describe('attribution into an in-process server', () => {
  it("counts the queries the handler runs, and hides headroom's header from it", async () => {
    seenHeaders = [];
    const m = await measure(async () => (await fetch(`${base}/?user=1`)).json(), { metrics: [] });
    const queries = m.events.filter((e) => e.kind === 'query');
    expect(queries).toHaveLength(1 + 6);
    expect(m.outside).toHaveLength(0);
    expect(seenHeaders[0]).not.toHaveProperty('x-headroom-scope');
  });

  it('carries the scope over node:http with a keep-alive agent, paired by loopback socket', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          [0, 1, 2, 3, 4].map((user) =>
            measure(() => httpGet(`${base}/?user=${user}&delay=${user}`, agent), { metrics: [] }),
          ),
        );
        results.forEach((m) => {
          expect(m.events.filter((e) => e.kind === 'query')).toHaveLength(1 + 6);
          expect(m.outside).toHaveLength(0);
        });
      }
    } finally {
      agent.destroy();
    }
  });

  it('keeps one cleanup listener per keep-alive socket, however many measured requests it carries', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      let socket: import('node:net').Socket | undefined;
      const before = await new Promise<number>((resolve) => {
        http.get(`${base}/?user=1`, { agent }, (res) => {
          const s = res.socket;
          socket = s;
          res.resume();
          res.on('end', () => resolve(s.listenerCount('close')));
        });
      });
      for (let i = 0; i < 30; i++) {
        const m = await measure(() => httpGet(`${base}/?user=${i % 5}`, agent), { metrics: [] });
        // Still paired: the handler's queries count for the caller.
        expect(m.events.filter((e) => e.kind === 'query')).toHaveLength(1 + 6);
      }
      expect(socket?.listenerCount('close')).toBeLessThanOrEqual(before + 1);
    } finally {
      agent.destroy();
    }
  });

  it('gives 5 concurrent callers over fetch exactly their own queries, 3 rounds', async () => {
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          measure(
            async () => {
              for (let i = 0; i < n; i++) await (await fetch(`${base}/?user=${i % 5}&delay=${n}`)).text();
            },
            { metrics: [] },
          ),
        ),
      );
      results.forEach((m, i) => {
        const n = i + 1;
        expect(m.events.filter((e) => e.kind === 'request')).toHaveLength(n);
        expect(m.events.filter((e) => e.kind === 'query')).toHaveLength(n * 7);
      });
    }
  });

  it('works through Express 5 with supertest, and through Fastify 5 inject-free HTTP', async () => {
    const app = express();
    app.get('/orders/:user', (req, res) => {
      res.json(ordersOf(Number(req.params.user)));
    });
    const viaSupertest = await measure(() => supertest(app).get('/orders/2').expect(200), { metrics: [] });
    expect(viaSupertest.events.filter((e) => e.kind === 'query')).toHaveLength(7);
    expect(viaSupertest.events.filter((e) => e.kind === 'request')).toHaveLength(1);

    const fastify = Fastify();
    fastify.get('/orders/:user', async (req) => ordersOf(Number((req.params as { user: string }).user)));
    const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
    try {
      await expect(async () => (await fetch(`${address}/orders/3`)).json()).toStayWithin({
        requests: 1,
        queries: 7,
      });
      const message = await expect(async () => (await fetch(`${address}/orders/3`)).json())
        .toStayWithin({ repeatedQueries: 0 })
        .then(
          () => '',
          (e: Error) => e.message,
        );
      expect(message).toMatch(
        /×6 +SELECT \* FROM orders WHERE id = \? +at test\/unit\/instrument\/http\.test\.ts:\d+:\d+/,
      );
    } finally {
      await fastify.close();
    }
  });
});

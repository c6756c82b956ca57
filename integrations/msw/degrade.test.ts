import http from 'node:http';
import { HttpResponse, http as mock } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { measure } from '../../src/index.js';
import { degrade, instrument } from './index.js';

// Three downstream services, answered by msw.
const inventory = mock.get('https://inventory.test/items/:id', ({ params }) =>
  HttpResponse.json({ id: params.id, stock: 3 }),
);
const payments = mock.post('https://payments.test/charge', () => HttpResponse.json({ ok: true }));
const shipping = mock.post('https://shipping.test/quote', () => HttpResponse.json({ cents: 499 }));
const server = setupServer(inventory, payments, shipping);

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  instrument(server);
});
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The real clock, taken before any test fakes `performance.now`. */
const realNow = performance.now.bind(performance);

/** fetch with a timeout built on setTimeout, so fake timers drive it too. */
async function fetchWithin(url: string, ms: number, init?: RequestInit): Promise<Response | undefined> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await fetch(url, { ...init, signal: abort.signal });
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const productPage = {
  /** Waits for inventory however long it takes. */
  async naive(id: number) {
    const stock = await (await fetch(`https://inventory.test/items/${id}`)).json();
    return { id, stock };
  },
  /** Gives inventory 200 ms, then shows the page without stock. */
  async resilient(id: number) {
    const res = await fetchWithin(`https://inventory.test/items/${id}`, 200);
    return { id, stock: res ? await res.json() : 'unknown' };
  },
};

const charge = {
  /** Retries until payments answers, up to 10 times, without waiting. */
  async naive() {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const res = await fetch('https://payments.test/charge', { method: 'POST' });
      if (res.ok) return attempt;
    }
    return 'failed';
  },
  /** At most 3 attempts, with backoff. */
  async resilient() {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const res = await fetch('https://payments.test/charge', { method: 'POST' });
      if (res.ok) return attempt;
      await sleep(50 * attempt);
    }
    return 'failed';
  },
};

/** Runs `tasks` with at most `limit` at once. */
async function limited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const quote = () => fetch('https://shipping.test/quote', { method: 'POST' }).then((r) => r.json());

describe('resilience contracts with degraded downstreams (virtual time)', () => {
  it('when inventory takes 2 s, the product page still answers within 300 ms', async () => {
    vi.useFakeTimers();
    server.use(degrade(inventory, { latency: '2s', seed: 1 }));
    const started = realNow();
    await expect(() => productPage.resilient(1)).toStayWithin({ duration: '300ms', requests: 1 });
    const message = await expect(() => productPage.naive(1))
      .toStayWithin({ duration: '300ms' })
      .then(
        () => '',
        (e: Error) => e.message,
      );
    expect(message).toMatch(/✗ duration \(median\) +300 ms +2 s/);
    expect(message).toContain('Timeline of the first call (1 event):');
    expect(message).toMatch(
      /\+0 ms +2 s +\|█+\| +GET inventory\.test\/items\/:id +200 +simulated: \+2 s latency \(seed 1\)/,
    );
    expect(realNow() - started).toBeLessThan(5_000);
  });

  it('when payments answers 503 half the time, checkout makes at most 3 requests to it', async () => {
    vi.useFakeTimers();
    for (const seed of [1, 2, 3, 4, 5]) {
      server.resetHandlers(degrade(payments, { errorRate: 0.5, status: 503, seed }), inventory, shipping);
      await expect(() => charge.resilient()).toStayWithin({ requests: { byHost: { 'payments.test': 3 } } });
    }
    // With payments down, the naive checkout hammers it: 10 requests.
    server.resetHandlers(
      degrade(payments, { errorRate: 1, status: [502, 503], seed: 9 }),
      inventory,
      shipping,
    );
    await expect(() => charge.resilient()).toStayWithin({ requests: { byHost: { 'payments.test': 3 } } });
    const message = await expect(() => charge.naive())
      .toStayWithin({ requests: { byHost: { 'payments.test': 3 } } })
      .then(
        () => '',
        (e: Error) => e.message,
      );
    expect(message).toMatch(/✗ requests \(byHost payments\.test\) +3 +10 +-7/);
    expect(message).toMatch(/×10 +POST payments\.test\/charge/);
    expect(message).toMatch(
      /POST payments\.test\/charge +50[23] +simulated: \+0 ms latency, answered 50[23] \(seed 9\)/,
    );
  });

  it('100 concurrent checkouts never have more than 10 requests in flight to shipping', async () => {
    vi.useFakeTimers();
    server.use(degrade(shipping, { latency: { uniform: ['20ms', '80ms'] }, seed: 3 }));
    const tasks = Array.from({ length: 100 }, () => quote);
    await expect(() => limited(tasks, 10)).toStayWithin({ requests: { total: 100, maxInFlight: 10 } });
    await expect(
      expect(() => Promise.all(tasks.map((t) => t()))).toStayWithin({ requests: { maxInFlight: 10 } }),
    ).rejects.toThrow(/✗ requests \(maxInFlight\) +10 +100/);
  });

  it('a hanging downstream: the timeout fires in virtual time, its absence is reported as never settling', async () => {
    vi.useFakeTimers();
    server.use(degrade(inventory, { hang: true, seed: 1 }));
    await expect(() => productPage.resilient(2)).toStayWithin({ duration: '250ms' });
    await expect(measure(() => productPage.naive(2), { metrics: [], maxTime: '100ms' })).rejects.toThrow(
      /HEADROOM_ERR_NOT_SETTLED/,
    );
  });

  it('tells sequential from parallel calls even when they take no virtual time', async () => {
    vi.useFakeTimers();
    const get = async (id: number) => (await fetch(`https://inventory.test/items/${id}`)).json();
    await expect(async () => {
      for (const id of [1, 2, 3]) await get(id);
    }).toStayWithin({ roundTrips: 3, requests: { total: 3, maxInFlight: 1 } });
    await expect(() => Promise.all([1, 2, 3].map(get))).toStayWithin({
      roundTrips: 1,
      requests: { maxInFlight: 3 },
    });
    await expect(
      expect(() => Promise.all([1, 2, 3].map(get))).toStayWithin({ requests: { maxInFlight: 0 } }),
    ).rejects.toThrow(/✗ requests \(maxInFlight\) +0 +3/);
  });

  it('sequential calls add up and parallel ones overlap: 100+200+300 ms', async () => {
    vi.useFakeTimers();
    server.use(
      degrade(
        mock.get('https://inventory.test/a', () => HttpResponse.json(1)),
        { latency: '100ms' },
      ),
      degrade(
        mock.get('https://inventory.test/b', () => HttpResponse.json(2)),
        { latency: '200ms' },
      ),
      degrade(
        mock.get('https://inventory.test/c', () => HttpResponse.json(3)),
        { latency: '300ms' },
      ),
    );
    const get = async (p: string) => (await fetch(`https://inventory.test/${p}`)).json();
    const started = realNow();
    const sequential = await measure(
      async () => {
        for (const p of ['a', 'b', 'c']) await get(p);
      },
      { metrics: ['duration'], iterations: 5, warmup: 0 },
    );
    const parallel = await measure(() => Promise.all(['a', 'b', 'c'].map(get)), {
      metrics: ['duration'],
      iterations: 5,
      warmup: 0,
    });
    expect(sequential.samples.durationMs).toEqual([600, 600, 600, 600, 600]);
    expect(parallel.samples.durationMs).toEqual([300, 300, 300, 300, 300]);
    expect(realNow() - started).toBeLessThan(2_000);
  });
});

describe('degraded downstreams in real time, and over node:http', () => {
  it('delays fetch and node:http clients by the drawn latency', async () => {
    server.use(degrade(inventory, { latency: '40ms', seed: 5 }));
    const viaHttp = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get('http://inventory.test/items/1', (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    server.use(
      degrade(
        mock.get('http://inventory.test/items/:id', () => HttpResponse.json({ stock: 1 })),
        { latency: '40ms', seed: 5 },
      ),
    );
    const m = await measure(
      async () => {
        await (await fetch('https://inventory.test/items/1')).json();
        await viaHttp();
      },
      { metrics: ['duration'], iterations: 3, warmup: 0 },
    );
    expect(Math.min(...m.samples.durationMs)).toBeGreaterThanOrEqual(79);
    expect(m.events.map((e) => (e.kind === 'request' ? `${e.source} ${e.status}` : ''))).toEqual([
      'msw 200',
      'msw 200',
    ]);
  });

  it('streams a slow body: the response starts on time and ends after the body time', async () => {
    server.use(degrade(inventory, { latency: '10ms', body: '60ms', seed: 2 }));
    const m = await measure(async () => (await fetch('https://inventory.test/items/1')).json(), {
      metrics: ['duration'],
      iterations: 3,
      warmup: 0,
    });
    expect(Math.min(...m.samples.durationMs)).toBeGreaterThanOrEqual(65);
  });

  it('rejects what is not an msw handler or server', () => {
    expect(() => degrade({} as never, { latency: '1s' })).toThrow(/not an msw HTTP handler or server/);
  });
});

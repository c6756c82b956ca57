import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { record } from '../../../src/index.js';
import { growthClass, timeExponent } from '../../../src/matchers/to-scale.js';

const db = new Database(':memory:');
db.exec('CREATE TABLE lines (invoice_id INTEGER, cents INTEGER)');
for (let i = 0; i < 200; i++) db.prepare('INSERT INTO lines VALUES (?, ?)').run(i % 64, i);

type Invoice = { id: number };
const invoices = (n: number): Invoice[] => Array.from({ length: n }, (_, id) => ({ id }));

/** One query per invoice: an N+1. */
const renderOneByOne = (list: Invoice[]) =>
  list.map((inv) => db.prepare('SELECT * FROM lines WHERE invoice_id = ?').all(inv.id));
/** One query for all of them. */
const renderBatched = (list: Invoice[]) =>
  db
    .prepare(`SELECT * FROM lines WHERE invoice_id IN (${list.map(() => '?').join(',')})`)
    .all(...list.map((i) => i.id));

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected toScale to fail');
}

describe('toScale', () => {
  it('reports an N+1 as linear against constant, exactly, and passes the batched loader', async () => {
    await expect(renderBatched).toScale({ input: invoices, queries: 'constant' });
    for (let run = 0; run < 5; run++) {
      const message = await messageOf(
        expect(renderOneByOne).toScale({ input: invoices, queries: 'constant' }),
      );
      expect(message).toMatchInlineSnapshot(`
        "expect(fn).toScale(spec)

        Grows too fast on 1 of 1 metric (7 calls made).

            size                1        2        4        8       16       32       64
          ✗ queries             1        2        4        8       16       32       64   ▁▁▁▂▃▄█

          queries: grows linear; allowed constant

        Hint: queries that grow with the input are an N+1: load the items in one query (WHERE id IN (…), or a join)."
      `);
    }
    await expect(renderOneByOne).toScale({ input: invoices, queries: 'linear' });
  });

  it('draws inputs of each size from a fast-check arbitrary, seeded, keeping the worst counts', async () => {
    const ordersOfSize = (n: number) =>
      fc.array(fc.record({ id: fc.nat(63) }), { minLength: n, maxLength: n });
    await expect(renderBatched).toScale({ input: ordersOfSize, queries: 'constant', seed: 42 });
    const message = await messageOf(
      expect(renderOneByOne).toScale({
        input: ordersOfSize,
        queries: 'constant',
        samplesPerSize: 2,
        seed: 42,
      }),
    );
    expect(message).toMatch(/✗ queries +1 +2 +4 +8 +16 +32 +64/);
    expect(message).toContain(
      'inputs drawn from the fast-check arbitrary: 2 per size, the worst counts kept (seed 42)',
    );
    expect(message).toContain('(14 calls made)');
  });

  it('takes a slope, in the spirit of n_plus_one_control', async () => {
    const withHeader = (list: Invoice[]) => {
      db.prepare('SELECT 1 AS header').get();
      return renderOneByOne(list);
    };
    await expect(withHeader).toScale({ input: invoices, queries: { slope: 1 } });
    const doubled = (list: Invoice[]) => [renderOneByOne(list), renderOneByOne(list)];
    const message = await messageOf(expect(doubled).toScale({ input: invoices, queries: { slope: 1 } }));
    expect(message).toContain('queries: grows slope 2 (linear); allowed slope ≤ 1');
  });

  it('fits allocation growth: a quadratic de-duplication is caught against linear', async () => {
    const dedupeQuadratic = (xs: number[]) => xs.filter((x, i) => xs.slice(0, i).indexOf(x) === -1);
    const dedupeLinear = (xs: number[]) => [...new Set(xs)];
    const input = (n: number) => Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : i));
    const sizes = [64, 128, 256, 512, 1024, 2048];
    await expect(dedupeLinear).toScale({ input, sizes, allocated: 'linear' });
    const message = await messageOf(expect(dedupeQuadratic).toScale({ input, sizes, allocated: 'linear' }));
    expect(message).toMatch(/allocated: grows (quadratic|faster than quadratic); allowed linear/);
  });

  it('classifies exact growth', () => {
    const ns = [1, 2, 4, 8, 16, 32, 64];
    expect(
      growthClass(
        ns,
        ns.map(() => 3),
        0.5,
      ),
    ).toBe('constant');
    expect(
      growthClass(
        ns,
        ns.map((n) => Math.log2(n) + 1),
        0.5,
      ),
    ).toBe('logarithmic');
    expect(
      growthClass(
        ns,
        ns.map((n) => 2 * n + 1),
        0.5,
      ),
    ).toBe('linear');
    expect(
      growthClass(
        ns,
        ns.map((n) => n * Math.log2(n)),
        0.5,
      ),
    ).toBe('linearithmic');
    expect(
      growthClass(
        ns,
        ns.map((n) => n * n),
        0.5,
      ),
    ).toBe('quadratic');
    expect(
      growthClass(
        ns,
        ns.map((n) => 2 ** n),
        0.5,
      ),
    ).toBe('faster than quadratic');
  });

  it('rejects a spec it cannot judge, naming what is not there yet', async () => {
    await expect(
      expect(renderBatched).toScale({ input: invoices, querys: 'constant' } as never),
    ).rejects.toThrow(/Did you mean `queries`\?/);
    await expect(
      expect(renderBatched).toScale({ input: invoices, queries: 'constant', durations: 'linear' } as never),
    ).rejects.toThrow(/Did you mean `duration`\?/);
    await expect(
      expect(renderBatched).toScale({ input: invoices, queries: 'cubic' } as never),
    ).rejects.toMatchObject({
      code: 'HEADROOM_ERR_INVALID_OPTION',
    });
    await expect(expect(renderBatched).toScale({ input: invoices } as never)).rejects.toMatchObject({
      code: 'HEADROOM_ERR_EMPTY_BUDGET',
    });
  });
});

describe('toScale on time', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const input = (n: number) => Array.from({ length: n }, (_, i) => (i * 7919) % n);
  const linear = (xs: number[]) => new Set(xs).size;
  const quadratic = (xs: number[]) => {
    let c = 0;
    for (let i = 0; i < xs.length; i++) for (let j = 0; j < i; j++) if (xs[i] === xs[j]) c++;
    return c;
  };

  it('passes a linear function and catches a quadratic one (sizes 16 to 4096)', async () => {
    await expect(linear).toScale({ input, duration: 'linear', cpu: 'linear' });
    let message = '';
    try {
      await expect(quadratic).toScale({ input, duration: 'linear' });
    } catch (e) {
      message = (e as Error).message;
    }
    const k = Number(/duration: grows k = ([\d.]+)/.exec(message)?.[1]);
    expect(k).toBeGreaterThan(1.5);
    expect(message).toMatch(/✗ duration +[\d.]+ (ns|µs)/);
    expect(message).toContain('allowed linear (time ∝ n^k, k ≤ 1.5)');
  });

  it('is exact in virtual time: waits of n ms grow linearly, n²/16 quadratically', async () => {
    vi.useFakeTimers();
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const sizes = [16, 32, 64, 128, 256];
    await expect((xs: number[]) => wait(xs.length)).toScale({ input, sizes, duration: 'linear' });
    const message = await expect((xs: number[]) => wait((xs.length * xs.length) / 16))
      .toScale({ input, sizes, duration: 'linear' })
      .then(
        () => '',
        (e: Error) => e.message,
      );
    expect(message).toContain('duration: grows k = 2.00 (99% CI 2.00–2.00); allowed linear');
  });

  it('fits the exponent with an interval that covers the truth, and widens with noise', () => {
    const sizes = [16, 32, 64, 128, 256, 512, 1024];
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const noisy = (spread: number) =>
      sizes.map((n) => Array.from({ length: 15 }, () => n ** 1.5 * (1 + spread * (random() - 0.5))));
    const tight = timeExponent(sizes, noisy(0.1), 0.01);
    expect(tight.lo).toBeLessThanOrEqual(1.5);
    expect(tight.hi).toBeGreaterThanOrEqual(1.5);
    expect(tight.hi - tight.lo).toBeLessThan(0.1);
    const wide = timeExponent(sizes, noisy(1.8), 0.01);
    expect(wide.hi - wide.lo).toBeGreaterThan(tight.hi - tight.lo);
  });
});

describe('toScale over concurrency', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** A downstream call of 5 ms. */
  const downstream = () => sleep(5);

  /** A minimal mutex: callers wait their turn. */
  function mutex() {
    let tail: Promise<void> = Promise.resolve();
    return async <T>(work: () => Promise<T>): Promise<T> => {
      const previous = tail;
      let release = () => {};
      tail = new Promise<void>((resolve) => {
        release = resolve;
      });
      await previous;
      try {
        return await work();
      } finally {
        release();
      }
    };
  }

  it('catches a handler serialized behind a mutex, and passes the same handler without it', async () => {
    const lock = mutex();
    const contended = () => lock(downstream);
    const free = () => downstream();
    await expect(free).toScale({ concurrency: [1, 4, 16, 64], duration: 'constant' });
    let message = '';
    try {
      await expect(contended).toScale({ concurrency: [1, 4, 16, 64], duration: 'constant' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Per-call latency grows too fast with concurrency');
    const k = Number(/duration: grows k = ([\d.]+)/.exec(message)?.[1]);
    expect(k).toBeGreaterThan(0.6);
    expect(message).toContain('Hint: calls wait for each other');
  });

  it('names where calls waited: queued I/O, or the event loop', async () => {
    const lock = mutex();
    // A downstream that serves one call at a time: each call's request waits its turn.
    const queued = async () => {
      const op = record({ kind: 'custom', name: 'inventory.reserve' });
      await lock(downstream);
      op.end();
    };
    const io = await messageOf(expect(queued).toScale({ concurrency: [1, 4, 16, 64], duration: 'constant' }));
    expect(io).toMatch(
      /Queued I\/O: the calls' queries and requests took [\d.]+ ms \(median\) at concurrency 1 and [\d.]+ ms at 64/,
    );
    const realNow = performance.now.bind(performance);
    // A synchronous section: every call's 3 ms of CPU work runs one after another.
    const synchronous = async () => {
      const t = realNow();
      while (realNow() - t < 3) {}
    };
    const loop = await messageOf(
      expect(synchronous).toScale({ concurrency: [1, 4, 16, 64], duration: 'constant' }),
    );
    expect(loop).toMatch(/Event loop: blocked for up to [\d.]+ ms at a time/);
  });

  it('rejects what it cannot judge over concurrency', async () => {
    await expect(expect(() => 1).toScale({ concurrency: [1, 8], duration: 'constant' })).rejects.toThrow(
      /at least 3 levels/,
    );
    await expect(
      expect(() => 1).toScale({ concurrency: [1, 8, 64], queries: 'constant' } as never),
    ).rejects.toThrow(/judge only `duration` over concurrency/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { measure, record } from '../../../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const query = (statement: string) => record({ kind: 'query', system: 'sqlite', statement }).end();

describe('attribution', () => {
  let poller: NodeJS.Timeout | undefined;
  afterEach(() => clearInterval(poller));

  it('counts events of the call, across awaits, timers and callbacks', async () => {
    const m = await measure(
      async () => {
        query('select 1');
        await sleep(1);
        query('select 2');
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            query('select 3');
            resolve();
          }),
        );
        process.nextTick(() => query('select 4'));
        await sleep(1);
      },
      { metrics: [] },
    );
    expect(m.events.map((e) => (e.kind === 'query' ? e.statement : ''))).toEqual([
      'select 1',
      'select 2',
      'select 3',
      'select 4',
    ]);
    expect(m.events[0]?.callSite).toMatch(/attribution\.test\.ts:\d+:\d+$/);
  });

  it('lists work that belongs to no measurement as outside the call, and counts it only with window attribution', async () => {
    poller = setInterval(() => query('select * from jobs'), 1);
    const work = async () => {
      query('select * from orders');
      await sleep(30);
    };
    const byContext = await measure(work, { metrics: [] });
    expect(byContext.events).toHaveLength(1);
    // The poller ticks at least once in 30 ms, however loaded the machine.
    expect(byContext.outside.length).toBeGreaterThanOrEqual(1);
    expect(byContext.outside.every((e) => e.kind === 'query' && e.statement === 'select * from jobs')).toBe(
      true,
    );

    const byWindow = await measure(work, { metrics: [], attribution: 'window' });
    const polled = byWindow.events.filter((e) => e.kind === 'query' && e.statement === 'select * from jobs');
    expect(polled.length).toBeGreaterThanOrEqual(1);
    expect(byWindow.events).toHaveLength(polled.length + 1);
    expect(byWindow.outside).toHaveLength(0);
  });

  it('gives each of 100 concurrent measurements exactly its own events', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        measure(
          async () => {
            for (let k = 0; k < i % 7; k++) {
              await sleep(Math.floor(Math.random() * 3));
              query(`select ${i}`);
            }
          },
          { metrics: [] },
        ),
      ),
    );
    results.forEach((m, i) => {
      expect(m.events).toHaveLength(i % 7);
      expect(m.events.every((e) => e.kind === 'query' && e.statement === `select ${i}`)).toBe(true);
      expect(m.outside).toHaveLength(0);
    });
  });

  it('does not count fire-and-forget work that runs after the call settled', async () => {
    const m = await measure(
      () => {
        query('select now');
        setTimeout(() => query('select later'), 5);
      },
      { metrics: [] },
    );
    await sleep(15);
    expect(m.events).toHaveLength(1);
  });

  it('costs nothing when no measurement runs', () => {
    const handle = record({ kind: 'custom', name: 'noop' });
    expect(handle.end).toBeTypeOf('function');
    handle.end();
  });
});

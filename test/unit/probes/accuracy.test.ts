import { describe, expect, it } from 'vitest';
import { measure } from '../../../src/index.js';
import { median } from '../../../src/stats/quantiles.js';

const realNow = performance.now.bind(performance);
const busy = (ms: number) => {
  const t = realNow();
  while (realNow() - t < ms) {}
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('allocated: against a known allocation', () => {
  // 10,000 arrays of 100 doubles: each a JSArray (32 B) and a FixedDoubleArray (16 B + 800 B) on
  // 64-bit V8 without pointer compression (Node's default build).
  const EXPECTED = 10_000 * (32 + 16 + 800);

  it('measures 10,000 arrays of 100 doubles within ±3% of 8.48 MB', async () => {
    let keep: number[] = [];
    const m = await measure(
      () => {
        for (let i = 0; i < 10_000; i++) {
          const a = new Array<number>(100);
          for (let j = 0; j < 100; j++) a[j] = j + 0.5;
          keep = a;
        }
        return keep.length;
      },
      { metrics: ['allocated'] },
    );
    const measured = median(m.samples.allocatedBytes);
    expect(Math.abs(measured - EXPECTED) / EXPECTED).toBeLessThan(0.03);
  });

  it('measures a loop that allocates nothing under 64 kB', async () => {
    const m = await measure(
      () => {
        let s = 0;
        for (let i = 0; i < 100_000; i++) s = (s + i) | 0;
        return s;
      },
      { metrics: ['allocated'] },
    );
    expect(median(m.samples.allocatedBytes)).toBeLessThan(64_000);
  });

  it('is not broken by garbage collections inside the window', async () => {
    // 40 MB of short-lived arrays (500 doubles: 32 + 16 + 4,000 B each) cannot fit in the young
    // generation (16 MB semi-spaces at most by default), so scavenges run during the call; the
    // bytes they free are added back.
    const m = await measure(
      () => {
        let last: number[] = [];
        for (let i = 0; i < 10_000; i++) {
          const a = new Array<number>(500);
          for (let j = 0; j < 500; j++) a[j] = j + 0.5;
          last = a;
        }
        return last.length;
      },
      { metrics: ['allocated'] },
    );
    const expected = 10_000 * (32 + 16 + 4_000);
    expect(Math.abs(median(m.samples.allocatedBytes) - expected) / expected).toBeLessThan(0.03);
  });

  it('counts the JS heap only: ArrayBuffer and Buffer contents live outside it', async () => {
    const m = await measure(() => new Float64Array(1_000_000).length, { metrics: ['allocated'] });
    expect(median(m.samples.allocatedBytes)).toBeLessThan(64_000);
  });
});

// eventLoopBlock is judged on the least of its calls (preemption on a loaded machine only adds to
// a block): these checks read it the same way.
const least = (values: number[]) => Math.min(...values);

describe('eventLoopBlock: against known busy loops', () => {
  it('measures a 40 ms busy loop between awaits at 38–50 ms', async () => {
    const m = await measure(
      async () => {
        await sleep(1);
        busy(40);
        await sleep(1);
      },
      { metrics: ['eventLoopBlock'] },
    );
    const block = least(m.samples.eventLoopBlockMs);
    expect(block).toBeGreaterThanOrEqual(38);
    expect(block).toBeLessThanOrEqual(50);
  });

  it('measures a synchronous function directly', async () => {
    const m = await measure(() => busy(25), { metrics: ['eventLoopBlock'] });
    const block = least(m.samples.eventLoopBlockMs);
    expect(block).toBeGreaterThanOrEqual(24.9);
    expect(block).toBeLessThanOrEqual(45);
  });

  it('sees a block in a timer callback the call scheduled', async () => {
    const m = await measure(
      () =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            busy(30);
            resolve();
          }, 2);
        }),
      { metrics: ['eventLoopBlock'] },
    );
    const block = least(m.samples.eventLoopBlockMs);
    expect(block).toBeGreaterThanOrEqual(28);
    expect(block).toBeLessThanOrEqual(50);
  });

  it('reports an idle async call as not blocking', async () => {
    const m = await measure(() => sleep(5), { metrics: ['eventLoopBlock'] });
    expect(least(m.samples.eventLoopBlockMs)).toBeLessThan(5);
  });
});

describe('retained: leaks against one-off caches', () => {
  it('catches a function that keeps 1 kB per call', async () => {
    const leak: unknown[] = [];
    const m = await measure(() => void leak.push(new Array(128).fill(leak.length)), {
      metrics: ['retained'],
    });
    // 128 SMIs: 32 B JSArray + 16 B header + 1,024 B elements, plus the growing outer array.
    expect(m.retained?.bytesPerCall).toBeGreaterThan(1_000);
    expect(m.retained?.bytesPerCall).toBeLessThan(1_300);
  });

  it('does not blame a one-off cache filled on the first call', async () => {
    const cache = new Map<string, number[]>();
    const m = await measure(
      () => {
        if (!cache.has('all')) cache.set('all', new Array(200_000).fill(1));
        return cache.get('all')?.length;
      },
      { metrics: ['retained'] },
    );
    expect(m.retained?.bytesPerCall).toBeLessThan(64);
  });
});

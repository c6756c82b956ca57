import { afterEach, describe, expect, it, vi } from 'vitest';

const realNow = performance.now.bind(performance);
const busy = (ms: number) => {
  const t = realNow();
  while (realNow() - t < ms) {}
};

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the comparison to fail');
}

describe('toBeFasterThan', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('passes when the interval of the paired ratio is above `by`', async () => {
    await expect(() => busy(1)).toBeFasterThan(() => busy(5), { by: 2 });
  });

  it('fails when the whole interval is below `by`, and says by how much', async () => {
    // Equal functions against by: 4 — far enough that a loaded machine's noise cannot reach it.
    const message = await messageOf(expect(() => busy(2)).toBeFasterThan(() => busy(2), { by: 4 }));
    expect(message).toContain('Expected fn to be 4.00× faster than the other, but it is not.');
    expect(message).toMatch(
      /fn is [01]\.\d\d× faster \(99% CI [\d.]+×–[\d.]+×, \d+ interleaved pairs\); required 4\.00×/,
    );
  });

  it('reads correctly under .not', async () => {
    await expect(() => busy(2)).not.toBeFasterThan(() => busy(2), { by: 4 });
  });

  it('compares allocations with metric: allocated', async () => {
    const small = () => new Array(1_000).fill(1).length;
    const large = () => new Array(100_000).fill(1).length;
    await expect(small).toBeFasterThan(large, { metric: 'allocated', by: 10 });
    const message = await messageOf(expect(large).toBeFasterThan(small, { metric: 'allocated' }));
    expect(message).toContain('Expected fn to be 1.00× leaner than the other, but it is not.');
    expect(message).toMatch(/fn +[\d.]+ (kB|MB) \(median allocated\)/);
  });

  it('is exact in virtual time: 100 ms against 300 ms is 3×', async () => {
    vi.useFakeTimers();
    const wait = (ms: number) => () => new Promise((resolve) => setTimeout(resolve, ms));
    await expect(wait(100)).toBeFasterThan(wait(300), { by: 2.9 });
    const message = await messageOf(expect(wait(100)).toBeFasterThan(wait(300), { by: 3.1 }));
    expect(message).toMatch(/fn is 3\.00× faster \(99% CI 3\.00×–3\.00×/);
  });

  it('reports an undecidable comparison as inconclusive', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let i = 0;
    // Each function alternates between instant and 10 ms: their paired ratios are 1/∞, 1, ∞…
    const a = () => busy(i++ % 2 ? 10 : 0);
    let j = 1;
    const b = () => busy(j++ % 2 ? 10 : 0);
    await expect(a).toBeFasterThan(b, { maxTime: '200ms' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('toBeFasterThan inconclusive within maxTime'));
    const message = await messageOf(expect(a).toBeFasterThan(b, { maxTime: '200ms', inconclusive: 'fail' }));
    expect(message).toContain('Undecided within maxTime 200 ms');
  });

  it('throws typed errors for misuse', async () => {
    await expect(expect(() => 1).toBeFasterThan(42 as never)).rejects.toMatchObject({
      code: 'HEADROOM_ERR_NOT_A_FUNCTION',
    });
    await expect(expect(() => 1).toBeFasterThan(() => 2, { by: 0 })).rejects.toMatchObject({
      code: 'HEADROOM_ERR_INVALID_OPTION',
    });
    await expect(expect(() => 1).toBeFasterThan(() => 2, { metric: 'queries' as never })).rejects.toThrow(
      /'duration', 'cpu' or 'allocated'/,
    );
  });
});

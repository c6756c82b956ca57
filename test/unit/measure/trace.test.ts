import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { trace } from '../../../src/index.js';

const realNow = performance.now.bind(performance);
const busy = (ms: number) => {
  const t = realNow();
  while (realNow() - t < ms) {}
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const db = new Database(':memory:');

async function checkout() {
  db.prepare('SELECT 1 AS cart').get();
  await sleep(3);
  busy(8);
  await Promise.all([sleep(2).then(() => db.prepare('SELECT 2 AS stock').get()), sleep(2)]);
  db.prepare('SELECT 3 AS total').get();
}

describe('trace', () => {
  it('returns the timeline of one call: queries, blocks and the chain of round trips', async () => {
    const t = await trace(checkout);
    expect(t.events.map((e) => (e.kind === 'query' ? e.statement : e.kind))).toEqual([
      'SELECT 1 AS cart',
      'SELECT 2 AS stock',
      'SELECT 3 AS total',
    ]);
    expect(t.roundTrips).toHaveLength(3);
    expect(t.events[0]?.callSite).toMatch(/trace\.test\.ts:\d+:\d+$/);
    expect(t.blocks.some((b) => b.where === 'promise continuation' && b.durationMs >= 7.5)).toBe(true);
    expect(t.durationMs).toBeGreaterThanOrEqual(13);
  });

  it('prints a text waterfall', async () => {
    const text = String(await trace(checkout));
    const head =
      /^trace: [\d.]+ (ms|s), 3 queries, 0 requests, 3 round trips in the longest chain, longest block ([\d.]+) ms$/.exec(
        text.split('\n')[0] ?? '',
      );
    // An 8 ms busy loop: 8 ms or more (more on a loaded machine).
    expect(Number(head?.[2])).toBeGreaterThanOrEqual(7.9);
    expect(text).toMatch(/\|[ █]+\| {2}SELECT \? AS cart +at test\/unit\/measure\/trace\.test\.ts:\d+:\d+/);
    expect(text).toMatch(/\[blocked\] promise continuation/);
  });

  it('exports Chrome trace JSON that loads back with every event', async () => {
    const t = await trace(checkout);
    const file = join(mkdtempSync(join(tmpdir(), 'headroom-')), 'checkout.trace.json');
    writeFileSync(file, JSON.stringify(t.toChromeTrace()));
    const loaded = JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof t.toChromeTrace>;
    expect(loaded.displayTimeUnit).toBe('ms');
    const complete = loaded.traceEvents.filter((e) => e.ph === 'X');
    expect(complete.filter((e) => e.cat === 'query').map((e) => e.args?.statement)).toEqual([
      'SELECT ? AS cart',
      'SELECT ? AS stock',
      'SELECT ? AS total',
    ]);
    expect(complete.some((e) => e.cat === 'block' && (e.dur ?? 0) >= 7_500)).toBe(true);
    const call = complete.find((e) => e.cat === 'call');
    for (const e of complete) {
      expect(e.ts).toBeGreaterThanOrEqual(0);
      expect(e.ts + (e.dur ?? 0)).toBeLessThanOrEqual((call?.dur ?? 0) + 1);
    }
    const names = loaded.traceEvents.filter((e) => e.ph === 'M').map((e) => e.args?.name);
    expect(names).toEqual(['call', 'event loop blocks', 'queries', 'requests', 'custom events']);
  });

  it('puts the call, its events and its blocks on the fake clock under fake timers', async () => {
    vi.useFakeTimers();
    try {
      const t = await trace(async () => {
        db.prepare('SELECT 1 AS a').get();
        await sleep(100);
        busy(3);
        db.prepare('SELECT 2 AS b').get();
      });
      expect(t.durationMs).toBe(100);
      const offsets = t.events.map((e) => e.startMs - t.startMs);
      expect(offsets).toEqual([0, 100]);
      const chrome = t.toChromeTrace().traceEvents.filter((e) => e.ph === 'X');
      for (const e of chrome) expect(e.ts).toBeLessThanOrEqual(101_000);
      expect(String(t).split('\n')[0]).toMatch(/^trace: 100 ms, 2 queries/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('still returns the timeline when the call throws', async () => {
    const t = await trace(async () => {
      db.prepare('SELECT 1').get();
      throw new Error('payment declined');
    });
    expect(t.events).toHaveLength(1);
    expect((t.error as Error).message).toBe('payment declined');
    expect(String(t)).toContain('threw: payment declined');
  });
});

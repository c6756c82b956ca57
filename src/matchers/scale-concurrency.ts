/**
 * `toScale` over concurrency: at each level, that many calls start at once; per-call latency is
 * judged like time growth, and the message names where calls waited when the evidence shows it.
 */
import type { ParsedOptions } from '../budget/parse.js';
import { formatMs } from '../format/units.js';
import { now } from '../measure/clock.js';
import { CallScope, callInScope, closeScope } from '../measure/scope.js';
import { fakeClock, settleWithClock } from '../measure/virtual-time.js';
import { EventLoopProbe } from '../probes/event-loop.js';
import { type GrowthClass, medianOf, sparkline, TIME_EXPONENT, timeExponent } from '../stats/growth.js';
import type { VerdictStatus } from '../types.js';
import { holds, type MatcherContext, type MatcherResult } from './context.js';
import type { ScaleSpec } from './to-scale.js';

interface Round {
  latencies: number[];
  /** How long each query, request or custom I/O event of the round took, in milliseconds. */
  io: number[];
  /** The longest event-loop block during the round, in milliseconds. */
  blockMs: number;
}

async function concurrentRound(call: () => unknown, level: number, loop: EventLoopProbe): Promise<Round> {
  const clock = fakeClock();
  const stamp = () => (clock ? clock.now : now());
  await loop.start();
  const started = stamp();
  const latencies: number[] = new Array(level).fill(0);
  const io: number[] = [];
  const all = Promise.all(
    Array.from({ length: level }, async (_, i) => {
      const scope = new CallScope('context');
      try {
        await callInScope(scope, call);
      } finally {
        closeScope(scope);
        latencies[i] = stamp() - started;
        for (const e of scope.events) if (e.endMs !== undefined) io.push(e.endMs - e.startMs);
      }
    }),
  );
  if (clock) await settleWithClock(all, clock, 30_000);
  await all;
  return { latencies, io, blockMs: await loop.stop(0, true) };
}

/** Where calls waited, when the evidence shows it: queued I/O, or the event loop. */
function whereCallsWaited(
  levels: number[],
  io: number[][],
  blocks: number[],
  latencies: number[][],
): string[] {
  const out: string[] = [];
  const first = io[0] ?? [];
  const last = io[io.length - 1] ?? [];
  if (first.length && last.length) {
    const from = medianOf(first);
    const to = medianOf(last);
    if (to > 3 * from && to - from > 1) {
      out.push(
        `Queued I/O: the calls' queries and requests took ${formatMs(from)} (median) at concurrency ${levels[0]} and ` +
          `${formatMs(to)} at ${levels[levels.length - 1]}: they wait for a connection or a downstream that serves one at a time.`,
      );
    }
  }
  // A block explains the wait only if it is long next to the wait itself: a 5 ms hiccup of a busy
  // machine under a 160 ms queue for a lock is noise, a 190 ms stretch under a 100 ms median is not.
  const worst = blocks[blocks.length - 1] ?? 0;
  const waited = medianOf(latencies[latencies.length - 1] ?? []);
  if (worst >= 5 && worst >= waited / 2) {
    out.push(
      `Event loop: blocked for up to ${formatMs(worst)} at a time: synchronous work runs one call at a time, whatever the concurrency.`,
    );
  }
  return out;
}

export async function concurrencyScale(
  this: MatcherContext,
  fn: (input: unknown) => unknown,
  spec: ScaleSpec,
  opts: ParsedOptions,
): Promise<MatcherResult> {
  const levels = [...(spec.concurrency as readonly number[])];
  const limit = spec.duration as GrowthClass;
  const input = spec.input?.(1);
  const call = () => fn(input);
  // Warm up, then rounds at every level until each has enough calls or its share of maxTime.
  const loop = new EventLoopProbe();
  loop.enable();
  const samples: number[][] = levels.map(() => []);
  const io: number[][] = levels.map(() => []);
  const blocks: number[] = levels.map(() => 0);
  let calls = 0;
  try {
    await concurrentRound(call, Math.min(4, Math.max(...levels)), loop);
    const share = opts.maxTimeMs / levels.length;
    for (const [i, level] of levels.entries()) {
      const until = now() + share;
      do {
        const round = await concurrentRound(call, level, loop);
        (samples[i] as number[]).push(...round.latencies);
        (io[i] as number[]).push(...round.io);
        blocks[i] = Math.max(blocks[i] as number, round.blockMs);
        calls += level;
      } while ((samples[i] as number[]).length < 30 && now() < until);
    }
  } finally {
    loop.disable();
  }
  const evidence = whereCallsWaited(levels, io, blocks, samples);
  const exponent = timeExponent(levels, samples, 1 - opts.confidence);
  const band = TIME_EXPONENT[limit];
  const status: VerdictStatus = exponent.hi <= band ? 'pass' : exponent.lo > band ? 'fail' : 'inconclusive';
  const pass = holds(status, opts.inconclusive);
  const medians = samples.map(medianOf);
  const isNot = this.isNot ?? false;
  return {
    pass,
    message: () =>
      [
        `expect(fn)${isNot ? '.not' : ''}.toScale(spec)`,
        '',
        status === 'fail'
          ? `Per-call latency grows too fast with concurrency (${calls} calls made).`
          : status === 'inconclusive'
            ? `Growth with concurrency undecided (${calls} calls made).`
            : `Per-call latency held its growth with concurrency (${calls} calls made).`,
        '',
        `    ${'concurrency'.padEnd(12)}${levels.map((n) => String(n).padStart(9)).join('')}`,
        `  ${status === 'pass' ? '✓' : status === 'fail' ? '✗' : '?'} ${'duration'.padEnd(12)}${medians.map((v) => formatMs(v).padStart(9)).join('')}   ${sparkline(medians)}`,
        '',
        `  duration: grows k = ${exponent.k.toFixed(2)} (${Math.round(opts.confidence * 100)}% CI ${exponent.lo.toFixed(2)}–${exponent.hi.toFixed(2)}); allowed ${limit} (latency ∝ concurrency^k, k ≤ ${band})`,
        ...(status === 'fail' && evidence.length ? ['', ...evidence] : []),
        ...(status === 'fail'
          ? [
              '',
              'Hint: calls wait for each other: a lock or mutex around slow work, a connection pool of one, or a synchronous section. Narrow the critical section, or raise the pool size.',
            ]
          : []),
      ].join('\n'),
  };
}

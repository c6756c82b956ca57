import v8 from 'node:v8';
import vm from 'node:vm';
import { HeadroomError } from '../errors.js';
import { now } from '../measure/clock.js';
import { theilSenSlope } from '../stats/quantiles.js';
import type { RetainedResult } from '../types.js';

let cachedGc: (() => void) | undefined;

/**
 * A function that runs a full garbage collection: `globalThis.gc` when Node runs with
 * `--expose-gc`, otherwise one obtained at run time (`--expose-gc` set through `v8`, then `gc`
 * taken from a fresh context), which works inside vitest and jest workers.
 */
export function getGc(): () => void {
  if (cachedGc) return cachedGc;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') {
    cachedGc = existing;
    return existing;
  }
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    if (typeof gc !== 'function') throw new Error('gc is not a function');
    cachedGc = gc as () => void;
    return cachedGc;
  } catch (cause) {
    throw new HeadroomError(
      'HEADROOM_ERR_NO_GC',
      'Failed to measure `retained`: a full garbage collection could not be triggered. ' +
        'Please run Node with --expose-gc (e.g. NODE_OPTIONS=--expose-gc).',
      { cause },
    );
  }
}

/**
 * A minor collection (scavenge), when a GC function can be had. Emptying the young generation
 * before an allocation window keeps scavenges out of it for calls that allocate less than a
 * semi-space; GCProfiler's accounting of a scavenge inside the window was seen to over-read by up
 * to a semi-space (about 1 MB) early in a process.
 */
export function emptyYoungGeneration(): void {
  let gc: ((options?: { type: 'minor' | 'major' }) => void) | undefined;
  try {
    gc = getGc() as typeof gc;
  } catch {
    return;
  }
  gc?.({ type: 'minor' });
}

/** Two full collections (the second catches what finalizers of the first released). */
export function fullGc(): number {
  const gc = getGc();
  gc();
  gc();
  return v8.getHeapStatistics().used_heap_size;
}

/** How the retained probe calls the function. */
export interface RetainedPlan {
  /** Calls before the first round, to fill one-off caches and let the JIT settle. @defaultValue 3 */
  warmupCalls?: number;
  /** Rounds after the baseline, each ending in a full GC. @defaultValue 6 */
  rounds?: number;
  /**
   * Calls per round. @defaultValue `'auto'`: enough calls for about 50 ms a round, from 10 to 1000,
   * so that heap noise (a few kB between GCs) shrinks to a few bytes per call for fast functions.
   */
  callsPerRound?: number | 'auto';
}

/** Suffix minima: a transient spike disappears (a later round is lower), steady growth stays. */
function lowerEnvelope(values: readonly number[]): number[] {
  const out = [...values];
  for (let i = out.length - 2; i >= 0; i--) out[i] = Math.min(out[i] as number, out[i + 1] as number);
  return out;
}

/**
 * Heap bytes retained per call. After warm-up calls (which fill one-off caches), the heap is
 * read after full GCs at the end of each round of calls; the Theil–Sen slope of the heap's lower
 * envelope against calls made is the bytes each call leaves behind. A one-off cache filled in one
 * round, or a transient spike, does not move a median of pairwise slopes; steady growth does.
 */
export async function measureRetained(
  call: () => Promise<void>,
  plan: RetainedPlan = {},
): Promise<RetainedResult> {
  const warmupCalls = plan.warmupCalls ?? 3;
  const rounds = plan.rounds ?? 6;
  const warmStart = now();
  for (let i = 0; i < warmupCalls; i++) await call();
  const perCallMs = (now() - warmStart) / Math.max(1, warmupCalls);
  const auto = plan.callsPerRound === undefined || plan.callsPerRound === 'auto';
  const sized = (ms: number) => Math.min(1000, Math.max(10, Math.round(50 / Math.max(ms, 1e-3))));
  // Sized from the warm-up calls (cold, so slow), then again from each round's own calls.
  let perRound = auto ? sized(perCallMs) : (plan.callsPerRound as number);
  const points: { calls: number; heapBytes: number }[] = [{ calls: 0, heapBytes: fullGc() }];
  let calls = 0;
  for (let r = 0; r < rounds; r++) {
    const roundStart = now();
    for (let i = 0; i < perRound; i++) await call();
    calls += perRound;
    const roundMs = now() - roundStart;
    points.push({ calls, heapBytes: fullGc() });
    if (auto) perRound = sized(roundMs / perRound);
  }
  const slope = theilSenSlope(
    points.map((p) => p.calls),
    lowerEnvelope(points.map((p) => p.heapBytes)),
  );
  return { bytesPerCall: Math.max(0, slope), rounds: points, warmupCalls };
}

// Functions with a known, stable cost for the bench.
import { readFile } from 'node:fs/promises';
import { now } from './util.mjs';

let sink = 0;
/** Keeps results observable so that V8 cannot drop the work. */
export function consume(x) {
  sink ^= x | 0;
  return sink;
}

/** A CPU loop of `n` iterations (integer arithmetic, no allocation). */
export function cpuLoop(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i * 31) % 1000003;
  return s;
}

/**
 * Iterations of `cpuLoop` that take `ms` milliseconds here, unloaded (median of several tries
 * after a warm-up, so that the JIT has settled).
 */
export function calibrateLoop(ms) {
  let n = 10_000;
  for (;;) {
    const t = now();
    consume(cpuLoop(n));
    const d = now() - t;
    if (d > 20) break;
    n *= 2;
  }
  const perMs = [];
  for (let i = 0; i < 15; i++) {
    const t = now();
    consume(cpuLoop(n));
    perMs.push(n / (now() - t));
  }
  perMs.sort((a, b) => a - b);
  return Math.max(1, Math.round(perMs[perMs.length >> 1] * ms));
}

/** The wall time the last `spin()` actually took (more than asked if the process was descheduled). */
export const lastSpin = { ms: 0 };

/** Busy-waits for `ms` of wall time (blocks the event loop). */
export function spin(ms) {
  const start = now();
  const end = start + ms;
  let x = 0;
  let t = start;
  while (t < end) {
    x++;
    t = now();
  }
  lastSpin.ms = t - start;
  return consume(x);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The two functions of the flakiness part. */
export function flakeWorkloads(itersPerMs) {
  const cpu1ms = Math.round(itersPerMs);
  const cpuHalf = Math.round(itersPerMs * 0.5);
  return [
    {
      name: 'cpu-1ms',
      describe: `sync CPU loop, ${cpu1ms} iterations (calibrated to ~1 ms at start)`,
      fn: () => {
        consume(cpuLoop(cpu1ms));
      },
    },
    {
      name: 'timer-2ms+cpu',
      describe: `async: await setTimeout(2 ms), then CPU loop ~0.5 ms (${cpuHalf} iterations)`,
      fn: async () => {
        await sleep(2);
        consume(cpuLoop(cpuHalf));
      },
    },
  ];
}

/** Allocates 10,000 arrays of 100 doubles (JSArray 32 B + FixedDoubleArray 16 B + 800 B each). */
export function allocDoubles() {
  let keep;
  for (let i = 0; i < 10_000; i++) {
    const a = new Array(100);
    for (let j = 0; j < 100; j++) a[j] = j + 0.5;
    keep = a;
  }
  return consume(keep.length);
}
export const ALLOC_DOUBLES_EXPECTED = 10_000 * (32 + 16 + 800);

/** A loop that allocates nothing (~1 ms). */
export function allocNothing(iters) {
  return () => consume(cpuLoop(iters));
}

/** Blocks for 40 ms in the macrotask that resumes after `await setImmediate` (check phase). */
export async function block40AfterImmediate() {
  await new Promise((resolve) => setImmediate(resolve));
  spin(40);
}

/** Blocks for 40 ms after awaiting a small file read (an I/O callback, like a query result). */
export async function block40AfterRead() {
  await readFile(import.meta.filename ?? new URL(import.meta.url));
  spin(40);
}

/** Blocks the event loop for 40 ms in a macrotask between two awaits. */
export async function block40BetweenAwaits() {
  await sleep(1);
  spin(40);
  await sleep(1);
}

/** Blocks for 40 ms synchronously (the call's synchronous part). */
export function block40Sync() {
  spin(40);
}

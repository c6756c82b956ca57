import { closeSync, openSync, readSync } from 'node:fs';
import { processWide } from '../measure/scope.js';

/**
 * Time the current thread spent ready to run but waiting for a CPU (Linux's `run_delay` in
 * /proc/thread-self/schedstat), in milliseconds. On a shared, oversubscribed machine this is the
 * part of a call's wall time that belongs to the machine, not to the code: `duration` verdicts
 * fail only if they still fail without it. About 3–6 µs a reading; unavailable elsewhere.
 */
const FD = Symbol.for('headroom.schedstat.fd');
const buffer = Buffer.alloc(128);

function fd(): number | undefined {
  // One descriptor per thread: /proc/thread-self resolves to the thread that opens it, and the
  // store is per isolate (each worker thread has its own).
  const cached = processWide[FD] as number | null | undefined;
  if (cached !== undefined) return cached ?? undefined;
  let opened: number | null = null;
  try {
    opened = openSync('/proc/thread-self/schedstat', 'r');
    if (read(opened) === undefined) {
      closeSync(opened);
      opened = null;
    }
  } catch {
    opened = null;
  }
  processWide[FD] = opened;
  return opened ?? undefined;
}

function read(descriptor: number): number | undefined {
  const n = readSync(descriptor, buffer, 0, buffer.length, 0);
  const fields = buffer.toString('latin1', 0, n).trim().split(' ');
  const delay = Number(fields[1]);
  return Number.isFinite(delay) ? delay / 1e6 : undefined;
}

/** True where CPU wait can be read (Linux). */
export function cpuWaitAvailable(): boolean {
  return fd() !== undefined;
}

export const cpuWaitProbe = {
  /** The thread's cumulative CPU wait so far, in milliseconds (0 where unavailable). */
  start(): number {
    const descriptor = fd();
    return descriptor === undefined ? 0 : (read(descriptor) ?? 0);
  },
  /** CPU wait since `start()`, in milliseconds. */
  stop(token: number): number {
    const descriptor = fd();
    if (descriptor === undefined) return 0;
    return Math.max(0, (read(descriptor) ?? token) - token);
  },
};

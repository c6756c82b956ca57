import { createHook } from 'node:async_hooks';
import { now } from '../measure/clock.js';
import { userFrame } from '../measure/recorder.js';
import { runtime } from '../measure/scope.js';

/** The longest stretch of synchronous work found on an explaining re-run. */
export interface BlockFinding {
  durationMs: number;
  /** What ran: the function's synchronous part, or a callback of some async resource type. */
  where: string;
  /** Where that callback was scheduled, user frames first (`file:line:column`). */
  stack: string[];
}

type Holder = { stack?: string };

function frames(holder: Holder | undefined): string[] {
  const out: string[] = [];
  const lines = holder?.stack?.split('\n') ?? [];
  for (let i = 1; i < lines.length; i++) {
    const frame = userFrame(`x\n${lines[i]}`);
    if (frame && !out.includes(frame)) out.push(frame);
  }
  return out;
}

const ARTICLE: Record<string, string> = {
  PROMISE: 'a promise continuation (code after an await or in .then)',
  Timeout: 'a timer callback (setTimeout/setInterval)',
  Immediate: 'a setImmediate callback',
  TickObject: 'a process.nextTick callback',
};

/**
 * Re-runs one call with async_hooks timing every callback that runs in the call's async context
 * (costly: a rich probe, used only to explain a failed `eventLoopBlock`). Returns the longest one,
 * with the stack where it was scheduled, or the synchronous part of the function if that was
 * longer.
 */
export async function explainBlock(call: () => Promise<{ syncMs: number }>): Promise<BlockFinding> {
  const scheduled = new Map<number, { type: string; holder: Holder }>();
  const entered = new Map<number, number>();
  let longest: { id: number; ms: number } = { id: -1, ms: -1 };
  const hook = createHook({
    init(id, type) {
      if (runtime.als.getStore() === undefined) return;
      const holder: Holder = {};
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 30;
      Error.captureStackTrace(holder);
      Error.stackTraceLimit = limit;
      scheduled.set(id, { type, holder });
    },
    before(id) {
      if (scheduled.has(id)) entered.set(id, now());
    },
    after(id) {
      const t = entered.get(id);
      if (t === undefined) return;
      entered.delete(id);
      const ms = now() - t;
      if (ms > longest.ms) longest = { id, ms };
    },
  });
  hook.enable();
  let syncMs = 0;
  try {
    ({ syncMs } = await call());
  } finally {
    hook.disable();
  }
  const found = scheduled.get(longest.id);
  if (!found || syncMs >= longest.ms) {
    return {
      durationMs: syncMs,
      where: 'the synchronous part of the function (before its first await)',
      stack: [],
    };
  }
  return {
    durationMs: longest.ms,
    where: ARTICLE[found.type] ?? `a ${found.type} callback`,
    stack: frames(found.holder),
  };
}

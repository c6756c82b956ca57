import type { EventInput, Measurement, RecordedEvent } from '../../src/types.js';

/** A measurement built by hand, for judging and formatting tests with exact numbers. */
export function measurementOf(partial: Partial<Measurement> = {}): Measurement {
  return {
    kind: 'headroom.measurement',
    metrics: ['queries', 'requests', 'duration', 'cpu', 'eventLoopBlock', 'allocated'],
    calls: 1,
    warmupCalls: 0,
    samples: { durationMs: [], cpuMs: [], eventLoopBlockMs: [], allocatedBytes: [] },
    stats: {},
    events: [],
    outside: [],
    attribution: 'context',
    elapsedMs: 1,
    confidence: 0.99,
    sequential: false,
    ...partial,
  };
}

let id = 0;
/** An event with explicit timing (milliseconds) and call site. */
export function eventOf(
  input: EventInput,
  startMs: number,
  endMs?: number,
  callSite?: string,
): RecordedEvent {
  const e: RecordedEvent = { ...input, id: ++id, startMs };
  if (endMs !== undefined) e.endMs = endMs;
  if (callSite !== undefined) e.callSite = callSite;
  return e;
}

export const q = (statement: string, startMs = 0, endMs = startMs + 1, callSite?: string) =>
  eventOf({ kind: 'query', system: 'sqlite', statement }, startMs, endMs, callSite);

export const req = (method: string, url: string, startMs = 0, endMs = startMs + 1) =>
  eventOf({ kind: 'request', method, url, host: new URL(url).host }, startMs, endMs);

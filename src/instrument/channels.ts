import diagnostics from 'node:diagnostics_channel';
import { type EventHandle, isRecording, record } from '../measure/recorder.js';
import type { EventInput } from '../types.js';

/** Turns a tracing channel's context object into an event, or undefined to skip it. */
export type ToEvent = (context: any) => EventInput | undefined;

interface Handlers {
  start(context: object): void;
  end(context: object): void;
  asyncStart(context: object): void;
  error(context: object): void;
}

const SUBSCRIBER = Symbol.for('headroom.tracing.subscriber.v1');
type Tracing = diagnostics.TracingChannel<object, object> & { [SUBSCRIBER]?: Handlers };
const tracingChannels = new Map<string, Tracing>();

function channel(name: string): Tracing | undefined {
  if (typeof diagnostics.tracingChannel !== 'function') return undefined;
  let ch = tracingChannels.get(name);
  if (!ch) {
    ch = diagnostics.tracingChannel(name) as Tracing;
    tracingChannels.set(name, ch);
  }
  return ch;
}

/**
 * Records every operation a library publishes on a diagnostics tracing channel (mysql2's
 * `mysql2:query`, ioredis's `ioredis:command`, …): the event starts at `start`, in the caller's
 * async context, and ends when the result arrives (`asyncStart`), or at `end` if it threw. The
 * subscriber lives on the process-wide channel, so a second load of headroom (jest loads it once
 * per test file) replaces it instead of counting twice. Returns false where Node has no tracing
 * channels.
 */
export function subscribeTracing(name: string, toEvent: ToEvent): boolean {
  const ch = channel(name);
  if (!ch) return false;
  const ops = new WeakMap<object, EventHandle>();
  const finish = (context: object) => {
    const op = ops.get(context);
    if (!op) return;
    ops.delete(context);
    const error = (context as { error?: unknown }).error;
    op.end(error === undefined ? undefined : { error });
  };
  const handlers: Handlers = {
    start(context) {
      if (!isRecording()) return;
      const input = toEvent(context);
      if (input) ops.set(context, record(input));
    },
    end(context) {
      // The call returned; an async operation goes on until asyncStart. A sync throw ends it here.
      if ((context as { error?: unknown }).error !== undefined) finish(context);
    },
    asyncStart: finish,
    error() {},
  };
  const previous = ch[SUBSCRIBER];
  if (previous) ch.unsubscribe(previous as never);
  ch.subscribe(handlers as never);
  ch[SUBSCRIBER] = handlers;
  return true;
}

/** Removes headroom's subscriber from a tracing channel. */
export function unsubscribeTracing(name: string): boolean {
  const ch = channel(name);
  const previous = ch?.[SUBSCRIBER];
  if (!ch || !previous) return false;
  ch.unsubscribe(previous as never);
  ch[SUBSCRIBER] = undefined;
  return true;
}

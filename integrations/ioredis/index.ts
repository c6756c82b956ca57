/**
 * `headroom/ioredis`: counts every Redis command ioredis sends — single commands, pipelines and
 * MULTI transactions, command by command — as queries (system `redis`) of the measurement whose
 * async context sent them. A pipeline's commands travel together: they count one by one but form
 * one round trip. MULTI/EXEC/DISCARD are transaction control (listed, not counted). ioredis 6
 * publishes the `ioredis:command` tracing channel, which headroom subscribes to; ioredis 5 is
 * hooked at `Redis.prototype.sendCommand`. Node only.
 */
import { subscribeTracing, unsubscribeTracing } from '../../src/instrument/channels.js';
import { onSettled, unwrapMethod, wrapMethod } from '../../src/instrument/wrap.js';
import { isRecording, record } from '../../src/measure/recorder.js';

type Callback = (...args: any[]) => unknown;
interface Command {
  name: string;
  args: unknown[];
  promise: Promise<unknown>;
}

function redisPrototype(target: unknown): object {
  const ctor = (target as { default?: unknown })?.default ?? target;
  const proto =
    typeof ctor === 'function'
      ? (ctor as { prototype: object }).prototype
      : typeof target === 'object' && target !== null
        ? (Object.getPrototypeOf(target) as object)
        : undefined;
  if (!proto || typeof (proto as { sendCommand?: unknown }).sendCommand !== 'function') {
    throw new TypeError(
      "Failed to instrument ioredis: expected the module (require('ioredis')) or a Redis client. Please pass one of those.",
    );
  }
  return proto;
}

function publishesChannels(proto: object): boolean {
  const send = (proto as { sendCommand: Callback }).sendCommand;
  return /traceCommand/.test(Function.prototype.toString.call(send));
}

function statement(name: string, args: readonly unknown[]): string {
  return [
    name.toUpperCase(),
    ...args.map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : '?')),
  ].join(' ');
}

const seen = new WeakSet<object>();

function wrapSendCommand(original: Callback): Callback {
  return function (this: unknown, command: Command) {
    if (!isRecording() || !command || seen.has(command))
      return original.apply(this, arguments as unknown as unknown[]);
    seen.add(command);
    const op = record({
      kind: 'query',
      system: 'redis',
      statement: statement(command.name, command.args),
      source: 'ioredis',
    });
    onSettled(command.promise, (error) => op.end(error === undefined ? undefined : { error })).catch(
      () => {},
    );
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

/**
 * Instruments ioredis: pass the module (`require('ioredis')`) or a Redis client. Instrumenting
 * twice is harmless. Returns true if it subscribed or patched anything.
 *
 * @example
 * import Redis from 'ioredis';
 * import { instrument } from 'headroom/ioredis';
 * instrument(Redis);
 */
export function instrument(target: unknown): boolean {
  const proto = redisPrototype(target);
  if (publishesChannels(proto)) {
    const subscribed = subscribeTracing('ioredis:command', (ctx: { command?: string; args?: unknown[] }) => ({
      kind: 'query',
      system: 'redis',
      statement: statement(String(ctx.command ?? ''), ctx.args ?? []),
      source: 'ioredis',
    }));
    if (subscribed) return true;
  }
  return wrapMethod(proto, 'sendCommand', wrapSendCommand);
}

/** Stops counting ioredis commands. Returns true if anything was removed. */
export function uninstrument(target: unknown): boolean {
  const proto = redisPrototype(target);
  const a = unsubscribeTracing('ioredis:command');
  const b = unwrapMethod(proto, 'sendCommand');
  return a || b;
}

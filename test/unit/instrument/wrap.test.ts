import { describe, expect, it } from 'vitest';
import { onSettled, unwrapMethod, wrapMethod } from '../../../src/instrument/wrap.js';

describe('wrapMethod', () => {
  it('wraps once, keeps name and length, and unwraps to the exact original', () => {
    const proto = {
      query(sql: string, values: unknown[]) {
        return [sql, values];
      },
    };
    const original = proto.query;
    const calls: string[] = [];
    const wrap = (fn: (...args: any[]) => any) =>
      function (this: unknown, ...args: any[]) {
        calls.push(String(args[0]));
        return fn.apply(this, args);
      };
    expect(wrapMethod(proto, 'query', wrap)).toBe(true);
    expect(wrapMethod(proto, 'query', wrap)).toBe(false);
    expect(proto.query.name).toBe('query');
    expect(proto.query.length).toBe(2);
    expect(proto.query('select 1', [])).toEqual(['select 1', []]);
    expect(calls).toEqual(['select 1']);
    expect(unwrapMethod(proto, 'query')).toBe(true);
    expect(proto.query).toBe(original);
    expect(unwrapMethod(proto, 'query')).toBe(false);
  });

  it("replaces another loaded copy's wrapper, keeping the original underneath", () => {
    const original = () => 'result';
    // What another copy of headroom (another jest test file's) leaves on a shared prototype.
    const foreign = Object.assign(() => original(), {
      [Symbol.for('headroom.original')]: original,
      [Symbol.for('headroom.owner')]: {},
    });
    const proto = { run: foreign };
    const seen: string[] = [];
    expect(
      wrapMethod(proto, 'run', (fn) => () => {
        seen.push('ours');
        return fn();
      }),
    ).toBe(true);
    expect(proto.run()).toBe('result');
    expect(seen).toEqual(['ours']);
    unwrapMethod(proto, 'run');
    expect(proto.run).toBe(original);
  });

  it('onSettled keeps results, rejections and unhandled-rejection semantics', async () => {
    const ends: unknown[] = [];
    expect(onSettled(42, (e) => ends.push(e))).toBe(42);
    await expect(onSettled(Promise.resolve('ok'), (e) => ends.push(e))).resolves.toBe('ok');
    const boom = new Error('boom');
    await expect(onSettled(Promise.reject(boom), (e) => ends.push(e))).rejects.toBe(boom);
    expect(ends).toEqual([undefined, undefined, boom]);
  });
});

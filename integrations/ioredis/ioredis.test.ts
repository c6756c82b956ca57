import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../src/index.js';
import { instrument, uninstrument } from './index.js';

// A real Redis from Debian, started on loopback by .ci/services.sh (HEADROOM_REDIS_URL).
const url = process.env.HEADROOM_REDIS_URL;

describe.skipIf(!url)('headroom/ioredis against Redis', () => {
  let redis: Redis;
  beforeAll(async () => {
    instrument(Redis);
    redis = new Redis(url as string);
    await redis.mset('user:1', 'ada', 'user:2', 'grace', 'user:3', 'edsger');
  });
  afterAll(() => redis?.disconnect());

  it('counts commands, and a pipeline as one round trip', async () => {
    const sequential = async () => {
      for (const id of [1, 2, 3]) await redis.get(`user:${id}`);
    };
    const pipelined = () => redis.pipeline().get('user:1').get('user:2').get('user:3').exec();
    await expect(sequential).toStayWithin({ queries: 3, roundTrips: 3 });
    await expect(pipelined).toStayWithin({ queries: 3, roundTrips: 1 });
    await expect(() => redis.mget('user:1', 'user:2', 'user:3')).toStayWithin({
      queries: 1,
      repeatedQueries: 0,
    });
    await expect(expect(sequential).toStayWithin({ repeatedQueries: 0 })).rejects.toThrow(/×3 +GET user:\?/);
  });

  it('lists MULTI/EXEC as transaction control, counting the commands inside', async () => {
    const m = await measure(() => redis.multi().incr('counter').get('user:1').exec(), { metrics: [] });
    const statements = m.events.map((e) => (e.kind === 'query' ? e.statement : ''));
    expect(statements).toEqual(expect.arrayContaining(['MULTI', 'INCR counter', 'GET user:1', 'EXEC']));
    await expect(m).toStayWithin({ queries: 2 });
  });

  it('records errors, and uninstruments', async () => {
    const m = await measure(() => redis.call('NOSUCHCOMMAND').catch(() => 'failed'), { metrics: [] });
    expect(m.events[0]?.error).toMatch(/unknown command/i);
    uninstrument(Redis);
    const after = await measure(() => redis.get('user:1'), { metrics: [] });
    expect(after.events).toHaveLength(0);
    instrument(Redis);
  });
});

describe.skipIf(!url)(
  'headroom/ioredis on a version without tracing channels (5.4), hooked at sendCommand',
  () => {
    it('counts commands and pipelines once each', async () => {
      const { Redis: Old } = await import('ioredis5');
      expect(instrument(Old)).toBe(true);
      const redis = new Old(url as string);
      try {
        const m = await measure(
          async () => {
            await redis.get('user:1');
            await redis.pipeline().get('user:2').get('user:3').exec();
          },
          { metrics: [] },
        );
        expect(m.events.map((e) => (e.kind === 'query' ? e.statement : ''))).toEqual([
          'GET user:1',
          'GET user:2',
          'GET user:3',
        ]);
        await expect(m).toStayWithin({ queries: 3, roundTrips: 2 });
      } finally {
        redis.disconnect();
        uninstrument(Old);
      }
    });
  },
);

// Type tests for the jest augmentation: what `'headroom/jest'` in `setupFilesAfterEnv` adds to
// jest's `expect`, both the one imported from `@jest/globals` and the `jest.Matchers` namespace
// that `@types/jest` globals use. Checked by `npm run typecheck` (tsc,
// test/types/tsconfig.jest.json), never run. jest has no `expectTypeOf`: a typed assignment
// checks a type, and `@ts-expect-error` checks that a mistake does not compile.

import { expect, test } from '@jest/globals';
import { type Budget, type Measurement, type MeasureOptions, measure, record } from 'headroom';
import type {} from 'headroom/jest';

const listOrders = async (userId: number) => {
  record({
    kind: 'query',
    system: 'sqlite',
    statement: `select * from orders where user_id = ${userId}`,
  }).end();
  return [{ id: 1, userId }];
};

test('toStayWithin takes a budget and options, and returns a promise to await', async () => {
  await expect(() => listOrders(1)).toStayWithin({ queries: 1 });
  await expect(() => listOrders(1)).toStayWithin(
    { queries: { total: 1, select: 1, matching: /from orders/i }, repeatedQueries: 0, roundTrips: 1 },
    { label: 'orders.list', attribution: 'window', explain: false },
  );

  const returned: Promise<void> = expect(() => listOrders(1)).toStayWithin({ queries: 1 });
  await returned;
  const matcher: (budget: Budget, options?: MeasureOptions) => Promise<void> = expect(() =>
    listOrders(1),
  ).toStayWithin;
  void matcher;
});

test('.not, sync functions and measurements are accepted too', async () => {
  const negated: Promise<void> = expect(() => 1).not.toStayWithin({ queries: 1 });
  await negated;
  await expect(() => JSON.stringify({ a: 1 })).toStayWithin({ allocated: '64kB', eventLoopBlock: '5ms' });

  const m: Measurement = await measure(() => listOrders(1), { metrics: ['duration'], maxTime: '1s' });
  const medianMs: number | undefined = m.stats.duration?.median;
  void medianMs;
  await expect(m).toStayWithin({ duration: '20ms' });
});

test('every budget key and unit form type-checks', () => {
  const everything: Budget = {
    queries: 2,
    repeatedQueries: 0,
    requests: { total: 1, byHost: { 'api.example.com': 1 }, maxInFlight: 1 },
    roundTrips: 2,
    duration: { median: '20ms', p95: '1.5s', max: 100 },
    cpu: '250us',
    eventLoopBlock: '5 ms',
    allocated: '2MB',
    retained: '1KiB',
  };
  void everything;
});

test('mistakes are compile errors', async () => {
  const fn = () => listOrders(1);
  // @ts-expect-error: a misspelt key (at run time: HEADROOM_ERR_UNKNOWN_KEY, "Did you mean `queries`?")
  await expect(fn).toStayWithin({ querys: 1 });
  // @ts-expect-error: an unknown time unit
  await expect(fn).toStayWithin({ duration: '20 parsecs' });
  // @ts-expect-error: a byte string on a time budget
  await expect(fn).toStayWithin({ eventLoopBlock: '2MB' });
  // @ts-expect-error: a count must be a number
  await expect(fn).toStayWithin({ queries: '2' });
  // @ts-expect-error: the budget is required
  await expect(fn).toStayWithin();
  // @ts-expect-error: `metrics` is an option of measure(), not of the matchers
  await expect(fn).toStayWithin({ queries: 1 }, { metrics: ['duration'] });
  // @ts-expect-error: unlike toBe(), it returns a promise (so a no-floating-promises lint flags a missing await)
  const notAPromise: undefined = expect(fn).toStayWithin({ queries: 1 });
  void notAPromise;
});

// The `jest` namespace of `@types/jest`, for projects that use jest's injected globals with
// @types/jest instead of importing from '@jest/globals'. headroom merges into `jest.Matchers`.
declare const legacy: jest.Matchers<void, () => Promise<unknown>>;
declare const legacyResolves: jest.Matchers<Promise<void>, () => Promise<unknown>>;

test('the jest.Matchers namespace has the matcher too', async () => {
  const returned: Promise<void> = legacy.toStayWithin({ queries: 1, duration: '20ms' });
  await returned;
  const resolves: Promise<Promise<void>> = legacyResolves.toStayWithin({ queries: 1 });
  await resolves;
  // @ts-expect-error: a misspelt key
  await legacy.toStayWithin({ querys: 1 });
});

test('toBeFasterThan and toScale are typed', async () => {
  await expect(() => 1).toBeFasterThan(() => 2, { by: 2 });
  await expect((ids: number[]) => ids.length).toScale({ input: (n) => [n], queries: 'constant' });
  // @ts-expect-error: 'cubic' is not a growth class
  await expect((ids: number[]) => ids.length).toScale({ input: (n) => [n], queries: 'cubic' });
});

test('toMatchPerformanceBaseline is typed', async () => {
  await expect(() => 1).toMatchPerformanceBaseline({ metrics: ['queries'], tolerance: { queries: 1 } });
  // @ts-expect-error: 'latency' is not a metric a baseline holds
  await expect(() => 1).toMatchPerformanceBaseline({ metrics: ['latency'] });
});

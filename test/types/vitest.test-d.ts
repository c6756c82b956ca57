// Type tests for the vitest augmentation: what `import 'headroom/vitest'` adds to vitest's
// `expect`. Checked by `npm run typecheck` (tsc, test/types/tsconfig.vitest.json), never run.
// `headroom` and `headroom/vitest` map to src/ in the tsconfig, so the published declarations are
// checked separately, from a packed tarball, by `npm run check:pack`.
import 'headroom/vitest';
import { type Budget, type Measurement, type MeasureOptions, measure, record } from 'headroom';
import HeadroomReporter, { type HeadroomReport, type ReporterOptions } from 'headroom/reporter';
import { expect, expectTypeOf, test } from 'vitest';

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

  expectTypeOf(expect(() => listOrders(1)).toStayWithin)
    .parameter(0)
    .toEqualTypeOf<Budget>();
  expectTypeOf(expect(() => listOrders(1)).toStayWithin)
    .parameter(1)
    .toEqualTypeOf<MeasureOptions | undefined>();
  expectTypeOf(expect(() => listOrders(1)).toStayWithin).returns.toEqualTypeOf<Promise<void>>();
});

test('.not, sync functions and measurements are accepted too', async () => {
  expectTypeOf(expect(() => 1).not.toStayWithin).returns.toEqualTypeOf<Promise<void>>();
  await expect(() => JSON.stringify({ a: 1 })).toStayWithin({ allocated: '64kB', eventLoopBlock: '5ms' });

  const m = await measure(() => listOrders(1), { metrics: ['duration', 'allocated'], maxTime: '1s' });
  expectTypeOf(m).toEqualTypeOf<Measurement>();
  expectTypeOf(m.samples.durationMs).toEqualTypeOf<number[]>();
  await expect(m).toStayWithin({ duration: '20ms', allocated: '2MB' });
});

test('every budget key and unit form type-checks', () => {
  expectTypeOf<{
    queries: 2;
    repeatedQueries: 0;
    requests: { total: 1; byHost: { 'api.example.com': 1 }; maxInFlight: 1 };
    roundTrips: 2;
    duration: { median: '20ms'; p95: '1.5s'; max: 100 };
    cpu: '250us';
    eventLoopBlock: '5 ms';
    allocated: '2MB';
    retained: '1KiB';
  }>().toExtend<Budget>();
  expectTypeOf<{ duration: 20 }>().toExtend<Budget>();
  expectTypeOf<{ allocated: 2_000_000 }>().toExtend<Budget>();
});

test('mistakes are compile errors', async () => {
  const fn = () => listOrders(1);
  // @ts-expect-error: a misspelt key (at run time: HEADROOM_ERR_UNKNOWN_KEY, "Did you mean `queries`?")
  await expect(fn).toStayWithin({ querys: 1 });
  // @ts-expect-error: an unknown time unit
  await expect(fn).toStayWithin({ duration: '20 parsecs' });
  // @ts-expect-error: a byte string on a time budget
  await expect(fn).toStayWithin({ eventLoopBlock: '2MB' });
  // @ts-expect-error: a time string on a byte budget
  await expect(fn).toStayWithin({ allocated: '10ms' });
  // @ts-expect-error: a count must be a number
  await expect(fn).toStayWithin({ queries: '2' });
  // @ts-expect-error: a statistic headroom does not compute
  await expect(fn).toStayWithin({ duration: { p50: '20ms' } });
  // @ts-expect-error: the budget is required
  await expect(fn).toStayWithin();
  // @ts-expect-error: attribution is 'context' or 'window'
  await expect(fn).toStayWithin({ queries: 1 }, { attribution: 'global' });
  // @ts-expect-error: `metrics` is an option of measure(), not of the matchers
  await expect(fn).toStayWithin({ queries: 1 }, { metrics: ['duration'] });
  // @ts-expect-error: an unknown option
  await expect(fn).toStayWithin({ queries: 1 }, { timeout: 1000 });
});

test('the matcher is on every `expect(value)`', () => {
  expectTypeOf<ReturnType<typeof expect<number>>>().toHaveProperty('toStayWithin');
  expectTypeOf(expect.soft(() => 1).toStayWithin).returns.toEqualTypeOf<Promise<void>>();
});

test('toBeFasterThan and toScale are typed, with the input type taken from the function', async () => {
  await expect(() => listOrders(1)).toBeFasterThan(() => listOrders(2), { by: 1.5, metric: 'cpu' });
  // @ts-expect-error: 'queries' is not a metric toBeFasterThan compares
  await expect(() => listOrders(1)).toBeFasterThan(() => listOrders(2), { metric: 'queries' });
  await expect((ids: number[]) => ids.map(listOrders)).toScale({
    input: (n) => Array.from({ length: n }, (_, i) => i),
    queries: 'linear',
  });
  await expect((ids: number[]) => ids.length).toScale({
    input: (n) => [n],
    queries: { slope: 1 },
    allocated: 'constant',
  });
  // @ts-expect-error: the input must be what the function takes
  await expect((ids: number[]) => ids.length).toScale({ input: (n: number) => String(n), queries: 'linear' });
  // @ts-expect-error: 'cubic' is not a growth class
  await expect((ids: number[]) => ids.length).toScale({ input: (n) => [n], queries: 'cubic' });
});

test('toMatchPerformanceBaseline takes metrics and tolerances a baseline can hold', async () => {
  await expect(() => listOrders(1)).toMatchPerformanceBaseline();
  await expect(() => listOrders(1)).toMatchPerformanceBaseline({
    metrics: ['queries', 'allocated', 'duration'],
    tolerance: { allocated: 0.2 },
    label: 'first page',
  });
  await expect(() => listOrders(1)).toMatchPerformanceBaseline({ tolerance: 0.1, maxTime: '1s' });
  // @ts-expect-error: 'latency' is not a metric a baseline holds
  await expect(() => listOrders(1)).toMatchPerformanceBaseline({ metrics: ['latency'] });
  // @ts-expect-error: a tolerance is a fraction, not a percentage string
  await expect(() => listOrders(1)).toMatchPerformanceBaseline({ tolerance: '10%' });
  expectTypeOf(expect(() => 1).toMatchPerformanceBaseline).returns.toEqualTypeOf<Promise<void>>();
});

test('the reporter and its report types are exported from headroom/reporter', () => {
  expectTypeOf<HeadroomReport['contracts'][number]['metrics'][number]['headroomPct']>().toEqualTypeOf<
    number | null
  >();
  expectTypeOf<ReporterOptions['trace']>().toEqualTypeOf<boolean | undefined>();
  expectTypeOf(HeadroomReporter).toBeConstructibleWith({ trace: true, outputDir: 'perf' });
});

import { expect, test } from 'vitest';
import { measure, record } from '../../src/index.js';

const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms) {}
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('smoke', async () => {
  const m = await measure(async () => {
    await sleep(1);
    busy(40);
    await sleep(1);
  });
  console.log(m.samples.eventLoopBlockMs, m.stats.duration?.median, m.calls, m.samples.allocatedBytes);
  await expect(() => {
    const a = [];
    for (let i = 0; i < 10000; i++) a.push(new Array(100).fill(0.5));
    return a.length;
  }).toStayWithin({ allocated: '9MB', duration: '100ms' });
  await expect(async () => {
    record({ kind: 'query', system: 'sqlite', statement: 'select 1' }).end();
  }).toStayWithin({ queries: 1 });
  await expect(async () => {
    for (let i = 0; i < 3; i++)
      record({ kind: 'query', system: 'sqlite', statement: `select * from t where id = ${i}` }).end();
  }).toStayWithin({ queries: 1, repeatedQueries: 0 });
});

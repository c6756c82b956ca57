/**
 * How time grows with input size (`toScale` on `duration`), and one implementation against
 * another (`toBeFasterThan`).
 *
 * Any single input hides the difference between the two de-duplications: at 100 orders both take
 * microseconds, and a `duration` budget loose enough never to flake lets the quadratic one
 * through. `toScale` times each at sizes 256, 512 … 4096 and fits time ∝ n^k: the Set is k ≈ 1,
 * the `indexOf` scan k ≈ 2, and `'linear'` allows k up to 1.5.
 */
import { describe, expect, it } from 'vitest';
import { expectCaught } from '../support/regressions.js';
import { customerIds, uniqueCustomers, uniqueCustomersByScan } from './dedupe.js';

// 256 to 4,096 orders. Below ~256 the call's fixed overhead blurs the quadratic term (the scan
// measures k ≈ 1.6 over the default 16 … 4096, k ≈ 1.9 from 256).
const sizes = [256, 512, 1024, 2048, 4096];

describe('de-duplicating customer ids', () => {
  it('both implementations give the same ids in the same order', () => {
    const ids = [...customerIds(300), ...customerIds(200)];
    expect(uniqueCustomersByScan(ids)).toEqual(uniqueCustomers(ids));
    expect(uniqueCustomers(ids)).toHaveLength(300);
  });

  it('contract: time grows linearly with the number of orders', async () => {
    await expect(uniqueCustomers).toScale({ input: customerIds, sizes, duration: 'linear' });
  });

  it('regression caught: indexOf over the ids kept so far is quadratic', async () => {
    await expectCaught(
      expect(uniqueCustomersByScan).toScale({ input: customerIds, sizes, duration: 'linear' }),
      'duration',
    );
  });

  it('the Set is at least twice as fast on 2,000 orders (about 50× in fact)', async () => {
    const ids = customerIds(2_000);
    await expect(() => uniqueCustomers(ids)).toBeFasterThan(() => uniqueCustomersByScan(ids), { by: 2 });
  });
});

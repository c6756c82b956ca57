/**
 * How the examples show regressions.
 *
 * Every example pairs a good implementation, whose contract passes, with a bad one held to the
 * same budget. By default the bad one's test asserts that headroom catches it: the contract must
 * fail, on the metric named, so the suite stays green and proves the regression is caught.
 *
 * With HEADROOM_EXAMPLES_REGRESSIONS=1 (`npm run examples:regressions`) the bad ones run as plain
 * contracts instead: those tests fail, and vitest prints headroom's real failure messages.
 */
import type { MetricName } from 'headroom';
import { expect } from 'vitest';

export const showRegressions = process.env.HEADROOM_EXAMPLES_REGRESSIONS === '1';

/**
 * Expects a contract to be broken on `metric`: `await expectCaught(expect(bad).toStayWithin(budget), 'retained')`.
 * Under HEADROOM_EXAMPLES_REGRESSIONS=1 it awaits the contract as is, so its failure shows.
 */
export async function expectCaught(contract: Promise<unknown>, metric: MetricName): Promise<void> {
  if (showRegressions) {
    await contract;
    return;
  }
  // The failure message has one row per metric; a broken one is marked ✗.
  await expect(contract).rejects.toThrow(new RegExp(`✗ ${metric}\\b`));
}

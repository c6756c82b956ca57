/**
 * The shop's `GET /users/:id/orders`, tested through its HTTP API: the test starts the real
 * Express app on 127.0.0.1 (port 0) and calls it with fetch, as a client would. headroom carries
 * the test's measurement into the app's request handler, so the SQLite queries the handler runs
 * count for the test that made the request — with no setup beyond `headroom/vitest`.
 *
 * Budget keys: queries, repeatedQueries, requests (total, byHost, maxInFlight), roundTrips,
 * duration, cpu, eventLoopBlock, allocated. Regression caught: the N+1 (one query per order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCaught } from '../support/regressions.js';
import { openDb } from './db.js';
import { listOrdersOneByOne, type UserOrders } from './orders.js';
import { createApp, listen, type RunningApp } from './server.js';

const db = openDb(); // 20 users with 12 orders of 3 lines each
let shop: RunningApp; // the app as it ships
let shopWithNPlusOne: RunningApp; // the same app, with the N+1 version of the orders query

beforeAll(async () => {
  shop = await listen(createApp(db));
  shopWithNPlusOne = await listen(createApp(db, { listOrders: listOrdersOneByOne }));
});
afterAll(async () => {
  await shop.close();
  await shopWithNPlusOne.close();
});

/** What a client does: GET the user's orders and read the JSON. */
const getOrders = (app: RunningApp, userId: number) => async () => {
  const res = await fetch(`${app.url}/users/${userId}/orders`);
  if (res.status !== 200) throw new Error(`GET /users/${userId}/orders answered ${res.status}`);
  return (await res.json()) as UserOrders;
};

describe('GET /users/:id/orders', () => {
  it('both versions answer the same JSON', async () => {
    const body = await getOrders(shop, 3)();
    expect(body.orders).toHaveLength(12);
    expect(body.orders[0]?.lines).toHaveLength(3);
    expect(await getOrders(shopWithNPlusOne, 3)()).toEqual(body);
  });

  it('contract: three queries whatever the number of orders, none repeated', async () => {
    // Counted exactly, from one call: the handler's queries run in the app, in this process,
    // and headroom attributes them to this test through the loopback request.
    await expect(getOrders(shop, 3)).toStayWithin({ queries: { total: 3, select: 3 }, repeatedQueries: 0 });
  });

  it('contract: one request, one round trip, as the client sees it', async () => {
    // Requests are keyed by host as in the URL: here 127.0.0.1:<port>. The handler's queries
    // are nested in that request, so from the client's side the call is one round trip.
    await expect(getOrders(shop, 3)).toStayWithin({
      requests: { total: 1, byHost: { [shop.host]: 1 }, maxInFlight: 1 },
      roundTrips: 1,
    });
  });

  it('contract: fast, and light on the event loop and the heap', async () => {
    await expect(getOrders(shop, 3)).toStayWithin({
      // 1-11 ms a call over 60 runs on a shared 2-core machine. Time is judged statistically:
      // headroom samples until the verdict is certain at 99%. The limits leave room for a loaded
      // CI runner.
      duration: '50ms',
      cpu: '50ms',
      // The longest stretch the event loop was blocked, process-wide: 9-25 ms here, up to 91 ms
      // with other processes keeping the cores busy (the OS preempting the process, and GC). A
      // first call over the limit is confirmed by two more, and the least of the three is judged.
      eventLoopBlock: '100ms',
      // 0.18-0.68 MB per call (the first, cold call is the largest), the client's fetch and
      // Express included. Bytes allocated barely depend on the machine: the limit can stay close.
      allocated: '2MB',
    });
  });

  it('regression caught: one query per order (N+1)', async () => {
    await expectCaught(
      expect(getOrders(shopWithNPlusOne, 3)).toStayWithin({ queries: 3, repeatedQueries: 0 }),
      'repeatedQueries',
    );
  });
});

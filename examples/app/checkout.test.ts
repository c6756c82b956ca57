/**
 * The shop's `POST /checkout`, tested through its HTTP API, with msw answering the three
 * downstream services (inventory, payments, shipping). The app calls them with fetch from its
 * request handler; `instrument(server)` from headroom/msw counts the requests msw answers, and
 * headroom attributes them — and the handler's SQLite queries — to the test that posted the
 * checkout. Requests to 127.0.0.1 are not msw's to answer (`onUnhandledRequest: 'bypass'`): they
 * reach the real app.
 *
 * Budget keys: queries, repeatedQueries, requests (total, byHost, maxInFlight), roundTrips,
 * duration, eventLoopBlock, allocated. Regression caught: a refactor that awaits each downstream
 * call in turn (`roundTrips`, with the waterfall in the message).
 */
import { instrument } from 'headroom/msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectCaught } from '../support/regressions.js';
import { type CheckoutResult, resilientCheckout, sequentialCheckout } from './checkout.js';
import { openDb } from './db.js';
import { cart, handlers } from './mocks.js';
import { createApp, listen, type RunningApp } from './server.js';

const downstreams = setupServer(...handlers);
const db = openDb();
let shop: RunningApp;

beforeAll(async () => {
  downstreams.listen({ onUnhandledRequest: 'bypass' });
  instrument(downstreams);
  shop = await listen(createApp(db));
});
afterEach(() => downstreams.resetHandlers());
afterAll(async () => {
  downstreams.close();
  await shop.close();
});

/** What a client does: POST a cart to /checkout and read the JSON. */
const postCheckout = (body: unknown) => async () => {
  const res = await fetch(`${shop.url}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST /checkout answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as CheckoutResult;
};

describe('POST /checkout', () => {
  it('creates the order', async () => {
    const order = await postCheckout(cart(1, 3))();
    expect(order).toMatchObject({ stock: 'confirmed', paymentAttempts: 1 });
    expect(order.shippingCents).toBeGreaterThan(0);
  });

  it('contract: reads the cart in two queries and writes the order in two', async () => {
    // BEGIN and COMMIT are listed in failure messages but not counted (countTransactionControl).
    await expect(postCheckout(cart(1, 12))).toStayWithin({
      queries: { total: 4, select: 2, insert: 2 },
      repeatedQueries: 0,
    });
  });

  it('contract: one call to each service, one quote per parcel, at most 10 quotes at a time', async () => {
    // A 12-line cart. maxInFlight counts every request open at one moment, the test's own
    // POST to the app included: that one, inventory, and at most 10 quotes make 12.
    await expect(postCheckout(cart(1, 12))).toStayWithin({
      requests: {
        total: 15,
        byHost: { [shop.host]: 1, 'inventory.test': 1, 'payments.test': 1, 'shipping.test': 12 },
        maxInFlight: 12,
      },
      // From the client's side, a checkout is one round trip: the app's own queries and
      // requests are nested in it (see below for the chain inside the app).
      roundTrips: 1,
    });
  });

  it('contract: fast, light on the event loop and the heap', async () => {
    await expect(postCheckout(cart(1, 3))).toStayWithin({
      // 5-34 ms a call over 60 runs on a shared 2-core machine, msw and Express included.
      duration: '100ms',
      // 5-73 ms over the same runs: see orders.test.ts.
      eventLoopBlock: '100ms',
      // 1.25-1.56 MB per call: the app's work, and the client's and the app's fetches.
      allocated: '4MB',
    });
  });
});

describe('checkout(): the round trips inside the app', () => {
  // roundTrips is the longest chain of I/O in which each query or request starts after the
  // previous one ended. Through HTTP the client sees one; to hold the app's own chain to a
  // budget, call the function the route calls.
  const checkout = resilientCheckout(db);
  const sequential = sequentialCheckout(db);

  it('contract: stock and quotes at the same time, then the charge: 8 round trips', async () => {
    // 2 reads (user, items) → inventory ∥ 4 quotes → charge → 4 statements of the write
    // transaction (BEGIN, 2 INSERTs, COMMIT). SQLite runs in-process, yet every statement
    // is a step of the chain: with a networked database each would be a round trip.
    await expect(() => checkout(cart(2, 4))).toStayWithin({ roundTrips: 8, requests: 6 });
  });

  it('regression caught: awaiting stock, then each quote in turn', async () => {
    // Same requests, same timeout, retries and limiter; only the awaits moved.
    await expectCaught(
      expect(() => sequential(cart(2, 4))).toStayWithin({ roundTrips: 8, requests: 6 }),
      'roundTrips',
    );
  });
});

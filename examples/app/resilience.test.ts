/**
 * Resilience contracts: what checkout does when its downstreams misbehave. headroom/msw's
 * `degrade()` makes an msw handler slow, flaky or dead, with seeded draws. Under
 * `vi.useFakeTimers()` the delays are virtual: headroom drives the fake clock while the measured
 * call is pending (after letting the real event loop turn, so the real HTTP request to the
 * in-process app and its SQLite queries go on as usual), and measures `duration` on that clock.
 * A 2 s downstream costs a few milliseconds of real time, and the numbers are exact.
 *
 * Contracts: when inventory takes 2 s, checkout still answers within 300 ms; when payments
 * answers 503 half the time, checkout makes at most 3 requests to it; 100 concurrent checkouts
 * never have more than 10 requests in flight to shipping. Regressions caught: the naive checkout
 * (no timeout, 10 retries without a pause, every quote at once) breaks each of them.
 *
 * Budget keys: duration (in virtual time), requests (byHost, maxInFlight).
 */
import { degrade, instrument } from 'headroom/msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectCaught } from '../support/regressions.js';
import { naiveCheckout, resilientCheckout } from './checkout.js';
import { openDb } from './db.js';
import { type ShippingClient, shippingClient } from './downstreams.js';
import { cart, handlers, inventory, payments, shipping } from './mocks.js';
import { createApp, listen, type RunningApp } from './server.js';

const downstreams = setupServer(...handlers);
const db = openDb();
let shop: RunningApp; // as it ships: resilientCheckout
let naiveShop: RunningApp; // with naiveCheckout

beforeAll(async () => {
  downstreams.listen({ onUnhandledRequest: 'bypass' });
  instrument(downstreams);
  shop = await listen(createApp(db, { checkout: resilientCheckout(db) }));
  naiveShop = await listen(createApp(db, { checkout: naiveCheckout(db) }));
});
afterEach(() => {
  downstreams.resetHandlers();
  vi.useRealTimers();
});
afterAll(async () => {
  downstreams.close();
  await shop.close();
  await naiveShop.close();
});

/** POST a cart to /checkout; resolves to the status and the JSON body. */
const postCheckout = (app: RunningApp, body: unknown) => async () => {
  const res = await fetch(`${app.url}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};

describe('when inventory takes 2 s', () => {
  it('contract: checkout still answers within 300 ms (stock unchecked)', async () => {
    vi.useFakeTimers();
    downstreams.use(degrade(inventory, { latency: '2s', seed: 1 }));
    let answer: unknown;
    const checkout = async () => {
      answer = await postCheckout(shop, cart(1, 3))();
    };
    // Measured on the virtual clock: the 150 ms inventory timeout, exactly, every call.
    await expect(checkout).toStayWithin({ duration: '300ms' });
    // (Awaiting the app directly here would wait forever: under fake timers only headroom, or
    // the test, moves the clock. Keep what the measured call returned instead.)
    expect(answer).toMatchObject({ status: 201, body: { stock: 'unchecked' } });
  });

  it('regression caught: the naive checkout waits for inventory', async () => {
    vi.useFakeTimers();
    downstreams.use(degrade(inventory, { latency: '2s', seed: 1 }));
    await expectCaught(
      expect(postCheckout(naiveShop, cart(1, 3))).toStayWithin({ duration: '300ms' }),
      'duration',
    );
  });
});

describe('when payments answers 503 half the time', () => {
  const budget = { requests: { byHost: { 'payments.test': 3 } } };

  it('contract: checkout makes at most 3 requests to it', async () => {
    vi.useFakeTimers();
    // Each seed is a different run of luck; every one must keep to the budget. With seed 9 the
    // first five charges draw a 503: checkout gives up after 3 and answers 503 itself.
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      downstreams.resetHandlers();
      downstreams.use(degrade(payments, { errorRate: 0.5, status: 503, seed }));
      await expect(postCheckout(shop, cart(1, 2))).toStayWithin(budget);
    }
  });

  it('regression caught: the naive checkout retries up to 10 times, without a pause', async () => {
    vi.useFakeTimers();
    // Seed 9: the first five charges draw a 503, and the naive checkout tries a sixth time.
    downstreams.use(degrade(payments, { errorRate: 0.5, status: 503, seed: 9 }));
    await expectCaught(expect(postCheckout(naiveShop, cart(1, 2))).toStayWithin(budget), 'requests');
  });
});

describe('100 concurrent checkouts', () => {
  // maxInFlight counts every request open at one moment, whatever its host: 100 concurrent POSTs
  // to the app would be 100 of them, and so would their 100 stock checks. So this contract holds
  // the part that makes the promise — the shipping client all checkouts share — to it: the
  // quotes of 100 checkouts of 3 parcels each, asked for at once, each taking 20-80 ms.
  const parcels = [1, 2, 3].map((i) => ({ sku: `SKU-000${i}`, quantity: 1, weightGrams: 500 * i }));
  const quotesOf100Checkouts = (shipping: ShippingClient) => () =>
    Promise.all(Array.from({ length: 100 }, () => shipping.quote(parcels)));
  const budget = { requests: { byHost: { 'shipping.test': 300 }, maxInFlight: 10 } };
  // Under fake timers, maxTime also bounds the real time a call may take to settle (default 2 s).
  // 300 simulated latencies are 300 timers, advanced one at a time: ~1 s of real time on an idle
  // machine, more on a loaded one.
  const options = { maxTime: '20s' } as const;

  it('contract: never more than 10 requests in flight to shipping', async () => {
    vi.useFakeTimers();
    downstreams.use(degrade(shipping, { latency: { uniform: ['20ms', '80ms'] }, seed: 3 }));
    // The client resilientCheckout uses unless told otherwise.
    await expect(quotesOf100Checkouts(shippingClient({ maxInFlight: 10 }))).toStayWithin(budget, options);
  });

  it('regression caught: the naive checkout asks for every quote at once', async () => {
    vi.useFakeTimers();
    downstreams.use(degrade(shipping, { latency: { uniform: ['20ms', '80ms'] }, seed: 3 }));
    // The client naiveCheckout uses: no limit.
    await expectCaught(
      expect(quotesOf100Checkouts(shippingClient())).toStayWithin(budget, options),
      'requests',
    );
  });
});

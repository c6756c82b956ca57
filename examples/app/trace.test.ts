/**
 * `trace()`: one call's timeline — every query, request and stretch of blocking work, with start,
 * length, call site and outcome. Print it for a text waterfall; save `toChromeTrace()` and open
 * it in Perfetto (ui.perfetto.dev) or chrome://tracing. A trace asserts nothing: it is for
 * looking, when a contract fails or before writing one.
 *
 * Here: one `POST /checkout` through the app's HTTP API, with the downstreams made a little slow
 * (in real time: this example does not fake timers) so that the waterfall has a shape.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from 'headroom';
import { degrade, instrument } from 'headroom/msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDb } from './db.js';
import { cart, handlers, inventory, payments, shipping } from './mocks.js';
import { createApp, listen, type RunningApp } from './server.js';

const downstreams = setupServer(...handlers);
let shop: RunningApp;

beforeAll(async () => {
  downstreams.listen({ onUnhandledRequest: 'bypass' });
  instrument(downstreams);
  shop = await listen(createApp(openDb()));
});
afterAll(async () => {
  downstreams.close();
  await shop.close();
});

it('traces one checkout: a waterfall to print, a Chrome trace to open', async () => {
  downstreams.use(
    degrade(inventory, { latency: '30ms', seed: 1 }),
    degrade(shipping, { latency: { uniform: ['10ms', '40ms'] }, seed: 2 }),
    degrade(payments, { latency: '20ms', seed: 3 }),
  );
  const checkout = async () => {
    const res = await fetch(`${shop.url}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(cart(4, 3)),
    });
    return res.json();
  };
  await checkout(); // once first: trace a warm app, not the loading and compiling of its code
  const t = await trace(checkout);

  console.log(String(t)); // the text waterfall
  const file = join(tmpdir(), 'headroom-checkout.trace.json');
  writeFileSync(file, JSON.stringify(t.toChromeTrace()));
  console.log(`Chrome trace written to ${file}: open it in https://ui.perfetto.dev or chrome://tracing`);

  // What the timeline holds: the test's POST and, inside it, the app's 6 statements and 5 requests.
  const requests = t.events.filter((e) => e.kind === 'request').map((e) => `${e.method} ${e.host}`);
  expect(requests).toEqual([
    `POST ${shop.host}`,
    'GET inventory.test',
    'POST shipping.test',
    'POST shipping.test',
    'POST shipping.test',
    'POST payments.test',
  ]);
  expect(t.events.filter((e) => e.kind === 'query')).toHaveLength(6); // BEGIN and COMMIT included
  expect(String(t)).toMatch(/POST payments\.test\/charges +201 +simulated: \+20 ms latency \(seed 3\)/);
  const { traceEvents } = JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof t.toChromeTrace>;
  expect(traceEvents.filter((e) => e.ph === 'X' && e.cat === 'request')).toHaveLength(6);
});

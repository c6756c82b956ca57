/**
 * msw handlers standing in for the three downstream services in tests. They answer instantly;
 * tests make them slow or flaky with headroom/msw's degrade().
 */
import { HttpResponse, http } from 'msw';
import { INVENTORY, PAYMENTS, type Parcel, SHIPPING } from './downstreams.js';

let charges = 0;

export const inventory = http.get(`${INVENTORY}/stock`, ({ request }) => {
  const skus = new URL(request.url).searchParams.get('skus')?.split(',') ?? [];
  return HttpResponse.json({ available: Object.fromEntries(skus.map((sku) => [sku, 25])) });
});

export const payments = http.post(`${PAYMENTS}/charges`, () =>
  HttpResponse.json({ chargeId: `ch_${++charges}` }, { status: 201 }),
);

export const shipping = http.post(`${SHIPPING}/quotes`, async ({ request }) => {
  const parcel = (await request.json()) as Parcel;
  return HttpResponse.json({ carrier: 'parcelco', cents: 300 + Math.ceil(parcel.weightGrams / 100) * 10 });
});

export const handlers = [inventory, payments, shipping];

/** A cart of `n` lines (items 1..n), for `POST /checkout`. */
export function cart(userId: number, n: number) {
  return { userId, lines: Array.from({ length: n }, (_, i) => ({ itemId: i + 1, quantity: 1 + (i % 2) })) };
}

/**
 * The three services checkout depends on, called over fetch. In production they are other teams'
 * HTTP APIs; in the tests msw answers them (see mocks.ts), and headroom/msw's degrade() makes
 * them slow or flaky.
 *
 * - inventory: `GET https://inventory.test/stock?skus=A,B` → `{ available: { [sku]: number } }`
 * - payments:  `POST https://payments.test/charges` → `{ chargeId }`, or a 5xx when it is struggling
 * - shipping:  `POST https://shipping.test/quotes` (one parcel) → `{ carrier, cents }`
 */
export const INVENTORY = 'https://inventory.test';
export const PAYMENTS = 'https://payments.test';
export const SHIPPING = 'https://shipping.test';

export interface Parcel {
  sku: string;
  quantity: number;
  weightGrams: number;
}

export interface Quote {
  carrier: string;
  cents: number;
}

export interface Stock {
  available: Record<string, number>;
}

export interface Charge {
  chargeId: string;
}

/** The stock of some SKUs. Waits as long as inventory takes. */
export async function fetchStock(skus: string[], init: RequestInit = {}): Promise<Stock> {
  const res = await fetch(`${INVENTORY}/stock?skus=${skus.map(encodeURIComponent).join(',')}`, init);
  if (!res.ok) throw new Error(`inventory answered ${res.status}`);
  return (await res.json()) as Stock;
}

/** One attempt to charge: the response as is (the caller decides about retries). */
export function postCharge(body: { userId: number; amountCents: number; idempotencyKey: string }) {
  return fetch(`${PAYMENTS}/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A shipping quote for one parcel. */
export async function fetchQuote(parcel: Parcel): Promise<Quote> {
  const res = await fetch(`${SHIPPING}/quotes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(parcel),
  });
  if (!res.ok) throw new Error(`shipping answered ${res.status}`);
  return (await res.json()) as Quote;
}

export interface ShippingClient {
  /** A quote for each parcel, asked for at the same time (within the client's limit). */
  quote(parcels: Parcel[]): Promise<Quote[]>;
}

/**
 * Shipping quotes, at most `maxInFlight` requests at once across every caller of this client (no
 * limit if omitted). The app creates one and shares it between all the checkouts it runs.
 */
export function shippingClient(options: { maxInFlight?: number } = {}): ShippingClient {
  const limit = options.maxInFlight
    ? createLimiter(options.maxInFlight)
    : <T>(task: () => Promise<T>) => task();
  return { quote: (parcels) => Promise.all(parcels.map((parcel) => limit(() => fetchQuote(parcel)))) };
}

/** Resolves after `ms`, on the global setTimeout (so fake timers drive it in tests). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs at most `limit` tasks at once; the rest wait their turn. */
export function createLimiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    // A finished task hands its slot straight to the next waiting one, so `running` never
    // goes above the limit, even for a moment.
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * `POST /checkout`: prices a cart, checks stock, quotes shipping for each parcel, charges the
 * card, and saves the order. Three downstream services are involved (see downstreams.ts), and
 * three versions of the flow:
 *
 * - `resilientCheckout` protects itself from its dependencies: inventory gets 150 ms (then the
 *   order is accepted with stock "unchecked", to be confirmed later); payments gets at most 3
 *   attempts, with backoff between them; shipping quotes go through one shipping client shared by
 *   every checkout of the app, at most 10 in flight however many checkouts run at once. Stock
 *   and quotes are asked for at the same time.
 * - `naiveCheckout` is the first draft: it waits for inventory however long it takes, retries
 *   payments up to 10 times in a tight loop, and asks for every quote at once, without a limit.
 * - `sequentialCheckout` is the resilient one after a tidy-looking refactor: the same timeout,
 *   retries and limiter, but each step awaited in turn — stock, then each quote, then the charge.
 *   Every await adds a round trip.
 */
import type { Db } from './db.js';
import {
  type Charge,
  fetchStock,
  type Parcel,
  postCharge,
  type Quote,
  type ShippingClient,
  type Stock,
  shippingClient,
  sleep,
} from './downstreams.js';

export interface CheckoutInput {
  userId: number;
  lines: { itemId: number; quantity: number }[];
}

export interface CheckoutResult {
  orderId: number;
  itemsCents: number;
  shippingCents: number;
  stock: 'confirmed' | 'unchecked';
  paymentAttempts: number;
}

export type Checkout = (input: CheckoutInput) => Promise<CheckoutResult>;

/** A checkout that cannot go through, with the HTTP status to answer. */
export class CheckoutError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CheckoutError';
  }
}

interface CartLine {
  itemId: number;
  sku: string;
  quantity: number;
  priceCents: number;
  weightGrams: number;
}

interface Cart {
  userId: number;
  lines: CartLine[];
  itemsCents: number;
}

interface ItemRow {
  id: number;
  sku: string;
  price_cents: number;
  weight_grams: number;
}

/** Two queries: the user, and every item of the cart at once. */
function loadCart(db: Db, input: CheckoutInput): Cart {
  if (!db.prepare('SELECT id FROM users WHERE id = ?').get(input.userId)) {
    throw new CheckoutError(404, `no user ${input.userId}`);
  }
  if (input.lines.length === 0) throw new CheckoutError(400, 'the cart is empty');
  const ids = input.lines.map((l) => l.itemId);
  const rows = db
    .prepare(
      `SELECT id, sku, price_cents, weight_grams FROM items WHERE id IN (${ids.map(() => '?').join(', ')})`,
    )
    .all(...ids) as ItemRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const lines = input.lines.map(({ itemId, quantity }) => {
    const row = byId.get(itemId);
    if (!row) throw new CheckoutError(400, `no item ${itemId}`);
    return { itemId, sku: row.sku, quantity, priceCents: row.price_cents, weightGrams: row.weight_grams };
  });
  return {
    userId: input.userId,
    lines,
    itemsCents: lines.reduce((s, l) => s + l.priceCents * l.quantity, 0),
  };
}

const parcelOf = (line: CartLine): Parcel => ({
  sku: line.sku,
  quantity: line.quantity,
  weightGrams: line.weightGrams * line.quantity,
});

function checkStockIn(cart: Cart, stock: Stock): 'confirmed' {
  for (const line of cart.lines) {
    if ((stock.available[line.sku] ?? 0) < line.quantity)
      throw new CheckoutError(409, `${line.sku} is out of stock`);
  }
  return 'confirmed';
}

/** Stock, or 'unchecked' when inventory has not answered within `ms` (AbortController + setTimeout). */
async function stockWithin(cart: Cart, ms: number): Promise<'confirmed' | 'unchecked'> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  let stock: Stock;
  try {
    stock = await fetchStock(
      cart.lines.map((l) => l.sku),
      { signal: abort.signal },
    );
  } catch (error) {
    if (abort.signal.aborted) return 'unchecked'; // accept the order; a job confirms stock later
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return checkStockIn(cart, stock);
}

/** Charges the cart, trying at most `attempts` times, waiting `backoffMs`, then twice that, … between. */
async function chargeWithRetries(
  cart: Cart,
  amountCents: number,
  attempts: number,
  backoffMs: number,
): Promise<{ charge: Charge; attempts: number }> {
  const idempotencyKey = `cart-${cart.userId}-${amountCents}-${cart.lines.length}`;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const res = await postCharge({ userId: cart.userId, amountCents, idempotencyKey });
    if (res.ok) return { charge: (await res.json()) as Charge, attempts: attempt };
    await res.body?.cancel();
    if (res.status < 500) throw new CheckoutError(402, `payment declined (${res.status})`);
    if (attempt < attempts && backoffMs > 0) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  throw new CheckoutError(503, `payments unavailable after ${attempts} attempts`);
}

/** One transaction: the order, then all its lines in one multi-row INSERT. */
function saveOrder(db: Db, cart: Cart, shippingCents: number, charge: Charge): number {
  return db.transaction(() => {
    const { lastInsertRowid } = db
      .prepare('INSERT INTO orders (user_id, status, total_cents, created_at) VALUES (?, ?, ?, ?)')
      .run(cart.userId, `paid ${charge.chargeId}`, cart.itemsCents + shippingCents, '2024-04-01T12:00:00Z');
    const orderId = Number(lastInsertRowid);
    db.prepare(
      `INSERT INTO order_lines (order_id, item_id, quantity, price_cents) VALUES ${cart.lines.map(() => '(?, ?, ?, ?)').join(', ')}`,
    ).run(...cart.lines.flatMap((l) => [orderId, l.itemId, l.quantity, l.priceCents]));
    return orderId;
  })();
}

const total = (quotes: Quote[]) => quotes.reduce((s, q) => s + q.cents, 0);

export interface ResilienceOptions {
  /** How long inventory gets before the order is accepted with stock unchecked. */
  inventoryTimeoutMs?: number;
  /** Attempts to charge, in all. */
  paymentAttempts?: number;
  /** Wait before the second attempt; doubled before each one after. */
  backoffMs?: number;
  /** The shipping client, shared by every checkout. Default: at most 10 quotes in flight. */
  shipping?: ShippingClient;
}

export function resilientCheckout(db: Db, options: ResilienceOptions = {}): Checkout {
  const {
    inventoryTimeoutMs = 150,
    paymentAttempts = 3,
    backoffMs = 50,
    shipping = shippingClient({ maxInFlight: 10 }),
  } = options;
  return async (input) => {
    const cart = loadCart(db, input);
    const [stock, quotes] = await Promise.all([
      stockWithin(cart, inventoryTimeoutMs),
      shipping.quote(cart.lines.map(parcelOf)),
    ]);
    const shippingCents = total(quotes);
    const paid = await chargeWithRetries(cart, cart.itemsCents + shippingCents, paymentAttempts, backoffMs);
    const orderId = saveOrder(db, cart, shippingCents, paid.charge);
    return { orderId, itemsCents: cart.itemsCents, shippingCents, stock, paymentAttempts: paid.attempts };
  };
}

export function naiveCheckout(db: Db, options: { shipping?: ShippingClient } = {}): Checkout {
  const { shipping = shippingClient() } = options; // no limit: every quote at once
  return async (input) => {
    const cart = loadCart(db, input);
    const stock = checkStockIn(cart, await fetchStock(cart.lines.map((l) => l.sku))); // no timeout
    const quotes = await shipping.quote(cart.lines.map(parcelOf));
    const shippingCents = total(quotes);
    const paid = await chargeWithRetries(cart, cart.itemsCents + shippingCents, 10, 0); // 10 tries, no pause
    const orderId = saveOrder(db, cart, shippingCents, paid.charge);
    return { orderId, itemsCents: cart.itemsCents, shippingCents, stock, paymentAttempts: paid.attempts };
  };
}

export function sequentialCheckout(db: Db, options: ResilienceOptions = {}): Checkout {
  const {
    inventoryTimeoutMs = 150,
    paymentAttempts = 3,
    backoffMs = 50,
    shipping = shippingClient({ maxInFlight: 10 }),
  } = options;
  return async (input) => {
    const cart = loadCart(db, input);
    const stock = await stockWithin(cart, inventoryTimeoutMs);
    const quotes: Quote[] = [];
    for (const line of cart.lines) quotes.push(...(await shipping.quote([parcelOf(line)])));
    const shippingCents = total(quotes);
    const paid = await chargeWithRetries(cart, cart.itemsCents + shippingCents, paymentAttempts, backoffMs);
    const orderId = saveOrder(db, cart, shippingCents, paid.charge);
    return { orderId, itemsCents: cart.itemsCents, shippingCents, stock, paymentAttempts: paid.attempts };
  };
}

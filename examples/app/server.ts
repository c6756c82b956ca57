/**
 * The shop's HTTP API (Express 5), over the SQLite database:
 *
 * - `GET  /users/:id/orders` → the user's orders with their lines (orders.ts)
 * - `POST /checkout` `{ userId, lines: [{ itemId, quantity }] }` → 201 and the order (checkout.ts)
 *
 * `createApp` takes the implementations to use, so that the tests can start the app as it ships
 * and as it would with each regression.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type Checkout, CheckoutError, type CheckoutInput, resilientCheckout } from './checkout.js';
import type { Db } from './db.js';
import { listOrders, type UserOrders } from './orders.js';

export interface AppOptions {
  /** How `GET /users/:id/orders` loads orders. Default: `listOrders` (three queries). */
  listOrders?: (db: Db, userId: number) => UserOrders | undefined;
  /** How `POST /checkout` runs. Default: `resilientCheckout(db)`. */
  checkout?: Checkout;
}

export function createApp(db: Db, options: AppOptions = {}): express.Express {
  const list = options.listOrders ?? listOrders;
  const checkout = options.checkout ?? resilientCheckout(db);
  const app = express();
  app.use(express.json());

  app.get('/users/:id/orders', (req, res) => {
    const found = list(db, Number(req.params.id));
    if (!found) res.status(404).json({ error: 'no such user' });
    else res.json(found);
  });

  app.post('/checkout', async (req, res) => {
    res.status(201).json(await checkout(req.body as CheckoutInput));
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof CheckoutError) res.status(error.status).json({ error: error.message });
    else res.status(500).json({ error: String(error) });
  });
  return app;
}

export interface RunningApp {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, as headroom's `requests.byHost` names it. */
  host: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port. */
export async function listen(app: express.Express): Promise<RunningApp> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

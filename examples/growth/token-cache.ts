/**
 * A cached access token for a downstream API, refreshed when it expires, two ways.
 *
 * Fetching a token takes 5 ms (simulated here with `setTimeout`). When the token expires while
 * the service is busy, many requests find it stale at the same moment:
 *
 * - `LockedTokenCache` refreshes under a shared lock (a promise-chain mutex), so that two
 *   refreshes never overlap. Every caller that found the token stale queues on the lock and
 *   refreshes in turn: with 64 requests waiting, the last one waits 64 × 5 ms. Nothing is wrong
 *   with one request at a time, which is how it was tested.
 * - `SingleFlightTokenCache` starts one refresh and hands its in-flight promise to every caller
 *   that arrives meanwhile: one fetch, and every caller waits 5 ms however many there are.
 */

export type FetchToken = () => Promise<string>;

/** The token endpoint: 5 ms per call, and counts its calls. */
export function tokenEndpoint(latencyMs = 5): FetchToken & { calls: number } {
  const fetchToken = Object.assign(
    async () => {
      fetchToken.calls++;
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return `token-${fetchToken.calls}`;
    },
    { calls: 0 },
  );
  return fetchToken;
}

/** A minimal mutex: each caller waits for the one before it to finish. */
function mutex() {
  let tail: Promise<void> = Promise.resolve();
  return async <T>(work: () => Promise<T>): Promise<T> => {
    const previous = tail;
    let release = () => {};
    tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  };
}

interface Options {
  /** How long a token stays fresh. */
  ttlMs: number;
}

export class LockedTokenCache {
  private token: string | undefined;
  private expiresAt = 0;
  private readonly lock = mutex();

  constructor(
    private readonly fetchToken: FetchToken,
    private readonly options: Options,
  ) {}

  async get(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.expiresAt) return this.token;
    // Stale: refresh, one caller at a time. Each caller that got here refreshes again.
    return this.lock(async () => {
      this.token = await this.fetchToken();
      this.expiresAt = Date.now() + this.options.ttlMs;
      return this.token;
    });
  }
}

export class SingleFlightTokenCache {
  private token: string | undefined;
  private expiresAt = 0;
  private inFlight: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: FetchToken,
    private readonly options: Options,
  ) {}

  get(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.expiresAt) return Promise.resolve(this.token);
    // Stale: join the refresh in flight, or start the one every caller will share.
    this.inFlight ??= this.fetchToken()
      .then((token) => {
        this.token = token;
        this.expiresAt = Date.now() + this.options.ttlMs;
        return token;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

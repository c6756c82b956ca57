/**
 * Degraded downstreams: msw handlers that answer late, fail, stream slowly or never answer,
 * following a seeded profile. Timers are the global ones at call time, so fake timers (vitest,
 * jest, @sinonjs/fake-timers) drive them, and headroom measures the call in virtual time.
 */
import { HeadroomError, show } from '../../src/errors.js';
import { formatMs } from '../../src/format/units.js';
import {
  type DegradeProfile,
  draw,
  type Outcome,
  type Profile,
  parseProfile,
  seededRandom,
} from './profiles.js';

/** The part of an msw `HttpHandler` headroom uses (msw 2 and 3). */
export interface HttpHandlerLike {
  info: { method: unknown; path: unknown; header?: string };
  resolver: (args: any) => unknown;
  constructor: new (
    method: any,
    path: any,
    resolver: (args: any) => unknown,
    options?: any,
  ) => HttpHandlerLike;
}

/** The part of msw's `SetupServerApi` headroom uses to degrade everything a server has. */
export interface ServerLike {
  listHandlers(): readonly unknown[];
  use(...handlers: unknown[]): void;
}

/** Told what a degraded handler does to each request (by msw request id), for failure messages. */
export const noteListeners = new Set<(requestId: string, note: string) => void>();

function isHttpHandler(value: unknown): value is HttpHandlerLike {
  const h = value as HttpHandlerLike | undefined;
  return (
    typeof h === 'object' &&
    h !== null &&
    typeof h.resolver === 'function' &&
    typeof h.info === 'object' &&
    h.info !== null &&
    'method' in h.info &&
    'path' in h.info
  );
}

function isServer(value: unknown): value is ServerLike {
  const s = value as ServerLike | undefined;
  return typeof s?.listHandlers === 'function' && typeof s.use === 'function';
}

function sleep(ms: number): Promise<void> {
  // The global setTimeout at call time: fake timers installed by the test drive it.
  return ms > 0 ? new Promise((resolve) => globalThis.setTimeout(resolve, ms)) : Promise.resolve();
}

/** A stable small hash, so each route gets its own random stream from one seed. */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function describeOutcome(o: Outcome, profile: Profile): string {
  const parts = [`+${formatMs(o.latencyMs)} latency`];
  if (o.kind === 'error-status') parts.push(`answered ${o.status}`);
  if (o.kind === 'network-error') parts.push('network error');
  if (o.kind === 'hang') parts.push('never answered');
  if (o.bodyMs > 0) parts.push(`body over ${formatMs(o.bodyMs)}`);
  return `simulated: ${parts.join(', ')} (seed ${profile.seed})`;
}

/** Streams a response's body in chunks spread over `ms`. */
async function slowBody(response: Response, ms: number): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const chunks = 10;
  const size = Math.ceil(bytes.length / chunks) || 1;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= bytes.length) {
        controller.close();
        return;
      }
      await sleep(ms / chunks);
      controller.enqueue(bytes.subarray(i, i + size));
      i += size;
    },
  });
  return new Response(stream, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function degradeHandler(handler: HttpHandlerLike, profile: Profile): HttpHandlerLike {
  const random = seededRandom(
    (profile.seed ^ hash(`${String(handler.info.method)} ${String(handler.info.path)}`)) >>> 0,
  );
  const Handler = handler.constructor;
  return new Handler(handler.info.method, handler.info.path, async (args: { requestId?: string }) => {
    const outcome = draw(profile, random);
    if (args.requestId) {
      const note = describeOutcome(outcome, profile);
      for (const listener of noteListeners) listener(args.requestId, note);
    }
    await sleep(outcome.latencyMs);
    if (outcome.kind === 'hang') return new Promise<never>(() => {});
    if (outcome.kind === 'network-error') return Response.error();
    if (outcome.kind === 'error-status') return new Response(null, { status: outcome.status ?? 503 });
    const response = (await handler.resolver(args)) as Response | undefined;
    if (response && outcome.bodyMs > 0 && typeof response.arrayBuffer === 'function')
      return slowBody(response, outcome.bodyMs);
    return response;
  });
}

/** Degrades a handler, a list of handlers, or every HTTP handler of a server (see `degrade`). */
export function isServerLike(value: unknown): value is ServerLike {
  return isServer(value);
}

/** The work of `degrade()`; `degrade()` also counts the requests of a server it is given. */
export function degradeTarget<T>(target: T, profile: DegradeProfile): T {
  const parsed = parseProfile(profile);
  if (isServer(target)) {
    const handlers = target.listHandlers().filter(isHttpHandler);
    target.use(...handlers.map((h) => degradeHandler(h, parsed)));
    return target;
  }
  if (Array.isArray(target)) {
    return target.map((h) => {
      if (!isHttpHandler(h)) throw notAHandler(h);
      return degradeHandler(h, parsed);
    }) as T;
  }
  if (!isHttpHandler(target)) throw notAHandler(target);
  return degradeHandler(target, parsed) as T;
}

function notAHandler(value: unknown): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_NOT_A_FUNCTION',
    `Failed to degrade: ${show(value)} is not an msw HTTP handler or server. ` +
      "Please pass what msw's http.get(...)/http.post(...) return, a list of them, or the server from setupServer().",
  );
}

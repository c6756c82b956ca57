/**
 * `headroom/msw`: counts the requests an msw server answers. msw replaces `fetch`, so Node's
 * channels never see a mocked fetch; this integration records every request from msw's own
 * lifecycle events instead, and joins the channel event of the same request (node:http, and
 * requests msw passes through) to it, so that each request counts once, never twice. Node only.
 */
import { recordClaimableRequest } from '../../src/instrument/http.js';
import type { EventHandle } from '../../src/measure/recorder.js';
import { degradeTarget, isServerLike, noteListeners } from './degrade.js';
import type { DegradeProfile } from './profiles.js';

export type { HttpHandlerLike, ServerLike } from './degrade.js';
export type { DegradeProfile, Latency } from './profiles.js';

/**
 * Makes downstreams slow, flaky or dead, following a profile. Pass one msw handler or a list of
 * them (returns the degraded copies, for `server.use(...)`), or an msw server (degrades every HTTP
 * handler it has, in front of them, until `server.resetHandlers()`, and counts its requests).
 * Draws are seeded (`seed`, or a random seed shown in failure messages); timers are the global
 * ones, so fake timers drive them.
 *
 * @example
 * server.use(degrade(http.get('https://inventory.test/items/:id', items), { latency: '2s' }));
 * server.use(...degrade([payments, shipping], { errorRate: 0.5, status: [502, 503], seed: 7 }));
 * degrade(server, { latency: { p50: '80ms', p99: '900ms' } });
 */
export function degrade<T>(target: T, profile: DegradeProfile): T {
  if (isServerLike(target) && typeof (target as unknown as MswServerLike).events?.on === 'function') {
    instrument(target as unknown as MswServerLike);
  }
  return degradeTarget(target, profile);
}

/** The part of msw's `SetupServerApi` (msw/node) headroom uses. */
export interface MswServerLike {
  events: {
    on(event: string, listener: (args: any) => void): void;
    removeListener(event: string, listener: (args: any) => void): void;
  };
}

const INSTRUMENTED = Symbol.for('headroom.msw.listeners.v1');
const ANNOTATE = Symbol('headroom.msw.annotate');
type Instrumented = MswServerLike & { [INSTRUMENTED]?: [string, (args: any) => void][] };

/**
 * Counts the requests `server` sees (mocked, passed through or unhandled), in the measurement
 * whose async context made them. Call it once, after `setupServer()`. Calling it twice is
 * harmless. Returns true if it subscribed.
 *
 * @example
 * import { setupServer } from 'msw/node';
 * import { instrument } from 'headroom/msw';
 * export const server = setupServer(...handlers);
 * instrument(server);
 */
export function instrument(server: MswServerLike): boolean {
  const target = server as Instrumented;
  if (typeof target?.events?.on !== 'function') {
    throw new TypeError(
      'Failed to instrument msw: expected the server returned by setupServer() from msw/node. Please pass that server.',
    );
  }
  if (target[INSTRUMENTED]) return false;
  const open = new Map<string, { handle: EventHandle; release: () => void }>();
  const finish = (requestId: string, outcome?: { status?: number; error?: unknown }) => {
    const entry = open.get(requestId);
    if (!entry) return;
    open.delete(requestId);
    entry.release();
    entry.handle.end(outcome);
  };
  const annotate = (requestId: string, note: string) => open.get(requestId)?.handle.annotate(note);
  const listeners: [string, (args: any) => void][] = [
    [
      'request:start',
      ({ request, requestId }: { request: Request; requestId: string }) => {
        const recorded = recordClaimableRequest(request.method, request.url, 'msw');
        if (recorded) open.set(requestId, recorded);
      },
    ],
    [
      'response:mocked',
      ({ response, requestId }: { response: Response; requestId: string }) =>
        finish(requestId, { status: response.status }),
    ],
    [
      'response:bypass',
      ({ response, requestId }: { response: Response; requestId: string }) =>
        finish(requestId, { status: response.status }),
    ],
    [
      'unhandledException',
      ({ error, requestId }: { error: unknown; requestId: string }) => finish(requestId, { error }),
    ],
  ];
  for (const [event, listener] of listeners) target.events.on(event, listener);
  noteListeners.add(annotate);
  target[INSTRUMENTED] = listeners;
  (target as Instrumented & { [ANNOTATE]?: typeof annotate })[ANNOTATE] = annotate;
  return true;
}

/** Stops counting the requests of `server`. Returns true if it unsubscribed. */
export function uninstrument(server: MswServerLike): boolean {
  const target = server as Instrumented;
  const listeners = target[INSTRUMENTED];
  if (!listeners) return false;
  for (const [event, listener] of listeners) target.events.removeListener(event, listener);
  const withAnnotate = target as Instrumented & { [ANNOTATE]?: (id: string, note: string) => void };
  if (withAnnotate[ANNOTATE]) noteListeners.delete(withAnnotate[ANNOTATE]);
  withAnnotate[ANNOTATE] = undefined;
  target[INSTRUMENTED] = undefined;
  return true;
}

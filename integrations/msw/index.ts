/**
 * `headroom/msw`: counts the requests an msw server answers. msw replaces `fetch`, so Node's
 * channels never see a mocked fetch; this integration records every request from msw's own
 * lifecycle events instead, and joins the channel event of the same request (node:http, and
 * requests msw passes through) to it, so that each request counts once, never twice. Node only.
 */
import { recordClaimableRequest } from '../../src/instrument/http.js';
import type { EventHandle } from '../../src/measure/recorder.js';

/** The part of msw's `SetupServerApi` (msw/node) headroom uses. */
export interface MswServerLike {
  events: {
    on(event: string, listener: (args: any) => void): void;
    removeListener(event: string, listener: (args: any) => void): void;
  };
}

const INSTRUMENTED = Symbol.for('headroom.msw.listeners.v1');
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
  target[INSTRUMENTED] = listeners;
  return true;
}

/** Stops counting the requests of `server`. Returns true if it unsubscribed. */
export function uninstrument(server: MswServerLike): boolean {
  const target = server as Instrumented;
  const listeners = target[INSTRUMENTED];
  if (!listeners) return false;
  for (const [event, listener] of listeners) target.events.removeListener(event, listener);
  target[INSTRUMENTED] = undefined;
  return true;
}

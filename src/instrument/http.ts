/**
 * HTTP counting and scope propagation, through Node's diagnostics channels (nothing is patched):
 *
 * - outgoing requests of `node:http`/`node:https` (`http.client.request.start`, answered by
 *   `http.client.response.finish` or `http.client.request.error`) and of fetch and undici
 *   (`undici:request:create`, `undici:request:headers`, `undici:request:error`) are recorded as
 *   `request` events of the measurement whose async context made them;
 * - a request to a server in this process (loopback) carries the measurement's scope, the way
 *   distributed tracing carries context: fetch/undici requests get an `x-headroom-scope` header
 *   (removed again before the handler sees it); node:http requests are paired by their loopback
 *   socket (the client's local port is the server's remote port). The server enters the scope in
 *   `http.server.request.start`, so the handler's queries count for the test that called it.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type EventHandle, isRecording, record } from '../measure/recorder.js';
import { type CallScope, runtime } from '../measure/scope.js';

/** The header that carries a scope id across a loopback fetch. */
export const SCOPE_HEADER = 'x-headroom-scope';

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)(:\d+)?$/i;

interface UndiciRequest {
  origin: string | URL;
  path: string;
  method: string;
  addHeader?: (name: string, value: string) => unknown;
}

const pending = new WeakMap<object, EventHandle>();

/**
 * Requests already recorded by another source (msw sees a request before Node's channels do),
 * waiting for the channel event of the same request, by scope, method and URL: that channel
 * event then joins the recorded one instead of counting again.
 */
const claimable = new Map<string, EventHandle[]>();

function claimKey(method: string, url: string): string {
  return `${runtime.als.getStore()?.id ?? 0} ${method.toUpperCase()} ${url}`;
}

/**
 * Requests a channel recorded that no other source has joined yet, still in flight, by the same
 * key: msw 3 intercepts at the socket, after fetch's `undici:request:create` has fired, so its
 * `request:start` joins the channel's event instead of counting the request again.
 */
const joinable = new Map<string, EventHandle[]>();

function take(map: Map<string, EventHandle[]>, key: string, handle?: EventHandle): EventHandle | undefined {
  const list = map.get(key);
  if (!list) return undefined;
  const i = handle === undefined ? 0 : list.indexOf(handle);
  const [taken] = i >= 0 ? list.splice(i, 1) : [];
  if (list.length === 0) map.delete(key);
  return taken;
}

/**
 * Records a request seen by a source other than Node's channels (msw's `request:start`), so that
 * the channel event of the same request counts once: if a channel recorded it already (msw 3,
 * which intercepts at the socket), the source joins that event; otherwise the event is recorded
 * here and the channel event that follows (msw 2 sees a request before Node's channels do) joins
 * it. Returns the handle, and a function that withdraws the claim once the source has answered.
 */
export function recordClaimableRequest(
  method: string,
  url: string,
  source: string,
): { handle: EventHandle; release: () => void } | undefined {
  if (!isRecording()) return undefined;
  const key = claimKey(method, url);
  const open = take(joinable, key);
  if (open) return { handle: open, release: () => {} };
  const handle = record({ kind: 'request', method: method.toUpperCase(), url, host: hostOf(url), source });
  const list = claimable.get(key) ?? [];
  list.push(handle);
  claimable.set(key, list);
  const release = () => void take(claimable, key, handle);
  return { handle, release };
}

/**
 * A request a channel is about to record: the claimed one if another source recorded it first,
 * else a new event that another source may join until it ends.
 */
function recordRequest(method: string, url: string, source: string): EventHandle {
  const key = claimKey(method, url);
  const claimed = take(claimable, key);
  if (claimed) return claimed;
  const event = record({ kind: 'request', method, url, host: hostOf(url), source });
  const handle: EventHandle = {
    end(outcome) {
      take(joinable, key, handle);
      event.end(outcome);
    },
    annotate: (note) => event.annotate(note),
  };
  const list = joinable.get(key) ?? [];
  list.push(handle);
  joinable.set(key, list);
  return handle;
}
/** Client local port → scope of the request last sent on that loopback socket. */
const byLocalPort = new Map<number, CallScope>();

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function onClientStart({ request }: { request: ClientRequest }): void {
  const scope = runtime.als.getStore();
  if (scope?.open) pairSocket(request, scope);
  if (!isRecording()) return;
  const host = String(request.getHeader('host') ?? request.host);
  const protocol = request.protocol ?? 'http:';
  const url = `${protocol}//${host}${request.path}`;
  pending.set(request, recordRequest(request.method, url, 'node:http'));
}

/** Sockets whose port mapping is removed when they close. */
const cleaned = new WeakSet<Socket>();

function pairSocket(request: ClientRequest, scope: CallScope): void {
  const host = String(request.getHeader('host') ?? request.host);
  if (!LOOPBACK.test(host)) return;
  const map = (socket: Socket) => {
    const set = () => {
      const port = socket.localPort;
      if (port === undefined) return;
      byLocalPort.set(port, scope);
      // One cleanup per socket, not per request: a keep-alive socket carries many requests, and a
      // listener each would pile up (and keep every measurement's scope alive) until it closed.
      // Until the socket closes its port is its own, so whatever scope the port maps to then is
      // this socket's.
      if (cleaned.has(socket)) return;
      cleaned.add(socket);
      socket.once('close', () => byLocalPort.delete(port));
    };
    if (socket.localPort !== undefined) set();
    else socket.once('connect', set);
  };
  if (request.socket) map(request.socket);
  else request.once('socket', map);
}

function onClientResponse({
  request,
  response,
}: {
  request: ClientRequest;
  response: IncomingMessage;
}): void {
  const op = pending.get(request);
  if (!op) return;
  pending.delete(request);
  op.end(response.statusCode === undefined ? undefined : { status: response.statusCode });
}

function onClientError({ request, error }: { request: object; error: unknown }): void {
  const op = pending.get(request);
  if (!op) return;
  pending.delete(request);
  op.end({ error });
}

function onUndiciCreate({ request }: { request: UndiciRequest }): void {
  const scope = runtime.als.getStore();
  const origin = String(request.origin);
  const host = hostOf(origin);
  if (scope?.open && LOOPBACK.test(host) && typeof request.addHeader === 'function') {
    request.addHeader(SCOPE_HEADER, String(scope.id));
  }
  if (!isRecording()) return;
  const url = origin.replace(/\/$/, '') + request.path;
  pending.set(request, recordRequest(request.method, url, 'undici'));
}

function onUndiciHeaders({
  request,
  response,
}: {
  request: object;
  response: { statusCode?: number };
}): void {
  const op = pending.get(request);
  if (!op) return;
  pending.delete(request);
  op.end(response.statusCode === undefined ? undefined : { status: response.statusCode });
}

function removeScopeHeader(request: IncomingMessage): string | undefined {
  const value = request.headers[SCOPE_HEADER];
  if (value === undefined) return undefined;
  delete request.headers[SCOPE_HEADER];
  const raw = request.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]?.toLowerCase() === SCOPE_HEADER) raw.splice(i, 2);
  }
  return Array.isArray(value) ? value[0] : value;
}

function onServerStart({
  request,
  socket,
}: {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket;
}): void {
  const id = removeScopeHeader(request);
  let scope = id !== undefined ? runtime.byId.get(Number(id)) : undefined;
  if (scope === undefined && socket.remotePort !== undefined && LOOPBACK.test(socket.remoteAddress ?? '')) {
    scope = byLocalPort.get(socket.remotePort);
  }
  if (scope !== undefined && !scope.open) scope = undefined;
  // Always reset on a keep-alive socket, so that one request's scope never leaks to the next.
  if (scope !== undefined || runtime.als.getStore() !== undefined) runtime.als.enterWith(scope as CallScope);
}

const SUBSCRIPTIONS: [string, (message: any) => void][] = [
  ['http.client.request.start', onClientStart],
  ['http.client.response.finish', onClientResponse],
  ['http.client.request.error', onClientError],
  ['undici:request:create', onUndiciCreate],
  ['undici:request:headers', onUndiciHeaders],
  ['undici:request:error', onClientError],
  ['http.server.request.start', onServerStart],
];

/** Our subscriber, kept on the process-wide channel object: jest loads headroom once per test
 * file in a fresh sandbox, and each load must replace the previous subscriber, not add to it. */
const SUBSCRIBER = Symbol.for('headroom.http.subscriber.v1');
type Channel = diagnostics.Channel & { [SUBSCRIBER]?: (message: any) => void };

/**
 * Counts outgoing HTTP requests (fetch, undici, node:http, node:https) and carries measurement
 * scopes into servers running in this process. The runner entries call it; call it yourself
 * when you use `measure()` without one. Calling it twice is harmless.
 *
 * @example import { instrumentHttp } from 'headroom'; instrumentHttp();
 */
export function instrumentHttp(): void {
  for (const [name, fn] of SUBSCRIPTIONS) {
    const channel = diagnostics.channel(name) as Channel;
    const previous = channel[SUBSCRIBER];
    if (previous === fn) continue;
    if (previous) diagnostics.unsubscribe(name, previous);
    diagnostics.subscribe(name, fn);
    channel[SUBSCRIBER] = fn;
  }
}

/** Stops counting HTTP requests and propagating scopes. */
export function uninstrumentHttp(): void {
  for (const [name] of SUBSCRIPTIONS) {
    const channel = diagnostics.channel(name) as Channel;
    const previous = channel[SUBSCRIBER];
    if (previous) diagnostics.unsubscribe(name, previous);
    channel[SUBSCRIBER] = undefined;
  }
}

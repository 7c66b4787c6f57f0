/**
 * The 2025-era (stateful) side of the HTTP endpoint: `initialize` and sessions, POSTed
 * requests answered as JSON or SSE, the GET stream for unsolicited messages, resumption with
 * `Last-Event-ID`, and DELETE.
 *
 * @module
 */

import {
  ErrorCode,
  errorResponse,
  isObject,
  isResponse,
  type JsonObject,
  type JsonRpcResponse,
  type RequestId,
} from "../../protocol/jsonrpc.ts";
import type { ClientCapabilities, Implementation } from "../../protocol/types.ts";
import {
  DEFAULT_LEGACY_HTTP_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  supportsSsePolling,
} from "../../protocol/versions.ts";
import { type Engine, handleNotification, serveRequest } from "../engine.ts";
import { legacyExchange, type RequestExchange } from "../exchange.ts";
import type { Session } from "../session.ts";
import { accepts, jsonError, jsonResponse } from "./guards.ts";
import { Responder } from "./responder.ts";
import { type ConnectionRegistry, LogicalStream, parseEventId, SseConnection } from "./sse_stream.ts";

/** HTTP-side state of one session: its resumable streams. */
class HttpSessionState {
  readonly streams = new Map<string, LogicalStream>();
  readonly standalone: LogicalStream;
  #next = 0;

  constructor(readonly session: Session, private readonly capacity: number) {
    this.standalone = new LogicalStream("g", capacity);
    this.streams.set("g", this.standalone);
  }

  newStream(): LogicalStream {
    this.prune();
    const stream = new LogicalStream(`p${++this.#next}`, this.capacity);
    this.streams.set(stream.id, stream);
    return stream;
  }

  openConnections(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.connection) n++;
    return n;
  }

  /** Drops finished streams whose answer has been delivered. */
  prune(): void {
    for (const [id, s] of this.streams) if (s.finished && !s.connection) this.streams.delete(id);
  }

  close(): void {
    for (const s of this.streams.values()) s.connection?.close();
    this.streams.clear();
  }
}

/** Transport state the legacy path needs. */
export interface LegacyHttp {
  readonly engine: Engine;
  readonly connections: ConnectionRegistry;
  /** Requests being served (for `stats()`). */
  active: number;
  /** Serve 2025 requests without sessions (no `Mcp-Session-Id`, no GET stream). */
  readonly stateless: boolean;
}

const states = new WeakMap<Session, HttpSessionState>();

function stateOf(http: LegacyHttp, session: Session): HttpSessionState {
  let state = states.get(session);
  if (!state) {
    state = new HttpSessionState(session, http.engine.limits.eventStoreSize);
    states.set(session, state);
    const standalone = state.standalone;
    session.unsolicited = (message) => {
      standalone.send(message);
      return standalone.connection !== undefined;
    };
  }
  return state;
}

/** Frees the HTTP state of an ended session (its streams close). */
export function releaseSession(session: Session): void {
  states.get(session)?.close();
  states.delete(session);
}

const sessionHeaderCache = new WeakMap<Session, Record<string, string>>();

function sessionHeaders(session: Session | undefined): Record<string, string> | undefined {
  if (!session) return undefined;
  let headers = sessionHeaderCache.get(session);
  if (!headers) sessionHeaderCache.set(session, headers = { "mcp-session-id": session.id });
  return headers;
}

type Found = Session | Response | undefined;

/**
 * Finds the session of a request, or the error response for a missing or unknown one.
 * Synchronous when the session is held here; a shared store may need a read.
 */
function lookupSession(http: LegacyHttp, req: Request, id: RequestId | null): Found | Promise<Found> {
  const sessionId = req.headers.get("mcp-session-id");
  if (sessionId === null) {
    if (http.stateless) return undefined;
    return jsonError(400, id, ErrorCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required");
  }
  const notFound = () => jsonError(404, id, ErrorCode.InvalidRequest, "Session not found");
  const session = http.engine.sessions.get(sessionId);
  if (session instanceof Promise) return session.then((s) => s ?? notFound());
  return session ?? notFound();
}

/** Runs `then` with the request's session once it is known, or answers the lookup's error. */
function withSession(
  http: LegacyHttp,
  req: Request,
  id: RequestId | null,
  then: (session: Session | undefined) => Response | Promise<Response>,
): Response | Promise<Response> {
  const found = lookupSession(http, req, id);
  const go = (f: Found) => (f instanceof Response ? f : then(f));
  return found instanceof Promise ? found.then(go) : go(found);
}

function checkVersionHeader(req: Request, id: RequestId | null): Response | undefined {
  const version = req.headers.get("mcp-protocol-version");
  if (version === null || LEGACY_PROTOCOL_VERSIONS.includes(version.trim())) return undefined;
  return jsonError(
    400,
    id,
    ErrorCode.InvalidRequest,
    `Bad Request: Unsupported protocol version: ${version} (supported versions: ${
      LEGACY_PROTOCOL_VERSIONS.join(", ")
    }, ${MODERN_PROTOCOL_VERSIONS.join(", ")})`,
  );
}

/** Serves a 2025-era POST (one message, or a 2025-03-26 batch). */
export function handleLegacyPost(
  http: LegacyHttp,
  req: Request,
  body: unknown,
): Response | Promise<Response> {
  if (Array.isArray(body)) return handleBatch(http, req, body);
  const msg = body as JsonObject;
  const id = (msg.id ?? null) as RequestId | null;
  if (msg.method === "initialize" && msg.id !== undefined) return initialize(http, req, msg);
  const versionError = checkVersionHeader(req, id);
  if (versionError) return versionError;
  return withSession(http, req, id, (session) => postWithSession(http, req, msg, session));
}

function postWithSession(
  http: LegacyHttp,
  req: Request,
  msg: JsonObject,
  session: Session | undefined,
): Response | Promise<Response> {
  if (isResponse(msg)) {
    const response = msg as unknown as JsonRpcResponse;
    // The request it answers may have gone out from another isolate or instance.
    if (session && !session.resolve(response)) {
      return http.engine.sessions.forwardResponse(session, response).then(() =>
        new Response(null, { status: 202 })
      );
    }
    return new Response(null, { status: 202 });
  }
  if (msg.id === undefined) {
    handleNotification(
      http.engine,
      msg.method as string,
      msg.params as JsonObject | undefined,
      session,
      session?.inflight,
    );
    const accepted = () => new Response(null, { status: 202, headers: sessionHeaders(session) });
    // A change to a shared session (initialized) lands before the client moves on to another instance.
    return session?.pendingSave ? session.pendingSave.then(accepted) : accepted();
  }
  if (!http.engine.started) return http.engine.ready().then(() => serveOne(http, req, msg, session));
  return serveOne(http, req, msg, session);
}

async function initialize(http: LegacyHttp, req: Request, msg: JsonObject): Promise<Response> {
  const id = msg.id as RequestId;
  const params = isObject(msg.params) ? msg.params : {};
  const span = http.engine.telemetry.start({
    method: "initialize",
    id,
    params,
    protocolVersion: String(params.protocolVersion ?? ""),
    transport: "http",
    httpRequest: req,
  });
  const { status, body, headers } = await openSession(http, req, id, params);
  span?.end(body);
  return jsonResponse(body, status, headers);
}

/** The answer to `initialize`: a new session, or why there is none. */
async function openSession(
  http: LegacyHttp,
  req: Request,
  id: RequestId,
  params: JsonObject,
): Promise<{ status: number; body: JsonRpcResponse; headers?: Record<string, string> }> {
  const headerVersion = req.headers.get("mcp-protocol-version");
  if (headerVersion !== null && MODERN_PROTOCOL_VERSIONS.includes(headerVersion.trim())) {
    const message = "Header mismatch: initialize is not part of protocol version " + headerVersion;
    return { status: 400, body: errorResponse(id, ErrorCode.HeaderMismatch, message) };
  }
  await http.engine.ready();
  const result = http.engine.dispatcher.initializeResult(params.protocolVersion);
  if (http.stateless) return { status: 200, body: { jsonrpc: "2.0", id, result } };
  const session = http.engine.sessions.create(result.protocolVersion as string);
  if (!session) {
    const message = "Too many sessions (limits.maxSessions); try again later";
    return {
      status: 503,
      body: errorResponse(id, ErrorCode.InternalError, message),
      headers: { "retry-after": "5" },
    };
  }
  session.clientInfo = params.clientInfo as Implementation | undefined;
  session.clientCapabilities =
    (isObject(params.capabilities) ? params.capabilities : {}) as ClientCapabilities;
  stateOf(http, session);
  await http.engine.sessions.save(session);
  return { status: 200, body: { jsonrpc: "2.0", id, result }, headers: sessionHeaders(session) };
}

function exchangeFor(
  http: LegacyHttp,
  req: Request,
  msg: JsonObject,
  session: Session | undefined,
): RequestExchange {
  return legacyExchange(session, req.headers.get("mcp-protocol-version") ?? DEFAULT_LEGACY_HTTP_VERSION, {
    id: msg.id as RequestId,
    method: msg.method as string,
    params: (isObject(msg.params) ? msg.params : {}) as JsonObject,
    transport: "http",
    httpRequest: req,
  }, http.engine.shutdownSignal);
}

function serveOne(
  http: LegacyHttp,
  req: Request,
  msg: JsonObject,
  session: Session | undefined,
): Response | Promise<Response> {
  const exchange = exchangeFor(http, req, msg, session);
  const state = session ? stateOf(http, session) : undefined;
  if (session) session.inflight.set(exchange.id, exchange);
  http.active++;
  const responder = new Responder({
    registry: http.connections,
    headers: sessionHeaders(session),
    streams: state,
    prime: supportsSsePolling(exchange.protocolVersion),
    // 2025: a dropped connection is not a cancellation; the stream can be resumed.
    statusOf: () => 200,
  });
  const response = serveRequest(http.engine, exchange.attach(responder));
  return responder.finish(
    response instanceof Promise
      ? response.then((r) => settle(http, exchange, r))
      : settle(http, exchange, response),
  );
}

function settle(
  http: LegacyHttp,
  exchange: RequestExchange,
  response: JsonRpcResponse,
): JsonRpcResponse | undefined {
  http.active--;
  exchange.session?.inflight.delete(exchange.id);
  exchange.dispose();
  // A cancelled request gets no response (2025-11-25 cancellation §"Behavior").
  return exchange.aborted ? undefined : response;
}

async function handleBatch(http: LegacyHttp, req: Request, batch: unknown[]): Promise<Response> {
  if (batch.length === 0) {
    return jsonError(400, null, ErrorCode.InvalidRequest, "Invalid Request: empty batch");
  }
  if (batch.length > http.engine.limits.maxBatchSize) {
    return jsonError(
      400,
      null,
      ErrorCode.InvalidRequest,
      `Invalid Request: batch of ${batch.length} exceeds limits.maxBatchSize (${http.engine.limits.maxBatchSize})`,
    );
  }
  if (
    !batch.every((m) => isObject(m) && m.jsonrpc === "2.0" && (typeof m.method === "string" || isResponse(m)))
  ) {
    return jsonError(
      400,
      null,
      ErrorCode.InvalidRequest,
      "Invalid Request: every batch entry must be a JSON-RPC 2.0 message",
    );
  }
  if (batch.some((m) => (m as JsonObject).method === "initialize")) {
    return jsonError(400, null, ErrorCode.InvalidRequest, "Invalid Request: initialize cannot be batched");
  }
  const versionError = checkVersionHeader(req, null);
  if (versionError) return versionError;
  const found = await lookupSession(http, req, null);
  if (found instanceof Response) return found;
  const session = found;
  await http.engine.ready();
  const responses: JsonRpcResponse[] = [];
  await Promise.all((batch as JsonObject[]).map(async (msg) => {
    if (isResponse(msg)) return void session?.resolve(msg as unknown as JsonRpcResponse);
    if (msg.id === undefined) {
      return handleNotification(
        http.engine,
        msg.method as string,
        msg.params as JsonObject | undefined,
        session,
        session?.inflight,
      );
    }
    // Messages a batched request sends before its answer go to the session's GET stream.
    const exchange = exchangeFor(http, req, msg, session).attach({
      send: (m) => void session?.unsolicited?.(m),
      open: () => undefined,
    });
    responses.push(await serveRequest(http.engine, exchange));
    exchange.dispose();
  }));
  if (responses.length === 0) return new Response(null, { status: 202, headers: sessionHeaders(session) });
  return jsonResponse(responses, 200, sessionHeaders(session));
}

/** Serves a 2025-era GET: the standalone stream, or resumption of any stream. */
export function handleLegacyGet(http: LegacyHttp, req: Request): Response | Promise<Response> {
  if (http.stateless) {
    return jsonError(
      405,
      null,
      ErrorCode.InvalidRequest,
      "Method Not Allowed: this server is stateless",
      undefined,
      { allow: "POST" },
    );
  }
  if (!accepts(req.headers.get("accept"), "text/event-stream")) {
    return jsonError(
      406,
      null,
      ErrorCode.InvalidRequest,
      "Not Acceptable: GET requires Accept: text/event-stream",
    );
  }
  return withSession(http, req, null, (session) => openStream(http, req, session!));
}

function openStream(http: LegacyHttp, req: Request, session: Session): Response {
  const state = stateOf(http, session);
  if (state.openConnections() >= http.engine.limits.maxStreamsPerSession) {
    return jsonError(
      429,
      null,
      ErrorCode.InvalidRequest,
      `Too many open streams for this session (limits.maxStreamsPerSession = ${http.engine.limits.maxStreamsPerSession})`,
    );
  }
  const lastEventId = req.headers.get("last-event-id");
  const headers = sessionHeaders(session);
  if (lastEventId !== null) {
    const parsed = parseEventId(lastEventId);
    const stream = parsed ? state.streams.get(parsed.streamId) : undefined;
    if (!parsed || !stream) {
      return jsonError(
        400,
        null,
        ErrorCode.InvalidRequest,
        `Bad Request: unknown Last-Event-ID '${lastEventId}'`,
      );
    }
    if (stream.connection) {
      return jsonError(409, null, ErrorCode.InvalidRequest, "Conflict: that stream is already connected");
    }
    const connection = new SseConnection(http.connections, headers);
    stream.attach(connection, parsed.seq);
    return connection.response;
  }
  const standalone = state.standalone;
  if (standalone.connection) {
    return jsonError(
      409,
      null,
      ErrorCode.InvalidRequest,
      "Conflict: only one GET stream is allowed per session",
    );
  }
  const connection = new SseConnection(http.connections, headers);
  if (supportsSsePolling(session.protocolVersion)) standalone.prime(connection);
  standalone.attach(connection, Number.MAX_SAFE_INTEGER);
  return connection.response;
}

/** Serves DELETE: ends the session, here and in the shared store. */
export function handleLegacyDelete(http: LegacyHttp, req: Request): Response | Promise<Response> {
  if (http.stateless) {
    return jsonError(
      405,
      null,
      ErrorCode.InvalidRequest,
      "Method Not Allowed: this server is stateless",
      undefined,
      { allow: "POST" },
    );
  }
  return withSession(http, req, null, async (session) => {
    await http.engine.sessions.delete(session!.id);
    return new Response(null, { status: 200 });
  });
}

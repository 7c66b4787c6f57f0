/**
 * One connection to one server: the transport the target calls for, version negotiation, and
 * requests in either era (a 2026-07-28 request carries its own protocol facts and may come back
 * asking for input; a 2025 session answers the server's questions as they arrive).
 *
 * @module
 */

import type { JsonObject, RequestId } from "../protocol/jsonrpc.ts";
import { ErrorCode, isObject } from "../protocol/jsonrpc.ts";
import {
  CLIENT_CAPABILITIES_KEY,
  CLIENT_INFO_KEY,
  LOG_LEVEL_KEY,
  PROTOCOL_VERSION_KEY,
  SERVER_INFO_KEY,
} from "../protocol/meta_keys.ts";
import type {
  ClientCapabilities,
  Implementation,
  LoggingLevel,
  ServerCapabilities,
} from "../protocol/types.ts";
import {
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
} from "../protocol/versions.ts";
import { ClientError, ConnectionError, McpError } from "./errors.ts";
import { HttpStatusError, SessionLostError } from "./engine/streamable_http.ts";
import { listChangeFilter, listenForChanges } from "./engine/listen.ts";
import { Peer, type PeerHost } from "./engine/peer.ts";
import type { ClientTransport } from "./engine/transport.ts";
import { mirroredArguments, routingHeaders } from "./engine/headers.ts";
import { type CallHandlers, ClientHandlers } from "./engine/handlers.ts";
import { type Endpoint, openTransport, sseTransport } from "./endpoint.ts";
import { correctiveVersion, isLegacyEvidence, STDIO_PROBE_MS } from "./negotiation.ts";
import { type CallTarget, ClientTracing } from "./telemetry.ts";
import type { CallOptions, ClientOptions, VersionNegotiation } from "./types.ts";
import { context } from "@opentelemetry/api";

const DEFAULT_TIMEOUT_MS = 60_000;
/** Input-required rounds of one request before the client gives up (the server asks forever otherwise). */
const MAX_INPUT_ROUNDS = 16;

/** Package version reported as the default client version. */
export const CLIENT_VERSION = "0.1.0";

/** A connected server. */
export class Session {
  /** Entry name ("" for a single target). */
  readonly name: string;
  readonly #endpoint: Endpoint;
  readonly #options: ClientOptions;
  readonly #handlers: ClientHandlers;
  #peer?: Peer;
  #transport?: ClientTransport;
  /** Minimum log level asked of the server (sent per request on a stateless connection). */
  logLevel?: LoggingLevel;
  readonly #tracing: ClientTracing;
  /** The era in use, once connected. */
  era?: "legacy" | "modern";
  /** The protocol revision in use, once connected. */
  protocolVersion?: string;
  /** The server's name and version. */
  serverInfo?: Implementation;
  /** What the server offers. */
  serverCapabilities?: ServerCapabilities;
  /** The server's instructions. */
  instructions?: string;
  /** Hears every notification the session does not handle itself (list changes, resource updates). */
  onNotification?: (method: string, params: JsonObject) => void;

  constructor(name: string, endpoint: Endpoint, options: ClientOptions) {
    this.name = name;
    this.#endpoint = endpoint;
    this.#options = options;
    this.logLevel = options.logLevel;
    this.#handlers = new ClientHandlers(options, name || undefined);
    this.#tracing = new ClientTracing(options.telemetry?.tracer, options.version ?? CLIENT_VERSION);
  }

  get connected(): boolean {
    return this.#peer !== undefined;
  }

  get #label(): string {
    return this.name ? `server '${this.name}': ` : "";
  }

  get timeoutMs(): number {
    return this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The 2025 session id, when there is one. */
  get sessionId(): string | undefined {
    return this.#transport?.sessionId;
  }

  /** Capabilities this session declares. */
  get clientCapabilities(): ClientCapabilities {
    return this.#handlers.capabilities;
  }

  get #clientInfo(): Implementation {
    return { name: this.#options.name ?? "denomcp-client", version: this.#options.version ?? CLIENT_VERSION };
  }

  /** Opens the transport and runs the handshake or discovery. */
  async connect(signal?: AbortSignal): Promise<void> {
    if (this.#peer) return;
    const negotiation = this.#options.negotiation ?? "auto";
    const timeout = this.#options.connectTimeoutMs ?? this.timeoutMs;
    const endpoint = this.#endpoint;
    if (endpoint.kind === "http" && endpoint.sse === "only") {
      await this.#attempt(
        sseTransport(endpoint, this.#options, this.#label, timeout),
        "legacy",
        timeout,
        signal,
      );
      return;
    }
    try {
      try {
        await this.#attempt(
          openTransport(this.#endpoint, this.#options, this.#label),
          negotiation,
          timeout,
          signal,
        );
      } catch (err) {
        // Some 2025 stdio servers exit on any request before `initialize`: start it again and
        // greet it the 2025 way.
        const gaveUp = endpoint.kind === "stdio" && negotiation === "auto" &&
          err instanceof ConnectionError &&
          /exited/.test(err.message);
        if (!gaveUp) throw err;
        await this.#attempt(
          openTransport(this.#endpoint, this.#options, this.#label),
          "legacy",
          timeout,
          signal,
        );
      }
    } catch (err) {
      // Streamable HTTP §"Backwards Compatibility": a 4xx on the first POST means an HTTP+SSE server.
      if (
        endpoint.kind === "http" && this.#options.sseFallback !== false && err instanceof HttpStatusError &&
        err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403
      ) {
        try {
          await this.#attempt(
            sseTransport(endpoint, this.#options, this.#label, timeout),
            "legacy",
            timeout,
            signal,
          );
          return;
        } catch {
          // Not an SSE server either: report the original failure.
        }
      }
      throw err;
    }
  }

  async #attempt(
    transport: ClientTransport,
    negotiation: VersionNegotiation,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    let modern = false;
    const host: PeerHost = {
      answer: (method, params, signal, scope) =>
        this.#handlers.answer(method, params, signal, scope as CallHandlers | undefined),
      notified: (method, params, scope) => this.#notified(method, params, scope as CallHandlers | undefined),
      cancellation: (requestId, reason) => {
        if (!modern) return { requestId, reason };
        // 2026 HTTP: closing the request's stream is the cancellation; stdio still says so, with the envelope.
        return transport.kind === "stdio" ? { requestId, reason, _meta: this.#modernMeta() } : undefined;
      },
      label: this.#label,
    };
    const peer = new Peer(transport, host);
    const options = { timeoutMs, signal };
    try {
      await peer.start();
      if (negotiation !== "legacy" && await this.#discover(peer, transport, negotiation, options)) {
        modern = true;
      } else {
        await this.#initialize(peer, transport, options);
      }
    } catch (err) {
      peer.close();
      await transport.close().catch(() => {});
      throw this.#translate(err);
    }
    this.#peer = peer;
    this.#transport = transport;
    if (modern) this.#listen();
    if (!modern) {
      transport.listen?.();
      if (this.logLevel && this.serverCapabilities?.logging) {
        await this.request("logging/setLevel", { level: this.logLevel }, { timeoutMs });
      }
    }
  }

  /**
   * Asks with `server/discover`; true when the server speaks 2026-07-28. A server that does not
   * know the method (or an HTTP server that rejects it as a bad request) is a 2025 server.
   */
  async #discover(
    peer: Peer,
    transport: ClientTransport,
    negotiation: VersionNegotiation,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<boolean> {
    const pinned = typeof negotiation === "object" ? negotiation.pin : undefined;
    const probe = (version: string) => {
      transport.setProtocolVersion?.(version);
      return peer.request("server/discover", { _meta: this.#modernMeta(version) }, {
        ...options,
        // A stdio server that stays silent is a 2025 server that ignores unknown methods: do not
        // wait the whole connect timeout for it.
        timeoutMs: transport.kind === "stdio"
          ? Math.min(options.timeoutMs, STDIO_PROBE_MS)
          : options.timeoutMs,
        headers: { "mcp-method": "server/discover" },
      });
    };
    let result: JsonObject;
    try {
      try {
        result = await probe(pinned ?? MODERN_PROTOCOL_VERSION);
      } catch (err) {
        // -32022 names the versions the server serves: one retry with one this client speaks.
        const retry = err instanceof McpError && err.rpcCode === ErrorCode.UnsupportedProtocolVersion
          ? correctiveVersion(err.data, pinned)
          : undefined;
        if (retry === undefined) throw err;
        result = await probe(retry);
      }
    } catch (err) {
      if (pinned !== undefined || !isLegacyEvidence(err, transport.kind)) throw err;
      transport.setProtocolVersion?.(undefined);
      return false;
    }
    const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions as string[] : [];
    const wanted = pinned ?? MODERN_PROTOCOL_VERSIONS.find((v) => versions.includes(v));
    if (wanted === undefined || !versions.includes(wanted)) {
      if (pinned !== undefined) {
        throw new ConnectionError(
          `${this.#label}the server does not offer protocol ${pinned} (it offers ${
            versions.join(", ") || "none"
          })`,
        );
      }
      return false;
    }
    transport.setProtocolVersion?.(wanted);
    this.era = "modern";
    this.protocolVersion = wanted;
    this.serverCapabilities =
      (isObject(result.capabilities) ? result.capabilities : {}) as ServerCapabilities;
    const meta = isObject(result._meta) ? result._meta : {};
    this.serverInfo = (isObject(meta[SERVER_INFO_KEY]) ? meta[SERVER_INFO_KEY] : result.serverInfo) as
      | Implementation
      | undefined;
    this.instructions = typeof result.instructions === "string" ? result.instructions : undefined;
    return true;
  }

  async #initialize(
    peer: Peer,
    transport: ClientTransport,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<void> {
    transport.setProtocolVersion?.(undefined);
    const result = await peer.request("initialize", {
      protocolVersion: LATEST_LEGACY_PROTOCOL_VERSION,
      capabilities: this.clientCapabilities,
      clientInfo: this.#clientInfo,
    }, options);
    const version = result.protocolVersion;
    if (typeof version !== "string" || !LEGACY_PROTOCOL_VERSIONS.includes(version)) {
      throw new ConnectionError(
        `${this.#label}the server chose protocol version ${version}, which this client does not speak`,
      );
    }
    transport.setProtocolVersion?.(version);
    this.era = "legacy";
    this.protocolVersion = version;
    this.serverCapabilities =
      (isObject(result.capabilities) ? result.capabilities : {}) as ServerCapabilities;
    this.serverInfo = (isObject(result.serverInfo) ? result.serverInfo : undefined) as
      | Implementation
      | undefined;
    this.instructions = typeof result.instructions === "string" ? result.instructions : undefined;
    await peer.notify("notifications/initialized");
  }

  /** `_meta` every 2026-07-28 request carries. */
  #modernMeta(
    version = this.protocolVersion ?? MODERN_PROTOCOL_VERSION,
    extensions?: JsonObject,
  ): JsonObject {
    const capabilities = this.clientCapabilities;
    return {
      [PROTOCOL_VERSION_KEY]: version,
      [CLIENT_INFO_KEY]: this.#clientInfo,
      // Extensions declared for one request only (the tasks extension lets the server make a task of it).
      [CLIENT_CAPABILITIES_KEY]: extensions
        ? {
          ...capabilities,
          extensions: { ...(capabilities.extensions as JsonObject | undefined), ...extensions },
        }
        : capabilities,
      ...(this.logLevel ? { [LOG_LEVEL_KEY]: this.logLevel } : {}),
    };
  }

  #notified(method: string, params: JsonObject, scope: CallHandlers | undefined): void {
    if (method === "notifications/message") {
      this.#handlers.log(params, scope);
      return;
    }
    this.onNotification?.(method, params);
  }

  /**
   * Sends one request in a CLIENT span. On 2026-07-28 it carries the protocol facts in `_meta`
   * and the routing headers, and a result asking for input is answered and the request sent
   * again (at most {@link MAX_INPUT_ROUNDS} times).
   */
  async request(
    method: string,
    params: JsonObject | undefined,
    options: CallOptions = {},
    target: CallTarget = {},
    extensions?: JsonObject,
  ): Promise<JsonObject> {
    const peer = this.#peer;
    if (!peer) throw new ConnectionError(`${this.#label}not connected`);
    const endpoint = this.#endpoint;
    const call = this.#tracing.start(method, target, {
      sessionId: this.sessionId,
      protocolVersion: this.protocolVersion,
      ...(endpoint.kind === "http" ? { url: endpoint.url, transport: "tcp" as const } : {}),
      ...(endpoint.kind === "stdio" ? { transport: "pipe" as const } : {}),
    });
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const modern = this.era === "modern";
    const meta: JsonObject = {
      ...call.meta,
      ...(modern ? this.#modernMeta(undefined, extensions) : {}),
      ...options.meta,
      ...(params?._meta as JsonObject | undefined),
    };
    let body: JsonObject = Object.keys(meta).length ? { ...params, _meta: meta } : { ...params };
    const send = {
      timeoutMs,
      signal: options.signal,
      onProgress: options.onProgress,
      // The list-change subscription is no call: on stdio, where a server's message names no
      // request, it must not make the one call in flight ambiguous (its logs would go unheard).
      scope: method === "subscriptions/listen" ? undefined : handlersOf(options),
      headers: modern
        ? { ...options.headers, ...routingHeaders(method, body, this.#mirroredOf(method, body)) }
        : options.headers,
      onId: (id: RequestId) =>
        call.span.isRecording() && call.span.setAttribute("jsonrpc.request.id", String(id)),
    };
    try {
      let result: JsonObject;
      try {
        result = await context.with(call.context, () => peer.request(method, body, send));
      } catch (err) {
        // The server forgot the session (a restart, an expiry): greet it again, then send once
        // more. Requests in flight on the old connection when it closed are sent again too.
        if (method === "initialize") throw err;
        if (err instanceof SessionLostError) await this.#renew(peer);
        else if (this.#renewing || this.#peer !== peer) await this.#renewing;
        else throw err;
        const renewed = this.#peer;
        if (!renewed) throw err;
        result = await context.with(call.context, () => renewed.request(method, body, send));
      }
      for (let round = 0; modern && result.resultType === "input_required"; round++) {
        if (round >= MAX_INPUT_ROUNDS) {
          throw new ClientError(
            `${this.#label}${method}: the server asked for input ${round} times`,
            "input_rounds",
          );
        }
        const inputResponses = await this.#handlers.inputResponses(result.inputRequests, {
          signal: options.signal,
          handlers: send.scope,
        });
        const { inputResponses: _, requestState: __, ...rest } = body;
        body = {
          ...rest,
          ...(inputResponses ? { inputResponses } : {}),
          ...(typeof result.requestState === "string" ? { requestState: result.requestState } : {}),
        };
        result = await this.#peer!.request(method, body, send);
      }
      call.end(undefined, result);
      return result;
    } catch (err) {
      const error = options.signal?.aborted ? options.signal.reason : this.#translate(err);
      call.end(error);
      throw error;
    }
  }

  /** Every page of a listing (an empty list when the server does not offer `capability`). */
  async listAll(
    method: string,
    key: string,
    capability: keyof ServerCapabilities,
    options: CallOptions,
  ): Promise<JsonObject[]> {
    if (!this.serverCapabilities?.[capability]) return [];
    const out: JsonObject[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const result = await this.request(method, cursor === undefined ? undefined : { cursor }, options);
      const page = result[key];
      if (!Array.isArray(page)) {
        throw new McpError(ErrorCode.InternalError, `${method}: the result has no '${key}' list`);
      }
      out.push(...page.filter(isObject));
      cursor = typeof result.nextCursor === "string" ? result.nextCursor : undefined;
      // A server that hands back a cursor it gave before would page forever.
      if (cursor !== undefined && seen.has(cursor)) {
        throw new McpError(ErrorCode.InternalError, `${method}: the server repeated the cursor '${cursor}'`);
      }
      if (cursor !== undefined) seen.add(cursor);
    } while (cursor !== undefined);
    return out;
  }

  /** Mirrored arguments of each listed tool (2026-07-28 `Mcp-Param-*` headers). */
  readonly #mirrored = new Map<string, Map<string, string[]>>();

  #mirroredOf(method: string, body: JsonObject): Map<string, string[]> | undefined {
    return method === "tools/call" && typeof body.name === "string"
      ? this.#mirrored.get(body.name)
      : undefined;
  }

  /**
   * Learns the mirrored arguments of listed tools; on 2026-07-28 a tool whose `x-mcp-header`
   * annotations are invalid is left out (the server would refuse every call of it).
   */
  noteTools<T extends { name: string; inputSchema?: unknown }>(tools: readonly T[]): T[] {
    if (this.era !== "modern") return [...tools];
    return tools.filter((tool) => {
      const mirrored = mirroredArguments(tool.inputSchema);
      if (!mirrored) return false;
      if (mirrored.size) this.#mirrored.set(tool.name, mirrored);
      else this.#mirrored.delete(tool.name);
      return true;
    });
  }

  #renewing?: Promise<void>;

  /** Replaces a lost 2025 session with a new one (one renewal however many requests noticed). */
  async #renew(lost: Peer): Promise<void> {
    if (this.#renewing) return await this.#renewing;
    if (this.#peer !== lost) return;
    return await (this.#renewing = (async () => {
      const [peer, transport] = [this.#peer, this.#transport];
      this.#peer = this.#transport = undefined;
      peer?.close();
      await transport?.close().catch(() => {});
      const timeout = this.#options.connectTimeoutMs ?? this.timeoutMs;
      await this.#attempt(openTransport(this.#endpoint, this.#options, this.#label), "legacy", timeout);
    })().finally(() => this.#renewing = undefined));
  }

  /** Answers the input requests of a 2026-07-28 task or result, with a call's handlers over the client's. */
  answerInputs(requests: unknown, options: CallOptions = {}): Promise<JsonObject | undefined> {
    return this.#handlers.inputResponses(requests, { signal: options.signal, handlers: handlersOf(options) });
  }

  /** Sends a notification. */
  async notify(method: string, params?: JsonObject): Promise<void> {
    if (!this.#peer) throw new ConnectionError(`${this.#label}not connected`);
    await this.#peer.notify(method, params);
  }

  #translate(err: unknown): unknown {
    const label = this.#label;
    if (
      (err instanceof ConnectionError || err instanceof McpError) && label && !err.message.startsWith(label)
    ) {
      if (err instanceof McpError) {
        return new McpError(err.rpcCode, label + err.message, err.data, { cause: err });
      }
      return new ConnectionError(label + err.message, { cause: err });
    }
    return err;
  }

  /** Ends the session (HTTP `DELETE` for a 2025 session) and closes the transport. */
  /** Stops the 2026 list-change subscription. */
  #listening?: AbortController;

  /** On 2026, opens `subscriptions/listen` for the list changes the client wants to hear of. */
  #listen(): void {
    const filter = this.#options.onListChanged ? listChangeFilter(this.serverCapabilities) : undefined;
    if (!filter) return;
    const listening = this.#listening = new AbortController();
    void listenForChanges(
      (method, params, options) => this.request(method, params, options),
      filter,
      listening.signal,
    );
  }

  async close(): Promise<void> {
    this.#listening?.abort();
    this.#listening = undefined;
    const peer = this.#peer;
    const transport = this.#transport;
    this.#peer = undefined;
    this.#transport = undefined;
    peer?.close();
    await transport?.close().catch(() => {});
  }
}

const NO_HANDLERS: CallHandlers = Object.freeze({});

/** The handlers a call brings, or none (an empty scope still marks the request as a call's). */
function handlersOf(options: CallOptions): CallHandlers {
  const { sampling, elicitation, onLog, roots } = options;
  if (!sampling && !elicitation && !onLog && !roots) return NO_HANDLERS;
  return { sampling, elicitation, onLog, roots };
}

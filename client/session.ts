/**
 * One connection to one server: the official client plus the transport chosen for the target,
 * with errors translated to the client's own classes.
 *
 * @module
 */

import {
  Client as SdkClient,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from "@modelcontextprotocol/client";
import type {
  ClientCapabilities,
  Implementation,
  LoggingLevel,
  ServerCapabilities,
} from "../protocol/types.ts";
import { context, type Span } from "@opentelemetry/api";
import { ConnectionError, McpError, RequestTimeoutError } from "./errors.ts";
import { OAuth } from "./oauth.ts";
import { type CallTarget, ClientTracing, type TraceMeta } from "./telemetry.ts";
import { DenoStdioTransport, type StdioParams } from "./transports/stdio.ts";
import type { CallOptions, ClientOptions, FetchHandler, VersionNegotiation } from "./types.ts";

/** Where one server lives, once the target is resolved. */
export type Endpoint =
  | { kind: "http"; url: URL; headers?: Record<string, string>; sse: "auto" | "only" }
  | { kind: "stdio"; params: StdioParams }
  | { kind: "memory"; server: FetchHandler };

/** The URL an in-memory server is addressed with; no socket is opened. */
export const IN_MEMORY_URL = "http://localhost/mcp";

const DEFAULT_TIMEOUT_MS = 60_000;

/** Package version reported as the default client version. */
export const CLIENT_VERSION = "0.1.0";

type SdkOptions = ConstructorParameters<typeof SdkClient>[1];
type RequestOptions = NonNullable<Parameters<SdkClient["ping"]>[0]>;

/** A connected server. */
/** Official-client errors that mean the server could not be reached or is not an MCP server. */
const UNREACHABLE: ReadonlySet<string> = new Set([
  SdkErrorCode.ConnectionClosed,
  SdkErrorCode.NotConnected,
  SdkErrorCode.SendFailed,
  SdkErrorCode.EraNegotiationFailed,
  SdkErrorCode.ClientHttpNotImplemented,
  SdkErrorCode.ClientHttpUnexpectedContent,
  SdkErrorCode.ClientHttpFailedToOpenStream,
]);

export class Session {
  /** Entry name ("" for a single target). */
  readonly name: string;
  readonly #endpoint: Endpoint;
  readonly #options: ClientOptions;
  #sdk?: SdkClient;
  #transport?: Transport;
  /** Minimum log level asked of the server (sent per request on a stateless connection). */
  logLevel?: LoggingLevel;
  readonly #tracing: ClientTracing;
  /** Spans of requests in flight by their `traceparent`, to learn their JSON-RPC ids on the way out. */
  readonly #inFlight = new Map<string, Span>();

  constructor(name: string, endpoint: Endpoint, options: ClientOptions) {
    this.name = name;
    this.#endpoint = endpoint;
    this.#options = options;
    this.logLevel = options.logLevel;
    this.#tracing = new ClientTracing(options.telemetry?.tracer, options.version ?? CLIENT_VERSION);
  }

  /** The official client, once connected. */
  get sdk(): SdkClient {
    if (!this.#sdk) throw new ConnectionError(`${this.#label()}not connected`);
    return this.#sdk;
  }

  get connected(): boolean {
    return this.#sdk !== undefined;
  }

  #label(): string {
    return this.name ? `server '${this.name}': ` : "";
  }

  get timeoutMs(): number {
    return this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Opens the transport and runs the handshake or discovery. */
  async connect(signal?: AbortSignal): Promise<void> {
    if (this.#sdk) return;
    const negotiation = this.#options.negotiation ?? "auto";
    const timeout = this.#options.connectTimeoutMs ?? this.timeoutMs;
    const endpoint = this.#endpoint;
    if (endpoint.kind === "http" && endpoint.sse === "only") {
      await this.#attempt(this.#sse(endpoint.url, endpoint.headers), "legacy", timeout, signal);
      return;
    }
    try {
      await this.#attempt(this.#primaryTransport(), negotiation, timeout, signal);
    } catch (err) {
      // Streamable HTTP §"Backwards Compatibility": a 4xx on the first POST means an HTTP+SSE server.
      if (
        endpoint.kind === "http" && this.#options.sseFallback !== false && err instanceof SdkHttpError &&
        err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403
      ) {
        try {
          await this.#attempt(this.#sse(endpoint.url, endpoint.headers), "legacy", timeout, signal);
          return;
        } catch {
          // Not an SSE server either: report the original failure.
        }
      }
      throw this.translate(err, "connect", timeout);
    }
  }

  async #attempt(
    transport: Transport,
    negotiation: VersionNegotiation,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const sdk = new SdkClient(
      { name: this.#options.name ?? "denomcp-client", version: this.#options.version ?? CLIENT_VERSION },
      this.#sdkOptions(negotiation),
    );
    this.#installHandlers(sdk);
    this.#watchIds(transport);
    try {
      await sdk.connect(transport, { timeout, signal });
    } catch (err) {
      await transport.close().catch(() => {});
      throw err;
    }
    this.#sdk = sdk;
    this.#transport = transport;
    if (this.logLevel && sdk.getProtocolEra() !== "modern" && sdk.getServerCapabilities()?.logging) {
      await sdk.setLoggingLevel(this.logLevel, { timeout });
    }
  }

  /**
   * Sets `jsonrpc.request.id` on a request's span as the request leaves: the official client
   * numbers requests itself, and the span is recognised by the `traceparent` it put in `_meta`.
   */
  #watchIds(transport: Transport): void {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if (this.#inFlight.size > 0 && "id" in message && "method" in message) {
        const traceparent = (message.params?._meta as TraceMeta | undefined)?.traceparent;
        const span = traceparent === undefined ? undefined : this.#inFlight.get(traceparent);
        if (span) {
          span.setAttribute("jsonrpc.request.id", String(message.id));
          this.#inFlight.delete(traceparent!);
        }
      }
      return send(message, options);
    };
  }

  #sdkOptions(negotiation: VersionNegotiation): SdkOptions {
    const capabilities: Record<string, unknown> = {};
    if (this.#options.sampling) capabilities.sampling = {};
    if (this.#options.elicitation) capabilities.elicitation = { form: { applyDefaults: true } };
    if (this.#options.roots) capabilities.roots = { listChanged: true };
    return {
      capabilities,
      versionNegotiation: negotiation === "legacy" ? { mode: "legacy" } : { mode: negotiation },
    } as SdkOptions;
  }

  #installHandlers(sdk: SdkClient): void {
    const { onLog, sampling, elicitation, roots } = this.#options;
    const server = this.name || undefined;
    sdk.setNotificationHandler("notifications/message", (n) => {
      const p = n.params as { level: LoggingLevel; logger?: string; data: unknown };
      onLog?.({ level: p.level, logger: p.logger, data: p.data, ...(server ? { server } : {}) });
    });
    if (sampling) {
      sdk.setRequestHandler("sampling/createMessage", async (request, ctx) => {
        const signal = (ctx as { mcpReq?: { signal?: AbortSignal } }).mcpReq?.signal ??
          new AbortController().signal;
        return await sampling(request.params as never, { signal, server }) as never;
      });
    }
    if (elicitation) {
      sdk.setRequestHandler("elicitation/create", async (request, ctx) => {
        const signal = (ctx as { mcpReq?: { signal?: AbortSignal } }).mcpReq?.signal ??
          new AbortController().signal;
        return await elicitation(request.params as never, { signal, server }) as never;
      });
    }
    if (roots) {
      sdk.setRequestHandler("roots/list", async () =>
        ({
          roots: typeof roots === "function" ? await roots() : roots,
        }) as never);
    }
  }

  #primaryTransport(): Transport {
    const endpoint = this.#endpoint;
    switch (endpoint.kind) {
      case "stdio":
        return new DenoStdioTransport(endpoint.params);
      case "memory": {
        const server = endpoint.server;
        return new StreamableHTTPClientTransport(new URL(IN_MEMORY_URL), {
          fetch: async (url, init) => await server.fetch(new Request(url, init)),
        });
      }
      case "http":
        return new StreamableHTTPClientTransport(endpoint.url, {
          fetch: this.#fetchFor(endpoint.url),
          requestInit: { headers: { ...this.#options.headers, ...endpoint.headers } },
          authProvider: authProviderOf(this.#options.auth),
        });
    }
  }

  #sse(url: URL, headers?: Record<string, string>): Transport {
    return new SSEClientTransport(url, {
      fetch: this.#fetchFor(url),
      requestInit: { headers: { ...this.#options.headers, ...headers } },
      authProvider: authProviderOf(this.#options.auth),
    });
  }

  /** The fetch for an HTTP endpoint: the caller's, wrapped by the OAuth flow when there is one. */
  #fetchFor(url: URL): ClientOptions["fetch"] {
    const auth = this.#options.auth;
    if (auth instanceof OAuth) return auth.fetchFor(url, this.#options.fetch);
    return this.#options.fetch;
  }

  /** Request options for the official client from ours. */
  requestOptions(options: CallOptions = {}): RequestOptions {
    const { onProgress } = options;
    return {
      timeout: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
      resetTimeoutOnProgress: onProgress !== undefined,
      onprogress: onProgress
        ? (p: { progress: number; total?: number; message?: string }) =>
          onProgress({ progress: p.progress, total: p.total, message: p.message })
        : undefined,
    };
  }

  /**
   * Runs one request in a CLIENT span, translating the official client's errors into ours. `fn`
   * gets the trace context to send in the request's `_meta`.
   */
  async run<T>(
    method: string,
    options: CallOptions,
    fn: (sdk: SdkClient, o: RequestOptions, trace: TraceMeta | undefined) => Promise<T>,
    target: CallTarget = {},
  ): Promise<T> {
    const sdk = this.sdk;
    const requestOptions = this.requestOptions(options);
    const endpoint = this.#endpoint;
    const call = this.#tracing.start(method, target, {
      sessionId: this.sessionId,
      protocolVersion: this.protocolVersion,
      ...(endpoint.kind === "http" ? { url: endpoint.url, transport: "tcp" as const } : {}),
      ...(endpoint.kind === "stdio" ? { transport: "pipe" as const } : {}),
    });
    const traceparent = call.meta?.traceparent;
    if (traceparent !== undefined && call.span.isRecording()) this.#inFlight.set(traceparent, call.span);
    try {
      const result = await context.with(call.context, () => fn(sdk, requestOptions, call.meta));
      call.end(undefined, result);
      return result;
    } catch (err) {
      const error = options.signal?.aborted
        ? options.signal.reason
        : this.translate(err, method, requestOptions.timeout ?? this.timeoutMs);
      call.end(error);
      throw error;
    } finally {
      if (traceparent !== undefined) this.#inFlight.delete(traceparent);
    }
  }

  /** Our error for an error of the official client. */
  translate(err: unknown, method: string, timeoutMs: number): unknown {
    const label = this.#label();
    if (err instanceof ProtocolError) {
      return new McpError(err.code, label + err.message, err.data, { cause: err });
    }
    if (err instanceof SdkError) {
      if (err.code === SdkErrorCode.RequestTimeout) {
        return new RequestTimeoutError(label + method, timeoutMs, { cause: err });
      }
      if (UNREACHABLE.has(err.code) || err instanceof SdkHttpError) {
        return new ConnectionError(label + err.message, { cause: err });
      }
    }
    // fetch() itself failed: refused, reset, a name that does not resolve, a blocked port.
    if (err instanceof TypeError && /fetch failed|connection|network|dns|resolve/i.test(err.message)) {
      return new ConnectionError(`${label}cannot reach the server: ${err.message}`, { cause: err });
    }
    if (err instanceof ConnectionError && label && !err.message.startsWith(label)) {
      return new ConnectionError(label + err.message, { cause: err });
    }
    return err;
  }

  get serverInfo(): Implementation | undefined {
    return this.#sdk?.getServerVersion() as Implementation | undefined;
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#sdk?.getServerCapabilities() as ServerCapabilities | undefined;
  }

  get sessionId(): string | undefined {
    return this.#transport?.sessionId;
  }

  get protocolEra(): "legacy" | "modern" | undefined {
    return this.#sdk?.getProtocolEra();
  }

  get protocolVersion(): string | undefined {
    return this.#sdk?.getNegotiatedProtocolVersion();
  }

  get instructions(): string | undefined {
    return this.#sdk?.getInstructions();
  }

  /** Capabilities this session declares. */
  get clientCapabilities(): ClientCapabilities {
    return (this.#sdkOptions("legacy") as { capabilities: ClientCapabilities }).capabilities;
  }

  /** Ends the session (HTTP `DELETE` for a 2025 session) and closes the transport. */
  async close(): Promise<void> {
    const sdk = this.#sdk;
    const transport = this.#transport;
    this.#sdk = undefined;
    this.#transport = undefined;
    if (!sdk || !transport) return;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      await transport.terminateSession().catch(() => {});
    }
    await sdk.close().catch(() => {});
    await transport.close().catch(() => {});
  }
}

function authProviderOf(auth: ClientOptions["auth"]) {
  if (auth === undefined || auth instanceof OAuth) return undefined;
  if (typeof auth === "string") {
    const token = auth;
    return { token: () => Promise.resolve(token) };
  }
  return auth;
}

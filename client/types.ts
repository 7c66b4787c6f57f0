/**
 * Option and handler types of the client.
 *
 * @module
 */

import type {
  CallToolResult,
  CreateMessageParams,
  CreateMessageResult,
  ElicitResult,
  Implementation,
  LoggingLevel,
  Root,
  ServerCapabilities,
} from "../protocol/types.ts";
import type { McpConfig } from "./config.ts";
import type { OAuth } from "./oauth.ts";

/** Anything with a web-standard `fetch(request)` handler, such as a `FastMCP` server (in-memory use). */
export interface FetchHandler {
  /** Answers one HTTP request. */
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * What a {@link Client} talks to:
 *
 * - an `http(s)` URL (string or `URL`): Streamable HTTP, falling back to legacy HTTP+SSE;
 * - a path ending in `.json`: an MCP configuration file;
 * - a path ending in `.ts`, `.js`, `.mts`, `.mjs`, `.tsx` or `.jsx`: `deno run` on it over stdio;
 * - any other string, or an argv array: a command run over stdio;
 * - an object with `fetch(request)` (a `FastMCP` server): in-memory, no sockets;
 * - an object with `mcpServers`: an MCP configuration.
 */
export type ClientTarget = string | URL | readonly string[] | FetchHandler | McpConfig;

/**
 * Which protocol revision to speak:
 *
 * - `"auto"` (default): ask with `server/discover` and use 2026-07-28 when the server offers it,
 *   else the 2025 `initialize` handshake;
 * - `"legacy"`: the 2025 `initialize` handshake only;
 * - `{ pin: "2026-07-28" }`: exactly that stateless revision, or fail.
 */
export type VersionNegotiation = "auto" | "legacy" | { pin: string };

/** A log message a server sent (`notifications/message`). */
export interface LogMessage {
  /** Severity. */
  level: LoggingLevel;
  /** Name of the server-side logger, when given. */
  logger?: string;
  /** The message: a string or any JSON value. */
  data: unknown;
  /** Name of the server entry it came from (multi-server configurations only). */
  server?: string;
}

/** Progress of one request. */
export interface Progress {
  /** Progress so far. */
  progress: number;
  /** Total, when known. */
  total?: number;
  /** Human-readable status. */
  message?: string;
}

/** What an elicitation handler is asked. */
export interface ElicitationRequest {
  /** The question for the user. */
  message: string;
  /** `"form"` (structured answer following `requestedSchema`) or `"url"` (send the user to `url`). */
  mode?: "form" | "url";
  /** JSON Schema of the answer (form mode). */
  requestedSchema?: Record<string, unknown>;
  /** Where to send the user (URL mode). */
  url?: string;
  /** Other members of the request. */
  [key: string]: unknown;
}

/** Context given to a sampling or elicitation handler. */
export interface HandlerContext {
  /** Aborted when the server cancels the request or the connection closes. */
  signal: AbortSignal;
  /** Name of the server entry asking (multi-server configurations only). */
  server?: string;
}

/** Answers `sampling/createMessage`: run the model and return its message. */
export type SamplingHandler = (
  params: CreateMessageParams,
  context: HandlerContext,
) => CreateMessageResult | Promise<CreateMessageResult>;

/** Answers `elicitation/create`: ask the user. */
export type ElicitationHandler = (
  request: ElicitationRequest,
  context: HandlerContext,
) => ElicitResult | Promise<ElicitResult>;

/** The roots the client exposes: a fixed list, or a function asked each time. */
export type RootsOption = Root[] | (() => Root[] | Promise<Root[]>);

/** Supplies a bearer token before each HTTP request (for tokens that rotate). */
export interface TokenProvider {
  /** The current token, or undefined to send none. */
  token(): Promise<string | undefined>;
}

/** Credentials for HTTP servers: a bearer token, a {@link TokenProvider}, or an {@link OAuth} flow. */
export type AuthOption = string | TokenProvider | OAuth;

/**
 * The part of an `@opentelemetry/api` `Tracer` the client calls; any tracer from the API fits.
 * (Declared here so that the client's public types do not pull the whole API surface in.)
 */
export interface TracerLike {
  /** Starts a span. */
  startSpan(name: string, options?: unknown, context?: unknown): unknown;
}

/**
 * Tracing of a client. Each request gets a CLIENT span named `{method} {tool|prompt}` with the
 * MCP semantic-convention attributes, and carries its trace context to the server in
 * `params._meta` (`traceparent`, `tracestate`).
 *
 * @example
 * ```ts ignore
 * import { Client } from "@denomcp/denomcp/client";
 * import { trace } from "@opentelemetry/api";
 * const client = new Client("https://example.com/mcp", {
 *   telemetry: { tracer: trace.getTracer("my-agent") },
 * });
 * ```
 */
export interface ClientTelemetryOptions {
  /** The tracer (an `@opentelemetry/api` `Tracer`); default `trace.getTracer("denomcp-client", version)`. */
  tracer?: TracerLike;
}

/** Options of {@link Client}. */
export interface ClientOptions {
  /** Client name sent to servers (default `"denomcp-client"`). */
  name?: string;
  /** Client version sent to servers (default: the package version). */
  version?: string;
  /** Protocol revision choice (default `"auto"`). */
  negotiation?: VersionNegotiation;
  /** Default timeout of each request, in milliseconds (default 60000). */
  timeoutMs?: number;
  /** Timeout of connecting (handshake or discovery), in milliseconds (default: `timeoutMs`). */
  connectTimeoutMs?: number;
  /** Extra HTTP headers on every request (HTTP targets). */
  headers?: Record<string, string>;
  /** Credentials (HTTP targets). */
  auth?: AuthOption;
  /** Fetch implementation for HTTP targets (default: the global `fetch`). */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /** Fall back to legacy HTTP+SSE when a URL rejects Streamable HTTP with a 4xx (default true). */
  sseFallback?: boolean;
  /** Extra environment variables for a stdio server. */
  env?: Record<string, string>;
  /** Working directory of a stdio server. */
  cwd?: string;
  /** What happens to a stdio server's stderr (default `"inherit"`). */
  stderr?: "inherit" | "null";
  /** Deno flags used when the target is a `.ts`/`.js` path (default `["-A"]`). */
  denoFlags?: string[];
  /**
   * Minimum level of log messages to ask servers for: sent with `logging/setLevel` after a 2025
   * handshake, and with every request on a stateless 2026-07-28 connection (which otherwise gets
   * no log messages at all).
   */
  logLevel?: LoggingLevel;
  /** Receives the servers' log messages (default: dropped). */
  onLog?: (message: LogMessage) => void;
  /**
   * Hears that a server's tools, resources or prompts changed (a `list_changed` notification
   * on a 2025 session); `server` names the configuration entry with several servers.
   */
  onListChanged?: (kind: "tools" | "resources" | "prompts", server?: string) => void;
  /** Answers sampling requests; declares the `sampling` capability when set. */
  sampling?: SamplingHandler;
  /** Answers elicitation requests; declares the `elicitation` capability when set. */
  elicitation?: ElicitationHandler;
  /** Roots offered to servers; declares the `roots` capability when set. */
  roots?: RootsOption;
  /**
   * Protocol extensions the client declares under `capabilities.extensions`, by identifier (a
   * host that renders MCP Apps: `{ "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } }`).
   */
  extensions?: Record<string, Record<string, unknown>>;
  /**
   * Tracing (default: the global tracer of `@opentelemetry/api`, a no-op unless an SDK or
   * `OTEL_DENO` is set up).
   */
  telemetry?: ClientTelemetryOptions;
}

/** Options of one request. */
export interface CallOptions {
  /** Timeout of this request in milliseconds (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Cancels the request (the server is sent `notifications/cancelled`). */
  signal?: AbortSignal;
  /** Receives progress notifications; each one also restarts the timeout. */
  onProgress?: (progress: Progress) => void;
  /** `_meta` sent with the request. */
  meta?: Record<string, unknown>;
  /** Answers sampling requests the server sends during this request (over the client's `sampling`). */
  sampling?: SamplingHandler;
  /** Answers elicitation requests the server sends during this request (over the client's `elicitation`). */
  elicitation?: ElicitationHandler;
  /** Receives the log messages the server sends during this request (over the client's `onLog`). */
  onLog?: (message: LogMessage) => void;
  /** Answers `roots/list` requests the server sends during this request (over the client's `roots`). */
  roots?: RootsOption;
  /** Extra HTTP headers of this request (HTTP targets; a proxy forwards a caller's this way). */
  headers?: Record<string, string>;
}

/** Options of `callTool`. */
export interface CallToolOptions extends CallOptions {
  /** When false, an `isError` result is returned (its content) instead of throwing `ToolError`. */
  raiseOnError?: boolean;
}

/** The outcome of `callToolResult`: the full result, never thrown. */
export type ToolCallResult = CallToolResult;

/** What to complete: a prompt argument or a resource-template variable. */
export type CompletionRef = { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };

/** Completion suggestions. */
export interface Completion {
  /** Suggested values (at most 100). */
  values: string[];
  /** How many values exist in total, when the server knows. */
  total?: number;
  /** True when there are more values than returned. */
  hasMore?: boolean;
}

/** Options of `complete`. */
export interface CompleteOptions extends CallOptions {
  /** Values of the other arguments already chosen, which may narrow the suggestions. */
  contextArguments?: Record<string, string>;
}

/** A connected server, as `Client.servers` lists it. */
export interface ServerSummary {
  /** Entry name in the configuration ("" for a single target). */
  name: string;
  /** The server's name and version. */
  info?: Implementation;
  /** What the server offers. */
  capabilities?: ServerCapabilities;
  /** The protocol revision in use, e.g. `"2026-07-28"` or `"2025-11-25"`. */
  protocolVersion?: string;
  /** The server's instructions for the model, if any. */
  instructions?: string;
}

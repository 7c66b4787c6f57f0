import { defaultPoolSize } from "./workers/pool.ts";

/**
 * Every limit the server enforces, with its default, in one place.
 *
 * @module
 */

/**
 * Limits of a server. Each is a named setting; exceeding one gives a clear error and leaves no
 * state behind.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo", limits: { maxBodyBytes: 1 << 20, maxSessions: 500 } });
 * ```
 */
export interface Limits {
  /** Largest request body accepted over HTTP; larger ones get 413. Default 4 MiB. */
  maxBodyBytes: number;
  /** Most messages in one JSON-RPC batch (2025-03-26 clients only). Default 32. */
  maxBatchSize: number;
  /** Most concurrent 2025-era sessions; `initialize` beyond it gets 503. Default 10,000. */
  maxSessions: number;
  /** A session unused this long is closed. Default 30 minutes. */
  sessionIdleTimeoutMs: number;
  /**
   * A session whose client never sent `notifications/initialized` is closed after this long, and
   * is the first to go when the session table is full. Default 30 s.
   */
  halfOpenSessionTimeoutMs: number;
  /**
   * Largest `clientInfo` plus `capabilities` an `initialize` may carry, in bytes of JSON; they are
   * kept for the session's life (so sessions hold at most `maxSessions` times this). Larger ones get -32602. Default 32 KiB.
   */
  maxSessionRecordBytes: number;
  /** Most `resources/subscribe` URIs one session (or one listen stream) may hold. Default 1,000. */
  maxSubscriptionsPerSession: number;
  /** Longest URI a subscription may name, in bytes. Default 2,048. */
  maxSubscriptionUriBytes: number;
  /**
   * Most bytes of handler state (`ctx.setState`) one session may keep, counted as JSON in this
   * isolate; a write beyond it fails with a ToolError. Default 1 MiB.
   */
  maxStateBytesPerSession: number;
  /** How long a `ctx.userState` value is kept unless the handler says otherwise. Default 7 days. */
  userStateTtlMs: number;
  /** Deepest nesting of objects and arrays in a message; deeper ones get -32600. Default 64. */
  maxMessageDepth: number;
  /** Longest a client may take to send a request body; slower ones get 408. Default 30 s. */
  bodyReadTimeoutMs: number;
  /**
   * A 2026 answer not ready after this long is sent as an SSE stream instead of plain JSON, so
   * that a client hanging up cancels the call (Deno notices a dropped connection of a larger
   * request only once its response has started). 0 keeps plain JSON. Default 250 ms.
   */
  sseUpgradeAfterMs: number;
  /** Most open SSE streams per session (POST and GET together). Default 32. */
  maxStreamsPerSession: number;
  /** Most open `subscriptions/listen` streams per server. Default 1,024. */
  maxListenStreams: number;
  /** How long a server→client request (sampling, elicitation, roots) may wait. Default 5 minutes. */
  clientRequestTimeoutMs: number;
  /** Events kept per session for `Last-Event-ID` resumption. Default 256. */
  eventStoreSize: number;
  /** Lifetime of a 2026 `requestState`, in ms. Default 600,000 (10 minutes). */
  requestStateTtlMs: number;
  /** Rounds of client input one request may take. Default 8. */
  maxInputRounds: number;
  /** Longest a shutdown waits for requests in flight before cutting them off. Default 1,000 ms. */
  shutdownTimeoutMs: number;
  /** Longest line accepted on stdio. Default 4 MiB. */
  maxStdioLineBytes: number;
  /** Workers that run synchronous tools; calls beyond it wait in order. Default: cores minus one, at least one. */
  workerPoolSize: number;
  /**
   * How long a synchronous tool may run in a worker when it sets no `timeoutMs` of its own; the
   * worker is then terminated and replaced. 0 turns it off. Default 5 minutes.
   */
  workerJobTimeoutMs: number;
  /** MCP tasks one instance runs at once; more wait in the queue. Default 8. */
  taskConcurrency: number;
  /** Most tasks waiting to run (all instances together); creating one more fails with -32603. Default 10,000. */
  maxQueuedTasks: number;
  /**
   * Share of {@link Limits.maxQueuedTasks} one owner (a session, or a principal) may fill, as a
   * fraction; beyond it that owner's new tasks fail with -32603 while others still get in.
   * Default 0.25.
   */
  maxQueuedTasksShare: number;
  /** How long a finished task (its result) is kept, unless the tool or a 2025 client asks otherwise. Default 1 hour. */
  taskTtlMs: number;
  /** The longest retention a tool or client may ask for. Default 24 hours. */
  maxTaskTtlMs: number;
  /** The polling interval suggested to clients. Default 500 ms. */
  taskPollIntervalMs: number;
  /** How long a task's lease lasts without a heartbeat: a crashed instance's task is resumed after it. Default 10 s. */
  taskLeaseMs: number;
}

/** The defaults of {@link Limits}. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  maxBatchSize: 32,
  maxSessions: 10_000,
  sessionIdleTimeoutMs: 30 * 60_000,
  halfOpenSessionTimeoutMs: 30_000,
  maxSessionRecordBytes: 32 * 1024,
  maxSubscriptionsPerSession: 1000,
  maxSubscriptionUriBytes: 2048,
  maxStateBytesPerSession: 1024 * 1024,
  userStateTtlMs: 7 * 86_400_000,
  maxMessageDepth: 64,
  bodyReadTimeoutMs: 30_000,
  sseUpgradeAfterMs: 250,
  maxStreamsPerSession: 32,
  maxListenStreams: 1024,
  clientRequestTimeoutMs: 5 * 60_000,
  eventStoreSize: 256,
  requestStateTtlMs: 600_000,
  maxInputRounds: 8,
  shutdownTimeoutMs: 1000,
  maxStdioLineBytes: 4 * 1024 * 1024,
  workerPoolSize: defaultPoolSize(),
  workerJobTimeoutMs: 5 * 60_000,
  taskConcurrency: 8,
  maxQueuedTasks: 10_000,
  maxQueuedTasksShare: 0.25,
  taskTtlMs: 3_600_000,
  maxTaskTtlMs: 86_400_000,
  taskPollIntervalMs: 500,
  taskLeaseMs: 10_000,
});

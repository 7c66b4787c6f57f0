/**
 * The server's internals: registry, dispatcher, sessions, subscriptions, limits and lifespan.
 * Transports and the dispatcher see this; users see `FastMCP`.
 *
 * @module
 */

import type {
  Implementation,
  LoggingLevel,
  ResourceContents,
  ServerCapabilities,
} from "../protocol/types.ts";
import type { ComponentKind } from "./components/common.ts";
import type { ComponentRegistry } from "./components/registry.ts";
import type { Context } from "./context.ts";
import { Dispatcher, type DispatchHost } from "./dispatch.ts";
import type { Engine } from "./engine.ts";
import { McpError } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import { InputRequired, RequestStateCodec } from "./input_required.ts";
import { ListenHub } from "./listen.ts";
import type { LogSink } from "./logger.ts";
import { type Lifespan, type StartedLifespan, startLifespan } from "./lifespan.ts";
import type { Session } from "./session.ts";
import { SessionRegistry } from "./session_registry.ts";
import { WorkerPool, workersAvailable } from "./workers/pool.ts";
import type { Limits } from "./settings.ts";
import { McpTelemetry, type TelemetryOptions } from "../otel/telemetry.ts";
import { ErrorCode } from "../protocol/jsonrpc.ts";

/** What the core is built from. */
export interface CoreInit {
  serverInfo: Implementation;
  instructions?: string;
  capabilities: ServerCapabilities;
  maskErrorDetails: boolean;
  listPageSize?: number;
  cacheHints: { ttlMs: number; cacheScope: "public" | "private" };
  limits: Limits;
  log: LogSink;
  requestStateSecret?: string | Uint8Array;
  lifespan?: Lifespan;
  onRootsChanged?: (session: Session | undefined) => void;
  telemetry?: TelemetryOptions;
}

/** The engine behind a `FastMCP`. */
export class ServerCore implements Engine, DispatchHost {
  readonly serverInfo: Implementation;
  readonly instructions?: string;
  readonly capabilities: ServerCapabilities;
  readonly maskErrorDetails: boolean;
  readonly listPageSize?: number;
  readonly cacheHints: { ttlMs: number; cacheScope: "public" | "private" };
  readonly limits: Readonly<Limits>;
  readonly log: LogSink;
  readonly codec: RequestStateCodec;
  readonly dispatcher: Dispatcher;
  readonly sessions: SessionRegistry;
  readonly listen: ListenHub = new ListenHub();
  readonly telemetry: McpTelemetry;
  readonly #shutdown = new AbortController();
  readonly #lifespan?: Lifespan;
  #started?: Promise<StartedLifespan>;
  #startedValue?: StartedLifespan;
  readonly #requestStates = new WeakMap<Exchange, Map<string, unknown>>();
  readonly #sessionStates = new WeakMap<Session, Map<string, unknown>>();
  #pendingChanges = new Set<ComponentKind>();
  #pool?: WorkerPool;
  readonly #onRootsChanged?: (session: Session | undefined) => void;

  /** Builds the core around a registry. */
  constructor(readonly registry: ComponentRegistry, init: CoreInit) {
    this.serverInfo = init.serverInfo;
    this.instructions = init.instructions;
    this.capabilities = init.capabilities;
    this.maskErrorDetails = init.maskErrorDetails;
    this.listPageSize = init.listPageSize;
    this.cacheHints = init.cacheHints;
    this.limits = init.limits;
    this.log = init.log;
    this.codec = new RequestStateCodec(init.requestStateSecret, init.limits.requestStateTtlSeconds);
    this.sessions = new SessionRegistry(init.limits.maxSessions, init.limits.sessionIdleTimeoutMs);
    this.#lifespan = init.lifespan;
    this.#onRootsChanged = init.onRootsChanged;
    this.telemetry = new McpTelemetry(init.serverInfo.name, init.telemetry);
    this.sessions.onClose((session) =>
      this.telemetry.recordSession(
        (Date.now() - session.createdMs) / 1000,
        session.protocolVersion,
        session.transport,
      )
    );
    this.dispatcher = new Dispatcher(this);
  }

  /** @inheritdoc */
  get clientRequestTimeoutMs(): number {
    return this.limits.clientRequestTimeoutMs;
  }

  /** @inheritdoc */
  get maxInputRounds(): number {
    return this.limits.maxInputRounds;
  }

  /** @inheritdoc */
  get lifespanValue(): unknown {
    return this.#startedValue?.value;
  }

  /** @inheritdoc */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** @inheritdoc */
  get pool(): WorkerPool | undefined {
    if (!workersAvailable()) return undefined;
    return this.#pool ??= new WorkerPool(this.limits.workerPoolSize);
  }

  /** @inheritdoc */
  get started(): boolean {
    return this.#startedValue !== undefined;
  }

  /** @inheritdoc */
  ready(): Promise<void> {
    if (this.#startedValue) return Promise.resolve();
    this.#started ??= startLifespan(this.#lifespan).then((started) => {
      this.#startedValue = started;
      return started;
    });
    return this.#started.then(() => {});
  }

  /** @inheritdoc */
  rootsChanged(session: Session | undefined): void {
    this.#onRootsChanged?.(session);
  }

  /** @inheritdoc */
  async readResource(uri: string, ctx: Context): Promise<ResourceContents[]> {
    const out = await this.dispatcher.read(uri, ctx);
    if (out instanceof InputRequired) {
      throw new McpError(
        ErrorCode.InternalError,
        `resource ${uri} needs client input and cannot be read from a handler`,
      );
    }
    return out;
  }

  /** @inheritdoc */
  requestState(exchange: Exchange): Map<string, unknown> {
    const session = exchange.session;
    const states = session ? this.#sessionStates : this.#requestStates;
    const key = (session ?? exchange) as Session & Exchange;
    let map = states.get(key);
    if (!map) {
      map = new Map();
      states.set(key, map);
    }
    return map;
  }

  /**
   * Tells clients a list changed. Changes within one tick are coalesced, so defining many
   * components at once sends one notification per kind.
   */
  listChanged(kind: ComponentKind): void {
    if (this.#pendingChanges.size === 0) queueMicrotask(() => this.#flushChanges());
    this.#pendingChanges.add(kind);
  }

  #flushChanges(): void {
    const kinds = [...this.#pendingChanges];
    this.#pendingChanges.clear();
    for (const kind of kinds) {
      this.listen.listChanged(kind);
      this.#broadcastLegacy(`notifications/${kind}/list_changed`);
    }
  }

  #broadcastLegacy(method: string, params?: Record<string, unknown>, filter?: (s: Session) => boolean): void {
    for (const session of this.sessions.all()) {
      if (!session.initialized || (filter && !filter(session))) continue;
      session.unsolicited?.(params ? { jsonrpc: "2.0", method, params } : { jsonrpc: "2.0", method });
    }
  }

  /** Tells subscribers a resource changed. */
  resourceUpdated(uri: string): void {
    this.listen.resourceUpdated(uri);
    this.#broadcastLegacy("notifications/resources/updated", { uri }, (s) => s.subscriptions.has(uri));
  }

  /** Sends a log line through the server's own sink. */
  logLine(level: LoggingLevel, message: string): void {
    this.log(level, message);
  }

  /** Begins shutdown: new requests are refused and work in flight is told to stop. */
  beginShutdown(): void {
    this.#shutdown.abort(new Error("server shutting down"));
    this.listen.closeAll();
    this.sessions.closeAll();
    this.#pool?.close();
    this.#pool = undefined;
  }

  /** Runs the lifespan teardown, if it started. */
  async stopLifespan(): Promise<void> {
    const started = this.#startedValue ?? (this.#started ? await this.#started : undefined);
    this.#startedValue = undefined;
    this.#started = undefined;
    await started?.stop();
  }
}

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
import type { Store } from "./store/store.ts";
import { checkStoreOption, openStore, type StoreOption } from "./store/open.ts";
import type { Limits } from "./settings.ts";
import { McpTelemetry, type TelemetryOptions } from "../otel/telemetry.ts";
import { ErrorCode, type JsonObject } from "../protocol/jsonrpc.ts";
import { TaskService } from "./tasks/service.ts";
import { TASKS_EXTENSION } from "./tasks/wire.ts";

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
  store?: StoreOption;
}

/** A resource update published for other instances. */
interface ServerEvent {
  origin: string;
  uri: string;
  at: number;
  nonce: string;
}

/** The engine behind a `FastMCP`. */
export class ServerCore implements Engine, DispatchHost {
  readonly serverInfo: Implementation;
  readonly instructions?: string;
  readonly capabilities: ServerCapabilities;
  readonly legacyCapabilities: ServerCapabilities;
  readonly modernCapabilities: ServerCapabilities;
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
  readonly tasks: TaskService;
  #closingTasks?: Promise<void>;
  readonly #shutdown = new AbortController();
  readonly #lifespan?: Lifespan;
  #started?: Promise<StartedLifespan>;
  #startedValue?: StartedLifespan;
  readonly #requestStates = new WeakMap<Exchange, Map<string, unknown>>();
  #pendingChanges = new Set<ComponentKind>();
  #pool?: WorkerPool;
  #store?: Store;
  readonly #storeOption: StoreOption | undefined;
  #unwatchEvents?: () => void;
  /** Tells this instance's own published events apart from other instances'. */
  readonly #origin = crypto.randomUUID();
  readonly #onRootsChanged?: (session: Session | undefined) => void;

  /** Builds the core around a registry. */
  constructor(readonly registry: ComponentRegistry, init: CoreInit) {
    this.serverInfo = init.serverInfo;
    this.instructions = init.instructions;
    this.capabilities = init.capabilities;
    // Tasks: the 2025 `tasks` capability, or on 2026-07-28 the extension (never the 2025 slot there).
    this.legacyCapabilities = {
      ...init.capabilities,
      tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
    };
    this.modernCapabilities = {
      ...init.capabilities,
      extensions: { ...init.capabilities.extensions, [TASKS_EXTENSION]: {} },
    };
    this.maskErrorDetails = init.maskErrorDetails;
    this.listPageSize = init.listPageSize;
    this.cacheHints = init.cacheHints;
    this.limits = init.limits;
    this.log = init.log;
    this.codec = new RequestStateCodec(init.requestStateSecret, init.limits.requestStateTtlSeconds);
    this.sessions = new SessionRegistry(init.limits.maxSessions, init.limits.sessionIdleTimeoutMs);
    this.#lifespan = init.lifespan;
    this.#onRootsChanged = init.onRootsChanged;
    this.#storeOption = init.store;
    checkStoreOption(init.store);
    this.telemetry = new McpTelemetry(init.serverInfo.name, init.telemetry);
    this.sessions.onClose((session) =>
      this.telemetry.recordSession(
        (Date.now() - session.createdMs) / 1000,
        session.protocolVersion,
        session.transport,
      )
    );
    this.tasks = new TaskService(this);
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
    this.#started ??= this.#openStore().then(() => startLifespan(this.#lifespan)).then((started) => {
      this.#startedValue = started;
      return started;
    });
    return this.#started.then(() => {});
  }

  /** The store, once `ready()` has opened it. */
  get store(): Store {
    if (!this.#store) throw new Error("the store is not open yet: await mcp.start() first");
    return this.#store;
  }

  async #openStore(): Promise<void> {
    if (this.#store) return;
    const store = this.#store = await openStore(this.#storeOption);
    this.sessions.attach(store, (message) => this.log("error", message));
    this.tasks.open(store);
    if (store.kind === "kv") {
      // Resource updates published by other isolates or instances reach this one's subscribers.
      this.#unwatchEvents = store.watch<ServerEvent>(["events", "resources"], (event) => {
        if (event.origin !== this.#origin) this.#deliverResourceUpdate(event.uri);
      });
    }
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
  getState(exchange: Exchange, key: string): Promise<unknown> {
    const session = exchange.session;
    if (!session) return Promise.resolve(this.#requestMap(exchange).get(key));
    return this.store.get(["state", session.id, key]);
  }

  /** @inheritdoc */
  setState(exchange: Exchange, key: string, value: unknown, ttlMs?: number): Promise<void> {
    const session = exchange.session;
    if (!session) {
      this.#requestMap(exchange).set(key, value);
      return Promise.resolve();
    }
    return this.store.set(["state", session.id, key], value, {
      expireInMs: ttlMs ?? this.limits.sessionIdleTimeoutMs,
    });
  }

  /** @inheritdoc */
  runSubtask(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject> {
    return this.tasks.runSubtask(exchange, name, args);
  }

  /** @inheritdoc */
  deleteState(exchange: Exchange, key: string): Promise<void> {
    const session = exchange.session;
    if (!session) {
      this.#requestMap(exchange).delete(key);
      return Promise.resolve();
    }
    return this.store.delete(["state", session.id, key]);
  }

  #requestMap(exchange: Exchange): Map<string, unknown> {
    let map = this.#requestStates.get(exchange);
    if (!map) this.#requestStates.set(exchange, map = new Map());
    return map;
  }

  /** Deletes what a session kept, when the session ends for good (a memory store is this instance only). */
  async #forgetState(session: Session): Promise<void> {
    const store = this.#store;
    if (!store || store.kind !== "memory") return;
    for await (const { key } of store.list(["state", session.id])) await store.delete(key);
  }

  /**
   * Tells clients a list changed. Changes within one tick are coalesced, so defining many
   * components at once sends one notification per kind.
   */
  listChanged(kind: ComponentKind): void {
    if (kind === "tools") this.tasks.toolsChanged();
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

  /** Tells subscribers a resource changed, here and (with a shared store) on every other instance. */
  resourceUpdated(uri: string): void {
    this.#deliverResourceUpdate(uri);
    const store = this.#store;
    if (store?.kind === "kv") {
      const event: ServerEvent = { origin: this.#origin, uri, at: Date.now(), nonce: crypto.randomUUID() };
      store.set(["events", "resources"], event, { expireInMs: 60_000 }).catch((e) =>
        this.log("error", `publishing a resource update: ${e}`)
      );
    }
  }

  #deliverResourceUpdate(uri: string): void {
    this.listen.resourceUpdated(uri);
    this.#broadcastLegacy("notifications/resources/updated", { uri }, (s) => s.subscriptions.has(uri));
  }

  /** Sends a log line through the server's own sink. */
  logLine(level: LoggingLevel, message: string): void {
    this.log(level, message);
  }

  /** Begins shutdown: new requests are refused and work in flight is told to stop. */
  beginShutdown(): void {
    this.#unwatchEvents?.();
    this.#unwatchEvents = undefined;
    this.#shutdown.abort(new Error("server shutting down"));
    this.#closingTasks = this.tasks.close();
    this.listen.closeAll();
    this.sessions.closeAll();
    this.#pool?.close();
    this.#pool = undefined;
  }

  /** Runs the lifespan teardown, if it started, then releases the store. */
  async stopLifespan(): Promise<void> {
    const started = this.#startedValue ??
      (this.#started ? await this.#started.catch(() => undefined) : undefined);
    this.#startedValue = undefined;
    this.#started = undefined;
    await started?.stop();
    await (this.#closingTasks ?? this.tasks.close());
    this.#closingTasks = undefined;
    this.#store?.close();
    this.#store = undefined;
  }
}

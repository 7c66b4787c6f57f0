/**
 * `ServerCore`: the engine behind a `FastMCP`. It holds what one server is made of (catalog of
 * providers and transforms, middleware, method table, sessions, subscriptions, tasks, store,
 * lifespan) and runs requests for every transport through `receive()`. Users see `FastMCP`.
 *
 * @module
 */

import type {
  Implementation,
  LoggingLevel,
  ResourceContents,
  ServerCapabilities,
} from "../../protocol/types.ts";
import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { ErrorCode } from "../../protocol/jsonrpc.ts";
import { McpTelemetry, type TelemetryOptions } from "../../otel/telemetry.ts";
import type { Component, ComponentKind, Delegate } from "../components/common.ts";
import { type Context, exchangeOf } from "../context.ts";
import { McpError } from "../errors.ts";
import type { Limits } from "../limits.ts";
import { type Lifespan, type StartedLifespan, startLifespan } from "../lifespan.ts";
import type { LogSink } from "../logger.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import { type Middleware, type MiddlewareHost, Pipeline } from "../middleware/middleware.ts";
import { Catalog, type ProviderErrorStrategy, type Slot } from "../providers/catalog.ts";
import { LocalProvider, type OnDuplicate } from "../providers/local.ts";
import type { MountedServer } from "../providers/mount.ts";
import { ListenHub } from "../sessions/subscriptions.ts";
import type { Session } from "../sessions/session.ts";
import { SessionRegistry } from "../sessions/registry.ts";
import { isShared, type Store } from "../store/store.ts";
import { checkStoreOption, openStore, type StoreOption } from "../store/open.ts";
import { TaskService } from "../tasks/service.ts";
import { tasksExtension } from "../tasks/extension.ts";
import { type Extension, Extensions } from "../extensions/extension.ts";
import { disableRule, enableRules, type VisibilityRule } from "../transforms/visibility.ts";
import { changeSessionVisibility, SessionState } from "../sessions/state.ts";
import { UserState } from "../sessions/user_state.ts";
import type { Principal } from "../../auth/access_token.ts";
import { WorkerPool, workersAvailable } from "../workers/pool.ts";
import { authChecksOf } from "../middleware/auth.ts";
import { Authorizer } from "./authorizer.ts";
import { DelegatedExchange, type DelegatedMethod, runDelegated } from "./delegate.ts";
import { withMiddleware } from "./serve_request.ts";
import type { Exchange } from "./exchange.ts";
import { InputRequired, RequestStateCodec } from "./input_state.ts";
import { Methods } from "./methods.ts";
import { RoundRunner } from "./round_runner.ts";
import { ToolCalls } from "./tool_call.ts";
import { ToolRunner } from "./tool_runner.ts";

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
  onDuplicate: OnDuplicate;
  providerErrorStrategy: ProviderErrorStrategy;
  middleware: readonly Middleware[];
  includeTags?: string[];
  excludeTags?: string[];
  /** Scopes that imply others (`{ "files:write": ["files:read"] }`), from the server's auth. */
  scopeHierarchy?: Readonly<Record<string, readonly string[]>>;
  /** Whether the server authenticates HTTP requests (has `auth`). */
  authenticates?: boolean;
}

/** A resource update published for other instances. */
interface ServerEvent {
  origin: string;
  uri: string;
  at: number;
  nonce: string;
}

/** What middleware may use of a server. */
class CoreHost implements MiddlewareHost {
  constructor(private readonly core: ServerCore) {}
  get name(): string {
    return this.core.serverInfo.name;
  }
  get store(): Store {
    return this.core.store;
  }
  log(level: LoggingLevel, message: string): void {
    this.core.log(level, message);
  }
  onListChanged(listener: (kind: ComponentKind) => void): void {
    this.core.onListChanged(listener);
  }
  recordClientAddresses(): void {
    this.core.recordClientAddresses();
  }
  onSessionEnd(listener: (sessionId: string) => void): void {
    this.core.sessions.onClose((session) => listener(session.id));
  }
}

/** The engine behind a `FastMCP`. */
export class ServerCore implements MountedServer {
  readonly serverInfo: Implementation;
  readonly instructions?: string;
  readonly capabilities: ServerCapabilities;
  /** The protocol extensions it serves (tasks from the start; skills when a skills provider is added). */
  readonly extensions: Extensions = new Extensions();
  #eraCapabilities?: { legacy: ServerCapabilities; modern: ServerCapabilities };
  readonly maskErrorDetails: boolean;
  readonly listPageSize?: number;
  readonly cacheHints: { ttlMs: number; cacheScope: "public" | "private" };
  readonly limits: Readonly<Limits>;
  readonly log: LogSink;
  readonly codec: RequestStateCodec;
  readonly local: LocalProvider;
  readonly catalog: Catalog;
  readonly pipeline: Pipeline;
  /** Server-wide and per-component auth checks. */
  readonly authorizer: Authorizer;
  readonly methods: Methods;
  readonly rounds: RoundRunner;
  readonly runner: ToolRunner;
  readonly tools: ToolCalls;
  readonly sessions: SessionRegistry;
  readonly listen: ListenHub = new ListenHub();
  readonly telemetry: McpTelemetry;
  readonly tasks: TaskService;
  /** What handlers keep with `ctx.setState()`. */
  readonly state: SessionState;
  /** The server this one is mounted into, while it is. */
  parent?: ServerCore;
  #closingTasks?: Promise<void>;
  readonly #shutdown = new AbortController();
  readonly #lifespan?: Lifespan;
  #started?: Promise<StartedLifespan>;
  #startedValue?: StartedLifespan;
  #pendingChanges = new Set<ComponentKind>();
  readonly #changeListeners: ((kind: ComponentKind) => void)[] = [];
  #pool?: WorkerPool;
  #store?: Store;
  readonly #storeOption: StoreOption | undefined;
  #unwatchEvents?: () => void;
  /** Tells this instance's own published events apart from other instances'. */
  readonly #origin = crypto.randomUUID();
  readonly #onRootsChanged?: (session: Session | undefined) => void;
  readonly #scopeHierarchy?: Readonly<Record<string, readonly string[]>>;
  readonly #authenticates: boolean;

  /** Builds the core of a server. */
  constructor(init: CoreInit) {
    this.serverInfo = init.serverInfo;
    this.instructions = init.instructions;
    this.capabilities = init.capabilities;
    this.maskErrorDetails = init.maskErrorDetails;
    this.listPageSize = init.listPageSize;
    this.cacheHints = init.cacheHints;
    this.limits = init.limits;
    this.log = init.log;
    this.codec = new RequestStateCodec(init.requestStateSecret, init.limits.requestStateTtlMs);
    this.sessions = new SessionRegistry(init.limits);
    this.#lifespan = init.lifespan;
    this.#onRootsChanged = init.onRootsChanged;
    this.#storeOption = init.store;
    checkStoreOption(init.store);
    this.telemetry = new McpTelemetry(init.serverInfo.name, init.telemetry);
    this.state = new SessionState(() => this.store, init.limits, init.log);
    this.sessions.onClose((session, ended) => {
      this.telemetry.recordSession(
        (Date.now() - session.createdMs) / 1000,
        session.protocolVersion,
        session.transport,
      );
      void this.state.forget(session, this.#store, ended);
      if (ended) this.tasks.sessionEnded(session.id);
    });
    this.tasks = new TaskService(this, (exchange) => this.tools.runTask(exchange));
    this.catalog = new Catalog(
      init.providerErrorStrategy,
      (message) => this.log("warning", message),
      (kind) => this.listChanged(kind),
    );
    if (init.includeTags?.length) {
      this.catalog.rules.push(...enableRules({ tags: init.includeTags, only: true }));
    }
    if (init.excludeTags?.length) this.catalog.rules.push(disableRule({ tags: init.excludeTags }));
    this.local = new LocalProvider(init.onDuplicate, (message) => this.log("warning", message));
    this.catalog.addProvider(this.local);
    // A mounted server's callers are its root's: so is the scope hierarchy.
    this.authorizer = new Authorizer(
      () => this.#root.#scopeHierarchy,
      () => this.#root.#authenticates,
      (message) => this.log("warning", message),
    );
    this.#scopeHierarchy = init.scopeHierarchy;
    this.#authenticates = init.authenticates ?? false;
    this.pipeline = new Pipeline();
    for (const middleware of init.middleware) this.addMiddleware(middleware);
    this.rounds = new RoundRunner(this);
    this.runner = new ToolRunner(this);
    this.tools = new ToolCalls(this);
    this.methods = new Methods(this);
    this.addExtension(tasksExtension(this.tasks));
  }

  /** Adds a middleware inside the ones added before it; an `AuthMiddleware` adds its checks. */
  /** Capabilities announced by `initialize` (2025-11-25 and older). */
  get legacyCapabilities(): ServerCapabilities {
    return this.#capabilitiesByEra().legacy;
  }

  /** Capabilities announced by `server/discover` (2026-07-28). */
  get modernCapabilities(): ServerCapabilities {
    return this.#capabilitiesByEra().modern;
  }

  #capabilitiesByEra(): { legacy: ServerCapabilities; modern: ServerCapabilities } {
    // Tasks on 2025 are the core `tasks` capability; on 2026 they are an extension (never the 2025 slot).
    return this.#eraCapabilities ??= {
      legacy: this.extensions.capabilities({
        ...this.capabilities,
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      }, "legacy"),
      modern: this.extensions.capabilities(this.capabilities, "modern"),
    };
  }

  /** Adds a protocol extension: its capabilities, methods and middleware; the same one twice is a no-op. */
  addExtension(extension: Extension): void {
    if (!this.extensions.add(extension, (method) => this.methods.taken(method))) return;
    this.#eraCapabilities = undefined;
    this.methods.addExtension(extension);
    if (extension.middleware) this.addMiddleware(extension.middleware);
  }

  addMiddleware(middleware: Middleware): void {
    this.pipeline.add(middleware);
    middleware.install?.(this.#middlewareHost);
    const checks = authChecksOf(middleware);
    if (checks.length) this.authorizer.add(checks);
  }

  /** Client addresses of HTTP requests are kept (a middleware asked: see `MiddlewareHost`). */
  get recordsClientAddresses(): boolean {
    return this.#root.#recordsClientAddresses;
  }

  /** Keeps the client addresses of HTTP requests from now on. */
  recordClientAddresses(): void {
    this.#root.#recordsClientAddresses = true;
  }

  #recordsClientAddresses = false;
  readonly #middlewareHost: MiddlewareHost = new CoreHost(this);

  get #root(): ServerCore {
    return this.parent ? this.parent.#root : this;
  }

  /** @inheritdoc */
  get clientRequestTimeoutMs(): number {
    return this.limits.clientRequestTimeoutMs;
  }

  /** Rounds of the 2025 shim for handlers that return `InputRequired`. */
  get maxInputRounds(): number {
    return this.limits.maxInputRounds;
  }

  /** @inheritdoc */
  get lifespanValue(): unknown {
    return this.#startedValue?.value;
  }

  /** Aborted when the server shuts down. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** The pool for synchronous tools (a mounted server uses its parent's); undefined without Worker. */
  get pool(): WorkerPool | undefined {
    if (this.parent) return this.parent.pool;
    if (!workersAvailable()) return undefined;
    return this.#pool ??= new WorkerPool(this.limits.workerPoolSize, this.limits.workerJobTimeoutMs);
  }

  /** Counts of the worker pool, without starting it. */
  get poolCounts(): { busy: number; idle: number; queued: number } {
    if (this.parent) return this.parent.poolCounts;
    return this.#pool?.counts ?? { busy: 0, idle: 0, queued: 0 };
  }

  /** True once the lifespan has started (lets the hot path skip awaiting `ready()`). */
  get started(): boolean {
    return this.#startedValue !== undefined;
  }

  /** The last failed start and when it failed: the next attempt waits a second. */
  #failedStart?: { error: unknown; at: number };
  /** After a failed start, the soonest a request may try again (a flood must not hammer the store). */
  static readonly #RETRY_MS = 1_000;
  /** Start-up errors already named (a mounted server's, passed up by its parent as they are). */
  static readonly #startErrors = new WeakSet<Error>();

  /**
   * Opens the store, then enters the lifespans: this server's, then its providers' (mounted
   * servers). A failure rejects with an error naming what failed (`cannot open store '<where>':
   * <reason>`, `cannot start lifespan of server '<name>': <reason>`), and is logged unless
   * `logFailure` is false; the start is tried again by a later call, at most once per second
   * (until then the failure is returned again).
   */
  ready(logFailure = true): Promise<void> {
    if (this.#startedValue) return Promise.resolve();
    if (!this.#started) {
      const failed = this.#failedStart;
      if (failed && Date.now() - failed.at < ServerCore.#RETRY_MS) return Promise.reject(failed.error);
      const attempt = this.#started = this.#openStore().then(() => this.#enter());
      attempt.then(() => (this.#failedStart = undefined), (error) => {
        if (this.#started !== attempt) return;
        // Not cached as a rejected promise: a later call tries again (the folder may exist by then).
        this.#started = undefined;
        this.#failedStart = { error, at: Date.now() };
        if (logFailure) this.log("error", error instanceof Error ? error.message : String(error));
      });
    }
    return this.#started.then(() => {});
  }

  /** An error that names the step of start-up that failed, the original as its cause. */
  static #startError(what: string, error: unknown): Error {
    if (error instanceof Error && ServerCore.#startErrors.has(error)) return error;
    const named = new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
    ServerCore.#startErrors.add(named);
    return named;
  }

  async #enter(): Promise<StartedLifespan> {
    const own = await startLifespan(this.#lifespan).catch((error) => {
      throw ServerCore.#startError(`cannot start lifespan of server '${this.serverInfo.name}'`, error);
    });
    const entered: (() => Promise<void>)[] = [];
    try {
      // Server-wide transforms start after the providers they present and stop before them.
      for (const part of [...this.catalog.providers, ...this.catalog.transforms]) {
        await part.start?.();
        if (part.stop) entered.push(() => part.stop!());
      }
    } catch (error) {
      for (const leave of entered.reverse()) await leave().catch(() => {});
      await own.stop();
      throw ServerCore.#startError("cannot start a provider", error);
    }
    const started: StartedLifespan = {
      value: own.value,
      stop: async () => {
        for (const leave of entered.reverse()) {
          await leave().catch((e) => this.log("error", `stopping a provider: ${e}`));
        }
        await own.stop();
      },
    };
    this.#startedValue = started;
    return started;
  }

  /** The store, once `ready()` has opened it (a mounted server shares its parent's). */
  /** The store once open (the root's, for a mounted server), else undefined. */
  get openedStore(): Store | undefined {
    return this.parent?.openedStore ?? this.#store;
  }

  get store(): Store {
    const store = this.parent?.store ?? this.#store;
    if (!store) throw new Error("the store is not open yet: await mcp.start() first");
    return store;
  }

  async #openStore(): Promise<void> {
    if (this.#store) return;
    const store = this.#store = await openStore(this.#storeOption);
    this.sessions.attach(store, (message) => this.log("error", message));
    this.tasks.open(store);
    if (isShared(store)) {
      // Resource updates published by other isolates or instances reach this one's subscribers.
      this.#unwatchEvents = store.watch<ServerEvent>(["events", "resources"], (event) => {
        if (event.origin !== this.#origin) this.#deliverResourceUpdate(event.uri);
      });
    }
  }

  /** @inheritdoc */
  async startMounted(): Promise<void> {
    if (!this.parent) throw new Error(`server '${this.serverInfo.name}' is not mounted`);
    if (this.#startedValue) return;
    this.#started ??= this.#enter();
    await this.#started;
  }

  /** @inheritdoc */
  async stopMounted(): Promise<void> {
    await this.stopLifespan();
  }

  /** @inheritdoc */
  onListChanged(listener: (kind: ComponentKind) => void): void {
    this.#changeListeners.push(listener);
  }

  /** Hook for `notifications/roots/list_changed`. */
  rootsChanged(session: Session | undefined): void {
    this.#onRootsChanged?.(session);
  }

  /** `tools/call`: the tool resolved once, then the declared steps. */
  callTool(exchange: Exchange): MaybePromise<JsonObject> {
    return this.tools.call(exchange);
  }

  /** Runs a request that a parent server delegates to this one (a mounted server). */
  delegated(
    delegate: Delegate,
    exchange: Exchange,
    method: DelegatedMethod,
    childUri?: string,
  ): Promise<JsonObject | InputRequired> {
    return runDelegated(delegate.target as ServerCore, delegate.component, exchange, method, childUri);
  }

  /** @inheritdoc */
  async readResource(uri: string, ctx: Context): Promise<ResourceContents[]> {
    // A read of its own, as `ctx.callTool` makes a call: through the middleware (a cache, a log).
    const exchange = exchangeOf(ctx);
    const inner = new DelegatedExchange(exchange, { uri }, { ...exchange.facts, method: "resources/read" });
    const out = await withMiddleware(
      this,
      inner,
      (ex) => this.methods.readResource(ex) as Promise<JsonObject>,
    );
    if (out instanceof InputRequired || out.resultType === "input_required") {
      throw new McpError(
        ErrorCode.InternalError,
        `resource ${uri} needs client input and cannot be read from a handler`,
      );
    }
    return out.contents as ResourceContents[];
  }

  /** @inheritdoc */
  userState(principal: Principal | undefined): UserState {
    return new UserState(() => this.store, principal, this.limits.userStateTtlMs);
  }

  getState(exchange: Exchange, key: string): Promise<unknown> {
    return this.state.get(exchange, key);
  }

  /** @inheritdoc */
  setState(exchange: Exchange, key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.state.set(exchange, key, value, ttlMs);
  }

  /** @inheritdoc */
  deleteState(exchange: Exchange, key: string): Promise<void> {
    return this.state.delete(exchange, key);
  }

  /** @inheritdoc */
  async callToolFor(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject> {
    const facts = exchange.facts.method === "tools/call"
      ? exchange.facts
      : { ...exchange.facts, method: "tools/call" };
    const inner = new DelegatedExchange(exchange, { name, arguments: args }, facts);
    const out = await withMiddleware(this, inner, (ex) => this.tools.call(ex) as MaybePromise<JsonObject>);
    if (out instanceof InputRequired || out.resultType === "input_required") {
      throw new McpError(
        ErrorCode.InternalError,
        `tool '${name}' needs client input and cannot be called from a handler`,
      );
    }
    return out;
  }

  /** @inheritdoc */
  async listFor(exchange: Exchange, slot: Slot): Promise<unknown[]> {
    // Neither through the middleware nor from the catalog's cache: both would give the client's
    // listing, which a transform may replace (a search transform lists for its own search tool
    // what it hides from clients), and a caching middleware keeps that one.
    return [...await this.methods.usable(exchange, slot, true)];
  }

  /** @inheritdoc */
  async componentsFor(exchange: Exchange, slot: Slot): Promise<readonly Component[]> {
    return await this.methods.usableComponents(exchange, slot);
  }

  async getPromptFor(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject> {
    const inner = new DelegatedExchange(exchange, { name, arguments: args }, {
      ...exchange.facts,
      method: "prompts/get",
    });
    const out = await withMiddleware(this, inner, (ex) => this.methods.getPrompt(ex) as Promise<JsonObject>);
    if (out instanceof InputRequired || out.resultType === "input_required") {
      throw new McpError(
        ErrorCode.InternalError,
        `prompt '${name}' needs client input and cannot be rendered from a handler`,
      );
    }
    return out;
  }

  /** @inheritdoc */
  runSubtask(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject> {
    return (this.parent ?? this).tasks.runSubtask(exchange, name, args);
  }

  /** @inheritdoc */
  changeVisibility(exchange: Exchange, rules: VisibilityRule[] | undefined): Promise<void> {
    return changeSessionVisibility(exchange, rules);
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
      for (const listener of this.#changeListeners) listener(kind);
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
    if (this.parent) return this.parent.resourceUpdated(uri);
    this.#deliverResourceUpdate(uri);
    const store = this.#store;
    if (store && isShared(store)) {
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

  /** Runs the lifespan teardowns, if they started, then releases the store. */
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

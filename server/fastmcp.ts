/**
 * `FastMCP`: the server API. Define tools, resources and prompts; serve them with `deno serve`
 * (the instance has `fetch`), `serve()` on `Deno.serve`, or `run()` on stdio or HTTP.
 *
 * Longer than ~400 lines on purpose: the public class, each member with its documentation and a
 * compiled example; the work is delegated to `engine/`, `providers/`, `http/` and `run.ts`.
 *
 * @module
 */

import type { Icon, Implementation, LoggingLevel, ServerCapabilities } from "../protocol/types.ts";
import { PromptComponent, type PromptHandler, type PromptOptions } from "./components/prompt.ts";
import {
  ResourceComponent,
  type ResourceHandler,
  type ResourceOptions,
  TemplateComponent,
  type UriParams,
} from "./components/resource.ts";
import type { SchemaLike } from "./components/schema.ts";
import { ToolComponent, type ToolHandler, type ToolOptions } from "./components/tool.ts";
import { isUriTemplate } from "./components/uri_template.ts";
import { ServerCore } from "./engine/server_core.ts";
import { type HttpOptions, HttpTransport } from "./http/handler.ts";
import { type RouteHandler, type RouteOptions, RouteTable } from "./http/routes.ts";
import { serveHttp, type ServeOptions, type ServerHandle, stopHttp } from "./http/serve.ts";
import type { Extension } from "./extensions/extension.ts";
import { APPS_EXTENSION } from "./apps/apps.ts";
import type { Lifespan } from "./lifespan.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import { type LogSink, stderrLogger } from "./logger.ts";
import type { Middleware } from "./middleware/middleware.ts";
import type { ProviderErrorStrategy } from "./providers/catalog.ts";
import type { OnDuplicate } from "./providers/local.ts";
import { MountProvider } from "./providers/mount.ts";
import type { Provider } from "./providers/provider.ts";
import type { OpenAPIProviderOptions } from "./providers/openapi/provider.ts";
import type { SpecSource } from "./providers/openapi/spec.ts";
import {
  denoServeOf,
  exitOnSignals,
  parseRunArgs,
  readEnv,
  type RunOptions,
  watchDeclarativeServe,
} from "./run.ts";
import type { Session } from "./sessions/session.ts";
import { type AuthRule, checksOf } from "../auth/authorization.ts";
import { RemoteAuthProvider, type ServerAuth } from "../auth/remote_provider.ts";
import type { StoreOption } from "./store/open.ts";
import type { Store } from "./store/store.ts";
import { StdioTransport } from "./stdio.ts";
import { Namespace } from "./transforms/namespace.ts";
import { type Transform, transformed } from "./transforms/transform.ts";
import {
  disableRule,
  type EnableOptions,
  enableRules,
  type VisibilityFilter,
  type VisibilityRule,
} from "./transforms/visibility.ts";
import { callerModule } from "./workers/module_capture.ts";
import { workersAvailable } from "./workers/pool.ts";
import { type RegisteredTool, serverRegistry } from "./workers/server_registry.ts";
import type { TelemetryOptions } from "../otel/telemetry.ts";

export type { ServeOptions, ServerHandle };

/**
 * Options of a server.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({
 *   name: "weather",
 *   version: "1.0.0",
 *   instructions: "Use forecast for weather questions.",
 *   maskErrorDetails: true,
 *   limits: { maxBodyBytes: 1 << 20 },
 * });
 * ```
 */
export interface FastMCPOptions {
  /** Server name, sent to clients. */
  name: string;
  /** Server version. Default `"0.0.0"`. */
  version?: string;
  /** Display title. */
  title?: string;
  /** What the server is for. */
  description?: string;
  /** Instructions for the model, sent at `initialize` / `server/discover`. */
  instructions?: string;
  /** Icons of the server. */
  icons?: Icon[];
  /** The server's website. */
  websiteUrl?: string;
  /** Extra entries of `capabilities.experimental`. */
  experimentalCapabilities?: Record<string, unknown>;
  /** Hide the messages of unexpected errors from clients (ToolError/ResourceError/PromptError always show). */
  maskErrorDetails?: boolean;
  /** Items per page of list results; unset returns everything in one page. */
  listPageSize?: number;
  /** What defining a name twice does. Default `"warn"` (the later definition replaces the earlier). */
  onDuplicate?: OnDuplicate;
  /** Only serve components with one of these tags (the first visibility rules, before `enable()`/`disable()`). */
  includeTags?: string[];
  /** Never serve components with any of these tags. */
  excludeTags?: string[];
  /**
   * Middleware around every message, the first outermost; see {@link Middleware}. More can be
   * added with `addMiddleware()`.
   */
  middleware?: Middleware[];
  /**
   * What a failing provider does to a listing or lookup: `"warn"` (default) skips it and logs,
   * `"raise"` fails the request.
   */
  providerErrorStrategy?: ProviderErrorStrategy;
  /** Set-up before the first request, teardown at shutdown; handlers read the value as `ctx.lifespan`. */
  lifespan?: Lifespan;
  /** Limits; see {@link Limits}. */
  limits?: Partial<Limits>;
  /** Minimum level of the server's own log on stderr. Default `"info"`. */
  logLevel?: LoggingLevel;
  /** Replaces the stderr log sink. */
  logger?: LogSink;
  /** HTTP transport options. */
  http?: HttpOptions;
  /**
   * Protects the HTTP endpoint with bearer tokens: a verifier (`JWTVerifier`, `StaticTokenVerifier`,
   * or your own), or a `RemoteAuthProvider`, which also serves the protected resource metadata
   * (RFC 9728) that clients discover the authorization server from. stdio is not affected.
   */
  auth?: ServerAuth;
  /**
   * Key that seals 2026-07-28 `requestState` (≥ 32 bytes). Instances that share clients must
   * share it; by default each process makes a random one. Also read from `DENOMCP_STATE_SECRET`.
   */
  requestStateSecret?: string | Uint8Array;
  /** Cache hints on 2026-07-28 list and read results. Default `{ ttlMs: 0, cacheScope: "private" }`. */
  cache?: { ttlMs?: number; cacheScope?: "public" | "private" };
  /** Called when a client says its roots changed. */
  onRootsChanged?: (session: Session | undefined) => void;
  /**
   * Where sessions, session state and cross-instance messages live: `"memory"` (default, this
   * isolate only), `"kv"` (Deno KV: the default database, or Deno Deploy's), a `redis://` or
   * `rediss://` URL (Redis or Valkey), a path or URL for `Deno.openKv`, or a `Store`
   * (`kvStore(kv)`, `redisStore(url, { prefix })`, `memoryStore()`). Without the option,
   * `DENOMCP_STORE` (when `--allow-env` grants it) is used. KV needs `--unstable-kv` (or
   * `"unstable": ["kv"]` in deno.json); without it the constructor throws, naming the flag.
   */
  store?: StoreOption;
  /**
   * OpenTelemetry: an injected tracer and meter. By default denomcp uses the global API
   * (`trace.getTracer("denomcp")`), which records once Deno's `OTEL_DENO=true` or an SDK is set up.
   */
  telemetry?: TelemetryOptions;
  /**
   * Default of each tool's `runInThread`: whether synchronous handlers run in the worker pool.
   * Default true.
   */
  runInThread?: boolean;
}

/** Options of {@link FastMCP.mount}. */
export interface MountOptions {
  /** Prefix of the child's names: tools and prompts `{namespace}_{name}`, URIs `{scheme}://{namespace}/{rest}`. */
  namespace?: string;
  /**
   * Auth checks every component of the child must pass here, before the child's own (see
   * `ComponentOptions.auth`).
   */
  auth?: AuthRule;
}

/**
 * Options of {@link FastMCP.fromOpenAPI}: the provider's, and the server's own.
 *
 * @example
 * ```ts
 * import type { FromOpenAPIOptions } from "@denomcp/denomcp";
 * const options: FromOpenAPIOptions = { server: { name: "pets" }, baseUrl: "https://pets.example.com" };
 * ```
 */
export interface FromOpenAPIOptions extends OpenAPIProviderOptions {
  /** Options of the server made (default name: the spec's `info.title`). */
  server?: Partial<FastMCPOptions>;
}

/** Options of {@link FastMCP.addProvider}. */
export interface ProviderOptions {
  /** Put the provider's components under a namespace. */
  namespace?: string;
  /** Transforms of this provider only (the first innermost), applied before the namespace. */
  transforms?: Transform[];
}

/** What `run()` started. */
export interface RunningServer {
  /** The transport chosen: `"none"` inside a Worker, `"deno-serve"` when deno serve owns HTTP. */
  readonly transport: "stdio" | "http" | "deno-serve" | "none";
  /** Resolves when the transport ends. */
  readonly finished: Promise<void>;
}

/** Live counts of a server; see {@link FastMCP.stats}. */
export interface ServerStats {
  /** 2025-era sessions alive. */
  sessions: number;
  /** Open SSE connections. */
  openStreams: number;
  /** Open `subscriptions/listen` subscriptions. */
  subscriptions: number;
  /** 2026-era HTTP requests being served. */
  requestsInFlight: number;
  /** Sessions whose client has not completed the handshake (they go first when the table is full). */
  halfOpenSessions: number;
  /** Bytes the sessions of this isolate keep of their clients (client info, capabilities, subscriptions). */
  sessionBytes: number;
  /** Bytes of handler state (`ctx.setState`) sessions keep, as counted in this isolate. */
  stateBytes: number;
  /** The worker pool: workers running a job, idle ones, and jobs waiting for a worker. */
  pool: { busy: number; idle: number; queued: number };
  /** MCP tasks: waiting to run (all instances, as of the last scan), and running on this instance. */
  tasks: { queued: number; running: number };
  /**
   * The store: its kind, and whether it can be reached (a Redis store reports a lost connection
   * here while it reconnects; memory and KV are always connected). Absent before the store opens.
   */
  store?: { kind: string; connected: boolean; error?: string };
}

function insideWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: new () => unknown };
  return typeof g.WorkerGlobalScope === "function" && globalThis instanceof g.WorkerGlobalScope;
}

/**
 * An MCP server.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { z } from "zod";
 *
 * const mcp = new FastMCP({ name: "weather", version: "1.0.0" });
 * mcp.tool("forecast", {
 *   description: "Forecast for a city",
 *   input: z.object({ city: z.string() }),
 * }, async ({ city }, ctx) => {
 *   await ctx.info(`looking up ${city}`);
 *   return { city, tempC: 21 };
 * });
 *
 * // deno serve and Deno Deploy: a second module, `export { mcp as default } from "./server.ts";`
 * // (not here: see `fetch`).
 * if (import.meta.main) mcp.run(); // deno run: stdio, or HTTP with --http
 * ```
 */
export class FastMCP {
  /** Server name. */
  readonly name: string;
  /** Server version. */
  readonly version: string;
  readonly #core: ServerCore;
  #options: FastMCPOptions;
  readonly #routes = new RouteTable();
  readonly #mounted = new Set<FastMCP>();
  #http?: HttpTransport;
  readonly #servers = new Set<Deno.HttpServer>();
  readonly #stdio = new Set<StdioTransport>();
  #stopSignals?: () => void;
  #closing?: Promise<void>;

  /**
   * Handles one HTTP request: the MCP endpoint and the custom routes. An own property, so that
   * `export default mcp` works with `deno serve` and Deno Deploy. Export it so from a serve entry
   * (`export { mcp as default } from "./server.ts";`), not from the module `deno run` starts: Deno
   * warns on stderr when the main module's default export has an own `fetch`, and stdio clients
   * show that stderr as errors.
   */
  readonly fetch: (req: Request, info?: Deno.ServeHandlerInfo) => Response | Promise<Response>;

  /** Creates a server. */
  constructor(options: FastMCPOptions) {
    this.#options = options;
    this.name = options.name;
    this.version = options.version ?? "0.0.0";
    const log = options.logger ?? stderrLogger(options.name, options.logLevel ?? "info");
    const serverInfo: Implementation = { name: this.name, version: this.version };
    if (options.title) serverInfo.title = options.title;
    if (options.description) serverInfo.description = options.description;
    if (options.icons) serverInfo.icons = options.icons;
    if (options.websiteUrl) serverInfo.websiteUrl = options.websiteUrl;
    const capabilities: ServerCapabilities = {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    };
    if (options.experimentalCapabilities) capabilities.experimental = options.experimentalCapabilities;
    this.#core = new ServerCore({
      serverInfo,
      instructions: options.instructions,
      capabilities,
      maskErrorDetails: options.maskErrorDetails ?? false,
      listPageSize: options.listPageSize,
      cacheHints: { ttlMs: options.cache?.ttlMs ?? 0, cacheScope: options.cache?.cacheScope ?? "private" },
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      log,
      requestStateSecret: options.requestStateSecret ?? envSecret(),
      lifespan: options.lifespan,
      onRootsChanged: options.onRootsChanged,
      telemetry: options.telemetry,
      // DENOMCP_STORE lets deployments choose the store without code changes (e.g. `kv` under deno serve --parallel).
      store: options.store ?? (readEnv("DENOMCP_STORE") || undefined),
      onDuplicate: options.onDuplicate ?? "warn",
      providerErrorStrategy: options.providerErrorStrategy ?? "warn",
      middleware: options.middleware ?? [],
      includeTags: options.includeTags,
      excludeTags: options.excludeTags,
      scopeHierarchy: options.auth instanceof RemoteAuthProvider ? options.auth.scopeHierarchy : undefined,
      authenticates: options.auth !== undefined,
    });
    this.fetch = (req, info) => this.#transport().fetch(req, info);
    if (options.auth instanceof RemoteAuthProvider) this.#serveResourceMetadata(options.auth);
    if (isAuthorizationServer(options.auth)) this.#serveAuthorizationServer(options.auth);
    serverRegistry().set(this.name, this);
    // Served by `deno serve` from a serve entry, no run() installs the SIGINT/SIGTERM shutdown: Deno
    // stops its listener, and the warm worker pool would keep the process alive after that.
    if (!insideWorker()) {
      void denoServeOf(this).then((server) => {
        if (server) this.#stopSignals ??= exitOnSignals(() => this.close());
      });
    }
  }

  /** The routes of an auth provider that is also the authorization server (the OAuth proxy), on the server's store. */
  #serveAuthorizationServer(auth: AuthorizationServerRoutes): void {
    for (const route of auth.attach(() => this.#core.store)) {
      this.#routes.add(route.path, { methods: route.methods }, async (req) => {
        // Its records live in the store, which opens with the server.
        await this.#core.ready();
        return await route.handler(req);
      });
    }
  }

  /** RFC 9728 metadata at the path-inserted and the root well-known URLs, readable from any origin. */
  #serveResourceMetadata(auth: RemoteAuthProvider): void {
    const path = this.#options.http?.path ?? "/mcp";
    const headers = { "content-type": "application/json", "access-control-allow-origin": "*" };
    for (const wellKnown of auth.metadataPaths(path)) {
      // Built per request: an OAuth proxy's scopes may change at run time (updateScopes).
      this.#routes.add(
        wellKnown,
        { methods: ["GET"] },
        () => new Response(JSON.stringify(auth.metadata(path)), { headers }),
      );
    }
  }

  /**
   * Changes HTTP options (the endpoint's path, stateless mode, the Host and Origin checks) after
   * construction, before the server first answers over HTTP: what `denomcp run --path` and
   * `--stateless` use on a server loaded from a file. Throws once HTTP is in use, and for a new
   * path on a server with `auth` (its metadata is published for the path it was built with).
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.configureHttp({ path: "/api/mcp", stateless: true });
   * ```
   */
  configureHttp(options: HttpOptions): void {
    if (this.#http) {
      throw new Error("configureHttp: the server already answers over HTTP; configure it before serve()");
    }
    const current = this.#options.http ?? {};
    if (this.#options.auth && options.path !== undefined && options.path !== (current.path ?? "/mcp")) {
      throw new Error(
        "configureHttp: a server with auth keeps the path it was created with (set http.path in its options)",
      );
    }
    this.#options = { ...this.#options, http: { ...current, ...options } };
  }

  #transport(): HttpTransport {
    return this.#http ??= new HttpTransport(
      this.#core,
      this.#options.http ?? {},
      this.#routes,
      this.#options.auth,
    );
  }

  /**
   * Defines a tool. A handler's plain object result becomes structured content (plus its JSON
   * as text); strings become text; `Image`/`Audio`/`File` become content blocks.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * import { z } from "zod";
   * const mcp = new FastMCP({ name: "calc" });
   * mcp.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => String(a + b));
   * ```
   */
  tool<S extends SchemaLike | undefined = undefined>(name: string, handler: ToolHandler<S>): ToolComponent;
  /** Defines a tool with options. */
  tool<S extends SchemaLike | undefined = undefined>(
    name: string,
    options: ToolOptions<S>,
    handler: ToolHandler<S>,
  ): ToolComponent;
  tool(name: string, a: ToolOptions | ToolHandler<unknown>, b?: ToolHandler<unknown>): ToolComponent {
    const [given, handler] = typeof a === "function" ? [{}, a] : [a, b!];
    const fallback = this.#options.runInThread;
    const options = given.runInThread === undefined && fallback !== undefined
      ? { ...given, runInThread: fallback }
      : given;
    const tool = new ToolComponent(name, options, handler);
    if (options.app) this.#core.addExtension(APPS_EXTENSION);
    if (tool.runsInThread && !insideWorker()) {
      tool.module ??= callerModule();
      if (!tool.module || !workersAvailable()) {
        const why = workersAvailable()
          ? "its defining module cannot be imported (REPL or eval)"
          : "Worker is unavailable here";
        this.#core.log("warning", `tool '${name}' runs inline instead of in the worker pool: ${why}`);
      }
    }
    return this.#core.local.add(tool);
  }

  /**
   * Adds a tool made elsewhere (`Tool.from(...)`, say) to this server.
   *
   * @example
   * ```ts
   * import { FastMCP, Tool } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * const hello = mcp.tool("hello", async () => "hello");
   * mcp.addTool(Tool.from(hello, { name: "greet", description: "Says hello" }));
   * ```
   */
  addTool(tool: ToolComponent): ToolComponent {
    if ((tool.listing._meta as { ui?: unknown } | undefined)?.ui) this.#core.addExtension(APPS_EXTENSION);
    return this.#core.local.add(tool);
  }

  /**
   * Defines a resource; a URI with `{variables}` defines a template whose handler receives them.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "files" });
   * mcp.resource("config://app", () => ({ theme: "dark" }));
   * mcp.resource("users://{id}/profile", { mimeType: "application/json" }, ({ id }) => ({ id }));
   * ```
   */
  resource<U extends string>(
    uri: U,
    handler: ResourceHandler<UriParams<U>>,
  ): ResourceComponent | TemplateComponent;
  /** Defines a resource or template with options. */
  resource<U extends string>(
    uri: U,
    options: ResourceOptions,
    handler: ResourceHandler<UriParams<U>>,
  ): ResourceComponent | TemplateComponent;
  resource(
    uri: string,
    a: ResourceOptions | ResourceHandler<never>,
    b?: ResourceHandler<never>,
  ): ResourceComponent | TemplateComponent {
    const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
    const h = handler as ResourceHandler;
    if (options.app) this.#core.addExtension(APPS_EXTENSION);
    return isUriTemplate(uri)
      ? this.#core.local.add(new TemplateComponent(uri, options, h))
      : this.#core.local.add(new ResourceComponent(uri, options, h));
  }

  /**
   * Defines a prompt.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * import { z } from "zod";
   * const mcp = new FastMCP({ name: "prompts" });
   * mcp.prompt("summarise", { args: z.object({ text: z.string() }) }, ({ text }) => `Summarise:\n${text}`);
   * ```
   */
  prompt<S extends SchemaLike | undefined = undefined>(
    name: string,
    handler: PromptHandler<S>,
  ): PromptComponent;
  /** Defines a prompt with options. */
  prompt<S extends SchemaLike | undefined = undefined>(
    name: string,
    options: PromptOptions<S>,
    handler: PromptHandler<S>,
  ): PromptComponent;
  prompt(
    name: string,
    a: PromptOptions | PromptHandler<unknown>,
    b?: PromptHandler<unknown>,
  ): PromptComponent {
    const [options, handler] = typeof a === "function" ? [{}, a] : [a, b!];
    return this.#core.local.add(new PromptComponent(name, options, handler));
  }

  /**
   * A server whose tools, resources and templates are the operations of an OpenAPI spec (an
   * object, JSON or YAML text, a file path or a URL); see {@link OpenAPIProvider}. The spec is
   * loaded before this resolves, so a bad one rejects here with an `OpenAPISpecError`.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = await FastMCP.fromOpenAPI({
   *   openapi: "3.1.0",
   *   info: { title: "Pets", version: "1" },
   *   paths: { "/pets": { get: { operationId: "listPets", responses: { "200": { description: "pets" } } } } },
   * }, { baseUrl: "https://pets.example.com" });
   * ```
   */
  static async fromOpenAPI(spec: SpecSource, options: FromOpenAPIOptions = {}): Promise<FastMCP> {
    // Loaded here, not at start-up: servers without OpenAPI never read the provider.
    const { OpenAPIProvider } = await import("./providers/openapi/provider.ts");
    const { server, ...providerOptions } = options;
    const provider = await new OpenAPIProvider(spec, providerOptions).load();
    const mcp = new FastMCP({ ...server, name: server?.name ?? (await provider.title()) ?? "openapi" });
    return mcp.addProvider(provider);
  }

  /**
   * Adds a source of components after the ones added before (this server's own definitions are
   * always first). A lookup takes the highest version any provider has.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const tools = new FastMCP({ name: "tools" });
   * tools.tool("ping_host", async () => "pong");
   * const mcp = new FastMCP({ name: "host" });
   * // Any Provider fits; a mounted server is one (see mount()).
   * mcp.addProvider({
   *   listTools: () => [...tools.tools.values()],
   *   getTool: (name) => tools.tools.get(name),
   *   listResources: () => [],
   *   getResource: () => undefined,
   *   listResourceTemplates: () => [],
   *   getResourceTemplate: () => undefined,
   *   listPrompts: () => [],
   *   getPrompt: () => undefined,
   * }, { namespace: "net" }); // clients see net_ping_host
   * ```
   */
  addProvider(provider: Provider, options: ProviderOptions = {}): this {
    // A provider that serves an extension's content (skills, say) brings the extension with it.
    for (const extension of provider.extensions ?? []) this.#core.addExtension(extension);
    const transforms = [...(options.transforms ?? [])];
    if (options.namespace !== undefined) transforms.push(new Namespace(options.namespace));
    this.#core.catalog.addProvider(transformed(provider, transforms));
    return this;
  }

  /**
   * Adds a server-wide transform, outside the ones added before it (visibility rules still
   * apply last, to the names clients see).
   *
   * @example
   * ```ts
   * import { FastMCP, Namespace } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("search", async () => "found");
   * mcp.addTransform(new Namespace("docs")); // clients see docs_search
   * ```
   */
  addTransform(transform: Transform): this {
    this.#core.catalog.addTransform(transform);
    return this;
  }

  /**
   * Adds a protocol extension: declared under `capabilities.extensions` (on the eras it names),
   * its methods added to the method table, its middleware inside the server's. Adding the same
   * extension again is a no-op; another with the same id, or a method the server already has, is
   * an error. Providers that need one (a skills provider) add it themselves.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.addExtension({
   *   id: "com.example/clock",
   *   methods: { "clock/now": { handler: () => ({ now: Date.now() }) } },
   * });
   * ```
   */
  addExtension(extension: Extension): this {
    this.#core.addExtension(extension);
    return this;
  }

  /**
   * Adds a middleware inside the ones given before; see {@link Middleware}.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.addMiddleware({
   *   onCallTool: async (context, next) => {
   *     console.error(`calling ${context.params.name}`);
   *     return await next(context);
   *   },
   * });
   * ```
   */
  addMiddleware(middleware: Middleware): this {
    this.#core.addMiddleware(middleware);
    return this;
  }

  /**
   * Mounts another server: its tools and prompts appear as `{namespace}_{name}`, its resources
   * and templates as `{scheme}://{namespace}/{rest}`. Calls run in the child (its middleware,
   * context and state); its lifespan is entered when this server starts and left when it stops;
   * its tasks run on this server's queue; its `list_changed` reaches this server's clients; its
   * custom routes are served after this server's. Mounting a server into itself, or into a
   * server it contains, throws.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const weather = new FastMCP({ name: "weather" });
   * weather.tool("forecast", async () => "sunny");
   * const mcp = new FastMCP({ name: "assistant" });
   * mcp.mount(weather, { namespace: "weather" }); // clients see weather_forecast
   * ```
   */
  mount(child: FastMCP, options: MountOptions = {}): this {
    if (child === this || child.#contains(this)) {
      throw new Error(`cannot mount server '${child.name}' into '${this.name}': that would make a cycle`);
    }
    if (this.#mounted.has(child)) throw new Error(`server '${child.name}' is already mounted here`);
    if (child.#core.parent) throw new Error(`server '${child.name}' is already mounted in another server`);
    child.#core.parent = this.#core;
    this.#mounted.add(child);
    // What the child serves through an extension (its skills) is served here too, namespaced.
    for (const extension of child.#core.extensions.list()) {
      if (!this.#core.extensions.get(extension.id)) this.#core.addExtension(extension);
    }
    this.#routes.mount(child.#routes);
    return this.addProvider(new MountProvider(child.#core, checksOf(options.auth)), {
      namespace: options.namespace,
    });
  }

  #contains(server: FastMCP): boolean {
    for (const child of this.#mounted) if (child === server || child.#contains(server)) return true;
    return false;
  }

  /**
   * Shows components to every client; with `only`, hides everything else. Rules apply in the
   * order given, the last matching one deciding; clients get `list_changed`.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("search", { tags: ["public"] }, async () => "found");
   * mcp.tool("drop_table", { tags: ["admin"] }, async () => "dropped");
   * mcp.enable({ tags: ["public"], only: true }); // clients see only search
   * ```
   */
  enable(options: EnableOptions): this {
    return this.#addRules(enableRules(options));
  }

  /**
   * Hides components from every client (until a later rule shows them again); clients get
   * `list_changed`.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("legacy_search", { version: "1" }, async () => "old");
   * mcp.disable({ names: ["legacy_search"] });
   * ```
   */
  disable(filter: VisibilityFilter): this {
    return this.#addRules([disableRule(filter)]);
  }

  #addRules(rules: VisibilityRule[]): this {
    const { catalog } = this.#core;
    catalog.rules.push(...rules);
    catalog.invalidate("tools");
    catalog.invalidate("resources");
    catalog.invalidate("prompts");
    return this;
  }

  /**
   * Serves a custom HTTP route beside the MCP endpoint (a health check, a webhook). Other
   * methods on the path get 405. Routes of mounted servers are served too, after this server's.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.customRoute("/health", { methods: ["GET"] }, () => Response.json({ ok: true }));
   * ```
   */
  customRoute(path: string, options: RouteOptions, handler: RouteHandler): this {
    if (path === (this.#options.http?.path ?? "/mcp")) {
      throw new Error(`route ${path} is the MCP endpoint`);
    }
    this.#routes.add(path, options, handler);
    return this;
  }

  /**
   * The server's store (sessions, session state, tasks), once the server has started; a mounted
   * server shares its parent's.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * await mcp.start();
   * await mcp.store.set(["greeting"], "hello", { expireInMs: 60_000 });
   * await mcp.close();
   * ```
   */
  get store(): Store {
    return this.#core.store;
  }

  /** The limits in force (defaults merged with the `limits` option). */
  get limits(): Readonly<Limits> {
    return this.#core.limits;
  }

  /** The tools defined on this server (the highest version of each), by name, enabled or not. */
  get tools(): ReadonlyMap<string, ToolComponent> {
    return this.#core.local.latest("tools");
  }

  /** The static resources defined here, by URI. */
  get resources(): ReadonlyMap<string, ResourceComponent> {
    return this.#core.local.latest("resources");
  }

  /** The resource templates defined here, by URI template. */
  get resourceTemplates(): ReadonlyMap<string, TemplateComponent> {
    return this.#core.local.latest("templates");
  }

  /** The prompts defined here, by name. */
  get prompts(): ReadonlyMap<string, PromptComponent> {
    return this.#core.local.latest("prompts");
  }

  /** @internal how a pool worker finds a tool of this server (by the name it was defined with) */
  definedTool(name: string, version?: string): RegisteredTool | undefined {
    return this.#core.local.getTool(name, version === undefined ? undefined : { eq: version });
  }

  /**
   * Live counts, for health checks and for tests that prove nothing is left behind.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * const { sessions, pool, tasks } = mcp.stats();
   * console.log(sessions, pool.busy, tasks.queued); // 0 0 0
   * ```
   */
  stats(): ServerStats {
    const core = this.#core;
    return {
      sessions: core.sessions.size,
      openStreams: this.#http?.connections.size ?? 0,
      subscriptions: core.listen.size,
      requestsInFlight: this.#http?.active ?? 0,
      halfOpenSessions: core.sessions.halfOpen,
      sessionBytes: core.sessions.heldBytes(),
      stateBytes: core.state.heldBytes,
      pool: core.poolCounts,
      tasks: core.tasks.counts,
      ...(core.openedStore
        ? { store: { kind: core.openedStore.kind, ...(core.openedStore.health?.() ?? { connected: true }) } }
        : {}),
    };
  }

  /** Tells subscribed clients that a resource changed (`notifications/resources/updated`). */
  notifyResourceUpdated(uri: string): void {
    this.#core.resourceUpdated(uri);
  }

  /** Starts the lifespan now instead of at the first request. */
  start(): Promise<void> {
    return this.#core.ready();
  }

  /**
   * Serves HTTP on `Deno.serve`. Bound to loopback, Host/Origin checks are on by default.
   * Needs `--allow-net` (and `--allow-read --allow-write` for a Unix socket).
   *
   * The store opens and the lifespan starts right away; "serving MCP" is logged (or `onListen`
   * called) once they have. If they cannot, the port is closed again and `finished` rejects
   * with why: `cannot open store '<path>': <reason>` (or `cannot start lifespan of server
   * '<name>': <reason>`).
   *
   * @example
   * ```ts ignore
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * const server = mcp.serve({ port: 0 });
   * console.log(server.url);
   * await mcp.close();
   * ```
   */
  serve(options: ServeOptions = {}): ServerHandle {
    // A pool worker imports the module that defines a tool; serving there would bind a second port.
    if (insideWorker()) {
      return { addr: { transport: "tcp", hostname: "", port: 0 }, url: "", finished: Promise.resolve() };
    }
    const core = this.#core;
    if (core.started) {
      const { server, handle } = serveHttp(this.#transport(), options, core.log);
      this.#servers.add(server);
      const finished = handle.finished.finally(() => this.#servers.delete(server));
      return { ...handle, finished };
    }
    // The store and the lifespan start now, not at the first request, and the server says it is
    // listening only once they have. Deno.serve binds at once (the handle carries the port), so
    // a start that fails shuts it again, and `finished` rejects with why.
    let bound: Deno.Addr | undefined;
    const { server, handle } = serveHttp(this.#transport(), {
      ...options,
      onListen: (addr) => (bound = addr),
    }, core.log);
    this.#servers.add(server);
    const started = core.ready().then(() => {
      if (!bound || core.shutdownSignal.aborted) return;
      if (options.onListen) options.onListen(bound);
      else if (bound.transport === "unix") core.log("info", `serving MCP on unix:${bound.path}`);
      else core.log("info", `serving MCP on ${handle.url}`);
    }, async (error) => {
      await server.shutdown();
      throw error;
    });
    const finished = Promise.all([started, handle.finished]).then(() => {})
      .finally(() => this.#servers.delete(server));
    return { ...handle, finished };
  }

  /**
   * Runs the server as a program: stdio by default; HTTP with `--http`, `--port N`,
   * `--host H`, `--unix PATH` or the `PORT` variable. Resolves once the transport is up;
   * `finished` resolves when it ends (stdin closed, or shutdown). Under `deno serve` (which owns
   * HTTP already) and inside Workers it does nothing. SIGINT/SIGTERM shut the server down.
   *
   * The store opens and the lifespan starts before anything listens. If they cannot, the program
   * prints why on stderr (`cannot open store '<path>': <reason>`, or `cannot start lifespan of
   * server '<name>': <reason>`) and exits with code 1; given `stdin`/`stdout` streams, `run()`
   * rejects with that error instead.
   *
   * @example
   * ```ts ignore
   * import { FastMCP } from "@denomcp/denomcp";
   * export const mcp = new FastMCP({ name: "demo" }); // a serve entry re-exports it as default
   * if (import.meta.main) await mcp.run();
   * ```
   */
  async run(options: RunOptions = {}): Promise<RunningServer> {
    if (insideWorker()) return { transport: "none", finished: Promise.resolve() };
    const watch = watchDeclarativeServe();
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (watch.served) return { transport: "deno-serve", finished: new Promise(() => {}) };
    const chosen = parseRunArgs(options);
    this.#stopSignals ??= exitOnSignals(() => this.close());
    // The store and the lifespan start before anything listens: a program whose store cannot open
    // (or whose lifespan throws) says why on stderr and exits 1, never "serving MCP".
    try {
      await this.#core.ready(false);
    } catch (error) {
      watch.stop();
      await this.close().catch(() => {});
      // Streams given (a test, or an embedding program): the caller hears why instead.
      if (options.stdin || options.stdout) throw error;
      console.error(error instanceof Error ? error.message : String(error));
      Deno.exit(1);
    }
    if (chosen.transport === "http") {
      watch.stop();
      const handle = this.serve({ hostname: chosen.hostname, port: chosen.port, path: chosen.path });
      return { transport: "http", finished: handle.finished };
    }
    const stdio = new StdioTransport(this.#core, options.stdin, options.stdout);
    this.#stdio.add(stdio);
    // With `await run()` at top level, deno serve takes over only after this resolves.
    watch.onServed(() => {
      this.#stdio.delete(stdio);
      stdio.close();
    });
    const finished = stdio.run().finally(async () => {
      this.#stdio.delete(stdio);
      if (!watch.served) {
        watch.stop();
        await this.close();
      }
    });
    return { transport: "stdio", finished };
  }

  /**
   * Shuts down: refuses new requests, ends open SSE streams and subscriptions, cancels work in
   * flight after `limits.shutdownTimeoutMs`, then runs the lifespan teardowns (this server's,
   * then its mounted servers').
   */
  close(): Promise<void> {
    return this.#closing ??= this.#shutdown().finally(() => (this.#closing = undefined));
  }

  async #shutdown(): Promise<void> {
    this.#stopSignals?.();
    this.#stopSignals = undefined;
    this.#core.beginShutdown();
    this.#http?.closeStreams();
    for (const stdio of this.#stdio) stdio.close();
    const limit = this.#core.limits.shutdownTimeoutMs;
    await Promise.all([...this.#servers].map((server) => stopHttp(server, limit)));
    await this.#core.stopLifespan();
  }
}

/** An auth provider that also serves an authorization server's routes (the OAuth proxy). */
interface AuthorizationServerRoutes {
  attach(
    store: () => Store,
  ): { path: string; methods: string[]; handler: (req: Request) => Promise<Response> }[];
}

function isAuthorizationServer(auth: unknown): auth is AuthorizationServerRoutes {
  return typeof (auth as { attach?: unknown } | undefined)?.attach === "function";
}

function envSecret(): string | undefined {
  // Without --allow-env the default per-process key applies.
  return readEnv("DENOMCP_STATE_SECRET") || undefined;
}

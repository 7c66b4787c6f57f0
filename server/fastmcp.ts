/**
 * `FastMCP`: the server API. Define tools, resources and prompts; serve them with `deno serve`
 * (the instance has `fetch`), `serve()` on `Deno.serve`, or `run()` on stdio or HTTP.
 *
 * @module
 */

import type { Icon, Implementation, LoggingLevel, ServerCapabilities } from "../protocol/types.ts";
import { ComponentRegistry, type OnDuplicate } from "./components/registry.ts";
import { PromptComponent, type PromptHandler, type PromptOptions } from "./components/prompt.ts";
import {
  ResourceComponent,
  type ResourceHandler,
  type ResourceOptions,
  TemplateComponent,
  type UriParams,
} from "./components/resource.ts";
import { ToolComponent, type ToolHandler, type ToolOptions } from "./components/tool.ts";
import { isUriTemplate } from "./components/uri_template.ts";
import { ServerCore } from "./core.ts";
import type { Lifespan } from "./lifespan.ts";
import { type LogSink, stderrLogger } from "./logger.ts";
import type { SchemaLike } from "./schema.ts";
import type { Session } from "./session.ts";
import { DEFAULT_LIMITS, type Limits } from "./settings.ts";
import { type HttpOptions, HttpTransport } from "./http/handler.ts";
import { isLoopback, loopbackPolicy } from "./http/guards.ts";
import { StdioTransport } from "./stdio.ts";
import { callerModule } from "./workers/module_capture.ts";
import { workersAvailable } from "./workers/pool.ts";
import { serverRegistry } from "./workers/server_registry.ts";
import type { TelemetryOptions } from "../otel/telemetry.ts";
import type { StoreOption } from "./store/open.ts";
import { parseRunArgs, readEnv, type RunOptions, watchDeclarativeServe } from "./run.ts";

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
  /** Only serve components with one of these tags. */
  includeTags?: string[];
  /** Never serve components with any of these tags. */
  excludeTags?: string[];
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
   * isolate only), `"kv"` (Deno KV: the default database, or Deno Deploy's), a path or URL for
   * `Deno.openKv`, or a `Store` (`kvStore(kv)`, `memoryStore()`). Without the option,
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

/** Options of {@link FastMCP.serve}. */
export interface ServeOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  hostname?: string;
  /** Port; 0 picks a free one. Default 8000. */
  port?: number;
  /** Serve on a Unix socket at this path instead of TCP. */
  path?: string;
  /** TLS certificate (PEM); with `key`, serves HTTPS and HTTP/2. */
  cert?: string;
  /** TLS key (PEM). */
  key?: string;
  /** Called once listening. */
  onListen?: (addr: Deno.Addr) => void;
}

/** A running HTTP server. */
export interface ServerHandle {
  /** The bound address. */
  readonly addr: Deno.Addr;
  /** The URL of the MCP endpoint (TCP only). */
  readonly url: string;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
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
 * export default mcp; // deno serve
 * if (import.meta.main) mcp.run(); // deno run: stdio, or HTTP with --http
 * ```
 */
export class FastMCP {
  /** Server name. */
  readonly name: string;
  /** Server version. */
  readonly version: string;
  readonly #registry: ComponentRegistry;
  readonly #core: ServerCore;
  readonly #options: FastMCPOptions;
  #http?: HttpTransport;
  readonly #servers = new Set<Deno.HttpServer>();
  readonly #stdio = new Set<StdioTransport>();
  #signalHandler?: () => void;
  #closing?: Promise<void>;

  /**
   * Handles one HTTP request to the MCP endpoint. An own property, so that `export default mcp`
   * works with `deno serve` and Deno Deploy.
   */
  readonly fetch: (req: Request) => Response | Promise<Response>;

  /** Creates a server. */
  constructor(options: FastMCPOptions) {
    this.#options = options;
    this.name = options.name;
    this.version = options.version ?? "0.0.0";
    const log = options.logger ?? stderrLogger(options.name, options.logLevel ?? "info");
    this.#registry = new ComponentRegistry(
      options.onDuplicate ?? "warn",
      { includeTags: options.includeTags, excludeTags: options.excludeTags },
      (kind) => this.#core?.listChanged(kind),
      (message) => log("warning", message),
    );
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
    this.#core = new ServerCore(this.#registry, {
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
    });
    this.fetch = (req) => this.#transport().fetch(req);
    serverRegistry().set(this.name, this);
  }

  #transport(): HttpTransport {
    return this.#http ??= new HttpTransport(this.#core, this.#options.http ?? {});
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
    if (tool.runsInThread && !insideWorker()) {
      tool.module ??= callerModule();
      if (!tool.module || !workersAvailable()) {
        const why = workersAvailable()
          ? "its defining module cannot be imported (REPL or eval)"
          : "Worker is unavailable here";
        this.#core.log("warning", `tool '${name}' runs inline instead of in the worker pool: ${why}`);
      }
    }
    return this.#registry.add(tool);
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
    return isUriTemplate(uri)
      ? this.#registry.add(new TemplateComponent(uri, options, h))
      : this.#registry.add(new ResourceComponent(uri, options, h));
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
    return this.#registry.add(new PromptComponent(name, options, handler));
  }

  /** The limits in force (defaults merged with the `limits` option). */
  get limits(): Readonly<Limits> {
    return this.#core.limits;
  }

  /** The tools defined on this server, by name (enabled or not). */
  get tools(): ReadonlyMap<string, ToolComponent> {
    return this.#registry.tools;
  }

  /** The static resources, by URI. */
  get resources(): ReadonlyMap<string, ResourceComponent> {
    return this.#registry.resources;
  }

  /** The resource templates, by URI template. */
  get resourceTemplates(): ReadonlyMap<string, TemplateComponent> {
    return this.#registry.templates;
  }

  /** The prompts, by name. */
  get prompts(): ReadonlyMap<string, PromptComponent> {
    return this.#registry.prompts;
  }

  /**
   * Live counts, for health checks and for tests that prove nothing is left behind.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * console.log(mcp.stats()); // { sessions: 0, openStreams: 0, subscriptions: 0, requestsInFlight: 0 }
   * ```
   */
  stats(): ServerStats {
    return {
      sessions: this.#core.sessions.size,
      openStreams: this.#http?.connections.size ?? 0,
      subscriptions: this.#core.listen.size,
      requestsInFlight: this.#http?.active ?? 0,
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
    const transport = this.#transport();
    const hostname = options.hostname ?? "127.0.0.1";
    if (options.path || isLoopback(hostname)) transport.protect(loopbackPolicy());
    let resolveAddr!: (addr: Deno.Addr) => void;
    const listening = new Promise<Deno.Addr>((resolve) => (resolveAddr = resolve));
    const onListen = (addr: Deno.Addr) => {
      resolveAddr(addr);
      if (options.onListen) options.onListen(addr);
      else if (addr.transport === "tcp") {
        this.#core.log(
          "info",
          `serving MCP on http://${hostForUrl(addr.hostname)}:${addr.port}${
            this.#options.http?.path ?? "/mcp"
          }`,
        );
      } else if (addr.transport === "unix") this.#core.log("info", `serving MCP on unix:${addr.path}`);
    };
    const handler = (req: Request) => transport.fetch(req);
    const server = options.path ? Deno.serve({ path: options.path, onListen }, handler) : Deno.serve(
      {
        hostname,
        port: options.port ?? 8000,
        cert: options.cert,
        key: options.key,
        onListen,
      } as Deno.ServeTcpOptions,
      handler,
    );
    this.#servers.add(server);
    const addr = server.addr;
    void listening;
    const scheme = options.cert ? "https" : "http";
    const url = addr.transport === "tcp"
      ? `${scheme}://${hostForUrl(addr.hostname)}:${addr.port}${this.#options.http?.path ?? "/mcp"}`
      : "";
    const finished = server.finished.finally(() => this.#servers.delete(server));
    return { addr, url, finished };
  }

  /**
   * Runs the server as a program: stdio by default; HTTP with `--http`, `--port N`,
   * `--host H`, `--unix PATH` or the `PORT` variable. Resolves once the transport is up;
   * `finished` resolves when it ends (stdin closed, or shutdown). Under `deno serve` (which owns
   * HTTP already) and inside Workers it does nothing. SIGINT/SIGTERM shut the server down.
   *
   * @example
   * ```ts ignore
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * export default mcp;
   * if (import.meta.main) await mcp.run();
   * ```
   */
  async run(options: RunOptions = {}): Promise<RunningServer> {
    if (insideWorker()) return { transport: "none", finished: Promise.resolve() };
    const watch = watchDeclarativeServe();
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (watch.served) return { transport: "deno-serve", finished: new Promise(() => {}) };
    const chosen = parseRunArgs(options);
    this.#installSignalHandlers();
    if (chosen.transport === "http") {
      watch.stop();
      const handle = this.serve({ hostname: chosen.hostname, port: chosen.port, path: chosen.path });
      return { transport: "http", finished: handle.finished };
    }
    await this.#core.ready();
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

  #installSignalHandlers(): void {
    if (this.#signalHandler || Deno.build.os === "windows") return;
    this.#signalHandler = () => void this.close().then(() => Deno.exit(0));
    Deno.addSignalListener("SIGINT", this.#signalHandler);
    Deno.addSignalListener("SIGTERM", this.#signalHandler);
  }

  /**
   * Shuts down: refuses new requests, ends open SSE streams and subscriptions, cancels work in
   * flight after `limits.shutdownTimeoutMs`, then runs the lifespan teardown.
   */
  close(): Promise<void> {
    return this.#closing ??= this.#shutdown().finally(() => (this.#closing = undefined));
  }

  async #shutdown(): Promise<void> {
    if (this.#signalHandler) {
      Deno.removeSignalListener("SIGINT", this.#signalHandler);
      Deno.removeSignalListener("SIGTERM", this.#signalHandler);
      this.#signalHandler = undefined;
    }
    this.#core.beginShutdown();
    this.#http?.closeStreams();
    for (const stdio of this.#stdio) stdio.close();
    const limit = this.#core.limits.shutdownTimeoutMs;
    await Promise.all([...this.#servers].map(async (server) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)));
      await Promise.race([server.shutdown(), timedOut]);
      clearTimeout(timer);
    }));
    await this.#core.stopLifespan();
  }
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

function envSecret(): string | undefined {
  // Without --allow-env the default per-process key applies.
  return readEnv("DENOMCP_STATE_SECRET") || undefined;
}

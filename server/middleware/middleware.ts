/**
 * Middleware: code around every message a server receives, on every transport and both wire
 * eras, `initialize`, notifications and tools run as tasks included. A middleware is an object
 * with any of FastMCP's hooks; each hook gets the message's {@link MiddlewareContext} and a
 * `next` that continues down the chain. The first middleware added is the outermost; within one
 * middleware, `onMessage` wraps `onRequest` / `onNotification`, which wrap the method's own hook.
 *
 * @module
 */

import type { AuthCheck } from "../../auth/authorization.ts";
import type { LoggingLevel } from "../../protocol/types.ts";
import type { ComponentKind } from "../components/common.ts";
import type { Store } from "../store/store.ts";
import type { JsonObject } from "../../protocol/jsonrpc.ts";
import type { Era } from "../../protocol/versions.ts";
import type { Context } from "../context.ts";
import type { RequestFacts, TransportKind } from "../engine/facts.ts";
import { compose, type MaybePromise, type Step } from "./compose.ts";

/**
 * What a hook sees. Plain data: to change what the next step receives, pass a new context to
 * `next`, e.g. `next({ ...context, params: { ...context.params, arguments: fixed } })`.
 */
export interface MiddlewareContext {
  /** The JSON-RPC method, e.g. `tools/call` or `notifications/initialized`. */
  readonly method: string;
  /** The message's params; replace them (not mutate) to rewrite the request. */
  readonly params: JsonObject;
  /** Whether the message expects an answer. */
  readonly type: "request" | "notification";
  /** The wire era of the message. */
  readonly era: Era;
  /** Which transport carried it. */
  readonly transport: TransportKind;
  /** The 2025-era session, if any. */
  readonly sessionId?: string;
  /** The request's facts (requests only). */
  readonly facts?: RequestFacts;
  /** The handler context of the request (requests only): log to the client, read state. */
  readonly context?: Context;
  /** When the message arrived (ms since the epoch). */
  readonly timestamp: number;
}

/**
 * Continues down the chain with the result the rest of the chain produced (the wire result
 * object of a request, `undefined` for a notification): a promise when anything below is
 * asynchronous, the value itself otherwise, so `await` it (a chain of synchronous hooks then costs
 * no promise at all).
 */
export type Next = (context: MiddlewareContext) => MaybePromise<JsonObject | undefined>;

/**
 * A hook: return `next(context)` to continue (and perhaps change the result), or return a
 * result yourself (or throw an `McpError`) to answer without going further.
 */
export type Hook = (context: MiddlewareContext, next: Next) => MaybePromise<JsonObject | undefined>;

/**
 * A middleware: any of these hooks. Results are wire results: `onCallTool` sees a
 * `CallToolResult`, `onListTools` `{ tools, nextCursor? }`, `onInitialize` the
 * `InitializeResult`.
 *
 * @example
 * ```ts
 * import { FastMCP, type Middleware } from "@denomcp/denomcp";
 * const timing: Middleware = {
 *   async onRequest(context, next) {
 *     const started = performance.now();
 *     try {
 *       return await next(context);
 *     } finally {
 *       console.error(`${context.method} took ${(performance.now() - started).toFixed(1)} ms`);
 *     }
 *   },
 * };
 * const mcp = new FastMCP({ name: "demo", middleware: [timing] });
 * ```
 */
export interface Middleware {
  /** Every message: requests and notifications. */
  onMessage?: Hook;
  /** Every request. */
  onRequest?: Hook;
  /** Every notification from the client. */
  onNotification?: Hook;
  /** `initialize` (2025 era). */
  onInitialize?: Hook;
  /** `tools/call`, including a tool's run inside an MCP task (`context.facts.taskId` is set there). */
  onCallTool?: Hook;
  /** `resources/read`. */
  onReadResource?: Hook;
  /** `prompts/get`. */
  onGetPrompt?: Hook;
  /** `tools/list`. */
  onListTools?: Hook;
  /** `resources/list`. */
  onListResources?: Hook;
  /** `resources/templates/list`. */
  onListResourceTemplates?: Hook;
  /** `prompts/list`. */
  onListPrompts?: Hook;
  /**
   * Called once when the middleware is added to a server, with what a middleware may use of it
   * (its store, its logger, its list changes): a cache or a rate limit keeps its entries there.
   */
  install?(host: MiddlewareHost): void;
  /** @internal auth checks a server applies to every component (`AuthMiddleware` sets them) */
  readonly [AUTH_CHECKS]?: readonly AuthCheck[];
}

/**
 * What a middleware may use of the server it is added to (see {@link Middleware.install}).
 *
 * @example
 * ```ts
 * import { FastMCP, type Middleware, type MiddlewareHost } from "@denomcp/denomcp";
 * class Counter implements Middleware {
 *   #host?: MiddlewareHost;
 *   install(host: MiddlewareHost) {
 *     this.#host = host;
 *   }
 *   async onCallTool(context: Parameters<NonNullable<Middleware["onCallTool"]>>[0], next: Parameters<NonNullable<Middleware["onCallTool"]>>[1]) {
 *     const store = this.#host!.store;
 *     await store.set(["calls", String(context.params.name)], Date.now());
 *     return await next(context);
 *   }
 * }
 * new FastMCP({ name: "demo", middleware: [new Counter()] });
 * ```
 */
export interface MiddlewareHost {
  /** The server's name. */
  readonly name: string;
  /**
   * The server's store (where sessions, tasks and state live: shared by instances on a shared
   * store). Open from the server's first request on; reading it before throws.
   */
  readonly store: Store;
  /** Logs through the server's logger. */
  log(level: LoggingLevel, message: string): void;
  /** Hears when a list of components changes (`tools`, `resources` or `prompts`). */
  onListChanged(listener: (kind: ComponentKind) => void): void;
  /** Keep the client address of HTTP requests, for `clientAddressOf` (a rate limit asks this). */
  recordClientAddresses(): void;
  /** Hears when a 2025 session ends (closed by its client, expired, or the server stopping). */
  onSessionEnd(listener: (sessionId: string) => void): void;
}

/** @internal where a middleware carries server-wide auth checks */
export const AUTH_CHECKS: unique symbol = Symbol("denomcp.middleware.authChecks");

/** The names of the hooks. */
type HookName = Exclude<keyof Middleware, "install" | typeof AUTH_CHECKS>;

/** The hook of each method that has one (a Map: the key is the client's method). */
const METHOD_HOOKS: ReadonlyMap<string, HookName> = new Map([
  ["initialize", "onInitialize"],
  ["tools/call", "onCallTool"],
  ["resources/read", "onReadResource"],
  ["prompts/get", "onGetPrompt"],
  ["tools/list", "onListTools"],
  ["resources/list", "onListResources"],
  ["resources/templates/list", "onListResourceTemplates"],
  ["prompts/list", "onListPrompts"],
]);

type Result = JsonObject | undefined;
type Chain = Step<MiddlewareContext, MaybePromise<Result>>;

/**
 * @internal where a message's chain ends, carried on its context under a symbol (spreading a
 * context keeps it), so that each method's chain is composed once rather than per message
 */
export const CHAIN_END: unique symbol = Symbol("denomcp.middleware.end");
type Carried = MiddlewareContext & { [CHAIN_END]?: (context: MiddlewareContext) => MaybePromise<Result> };

function finish(context: MiddlewareContext): MaybePromise<Result> {
  return (context as Carried)[CHAIN_END]!(context);
}

/** The middleware of one server, with the hook chain of each method composed once. */
export class Pipeline {
  readonly #middleware: Middleware[] = [];
  readonly #requestChains = new Map<string, (context: MiddlewareContext) => MaybePromise<Result>>();
  readonly #notificationChains = new Map<string, (context: MiddlewareContext) => MaybePromise<Result>>();

  /** Creates a pipeline from the constructor's list. */
  constructor(initial: readonly Middleware[] = []) {
    for (const m of initial) this.add(m);
  }

  /** True when no middleware is installed: the engine then skips the pipeline altogether. */
  get empty(): boolean {
    return this.#middleware.length === 0;
  }

  /** Adds a middleware inside the ones added before it. */
  add(middleware: Middleware): void {
    if (typeof middleware !== "object" || middleware === null) {
      throw new TypeError("a middleware is an object with hooks such as onMessage or onCallTool");
    }
    this.#middleware.push(middleware);
    this.#requestChains.clear();
    this.#notificationChains.clear();
  }

  /**
   * Runs `context` through the hooks that apply to its method, then `last`. Synchronous when
   * every hook and `last` are; a hook's synchronous throw propagates as a throw.
   */
  run(
    context: MiddlewareContext,
    last: (context: MiddlewareContext) => MaybePromise<JsonObject | undefined>,
  ): MaybePromise<JsonObject | undefined> {
    const carried = context as Carried;
    if (carried[CHAIN_END] !== last) carried[CHAIN_END] = last;
    return this.#chainFor(context.method, context.type)(context);
  }

  #chainFor(
    method: string,
    type: "request" | "notification",
  ): (c: MiddlewareContext) => MaybePromise<Result> {
    const chains = type === "request" ? this.#requestChains : this.#notificationChains;
    let chain = chains.get(method);
    if (!chain) chains.set(method, chain = compose(this.#stepsFor(method, type), finish));
    return chain;
  }

  #stepsFor(method: string, type: "request" | "notification"): Chain[] {
    const steps: Chain[] = [];
    const specific = type === "request" ? METHOD_HOOKS.get(method) : undefined;
    for (const m of this.#middleware) {
      const names: HookName[] = ["onMessage", type === "request" ? "onRequest" : "onNotification"];
      if (specific) names.push(specific);
      for (const name of names) {
        const hook = m[name];
        if (typeof hook !== "function") continue;
        steps.push((c, next) => hook.call(m, c, next));
      }
    }
    return steps;
  }
}

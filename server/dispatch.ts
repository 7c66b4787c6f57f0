/**
 * The method table: one handler per MCP method, the same for both wire eras. Transports decode
 * and frame; this file decides what each method does.
 *
 * @module
 */

import { ErrorCode, isObject, type JsonObject } from "../protocol/jsonrpc.ts";
import { SERVER_INFO_KEY } from "../protocol/meta_keys.ts";
import type { Implementation, ResourceContents, ServerCapabilities } from "../protocol/types.ts";
import {
  type Era,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
} from "../protocol/versions.ts";
import type { ComponentRegistry } from "./components/registry.ts";
import { toResourceContents } from "./components/resource.ts";
import type { ToolComponent } from "./components/tool.ts";
import { toPromptResult } from "./components/prompt.ts";
import { Context, type ContextHost } from "./context.ts";
import { errorMessage, logLevelOf, McpError, NotFoundError } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import { InputRequired, InputRequiredSignal, type RequestStateCodec } from "./input_required.ts";
import { isLogLevel, type LogSink } from "./logger.ts";
import type { WorkerPool } from "./workers/pool.ts";
import { InputRounds } from "./input_rounds.ts";
import { invalidParams, type MaybePromise } from "./outcome.ts";
import { ToolRunner } from "./tool_runner.ts";
import type { TaskService } from "./tasks/service.ts";

/** What the dispatcher needs from its server. */
export interface DispatchHost extends ContextHost {
  readonly registry: ComponentRegistry;
  readonly serverInfo: Implementation;
  readonly instructions?: string;
  /** What `initialize` declares (2025 era). */
  readonly legacyCapabilities: ServerCapabilities;
  /** What `server/discover` declares (2026-07-28). */
  readonly modernCapabilities: ServerCapabilities;
  readonly maskErrorDetails: boolean;
  readonly listPageSize?: number;
  readonly cacheHints: { ttlMs: number; cacheScope: "public" | "private" };
  readonly codec: RequestStateCodec;
  readonly log: LogSink;
  /** Rounds of the 2025 shim for handlers that return `InputRequired`. */
  readonly maxInputRounds: number;
  /** The pool for synchronous tools; undefined where Worker is unavailable. */
  readonly pool?: WorkerPool;
  /** MCP tasks. */
  readonly tasks: TaskService;
}

type Handler = (exchange: Exchange) => MaybePromise<JsonObject>;

interface MethodEntry {
  handler: Handler;
  legacy: boolean;
  modern: boolean;
  /** Results carrying 2026 cache hints. */
  cacheable?: boolean;
}

/** Methods that exist only in the 2025 era, answered -32601 on 2026-07-28. */
const LEGACY_ONLY = true;

/** Routes requests to handlers. */
export class Dispatcher {
  readonly #methods = new Map<string, MethodEntry>();
  readonly #tools: ToolRunner;
  readonly #rounds: InputRounds;
  /** Shared by every 2026 result (frozen: results are serialised, never edited after stamping). */
  readonly #serverInfoMeta: JsonObject;

  /** Builds the table for a server. */
  constructor(private readonly host: DispatchHost) {
    this.#tools = new ToolRunner(host);
    this.#rounds = new InputRounds(host);
    this.#serverInfoMeta = Object.freeze({ [SERVER_INFO_KEY]: host.serverInfo });
    const both = (name: string, handler: Handler, cacheable = false) =>
      this.#methods.set(name, { handler, legacy: true, modern: true, cacheable });
    const legacy = (name: string, handler: Handler) =>
      this.#methods.set(name, { handler, legacy: LEGACY_ONLY, modern: false });
    legacy("ping", () => ({}));
    legacy("logging/setLevel", (ex) => this.#setLevel(ex));
    legacy("resources/subscribe", (ex) => this.#subscribe(ex, true));
    legacy("resources/unsubscribe", (ex) => this.#subscribe(ex, false));
    this.#methods.set("server/discover", {
      handler: () => this.discover(),
      legacy: false,
      modern: true,
      cacheable: true,
    });
    both("tools/list", (ex) => this.#list(ex, "tools", "tools"), true);
    const callTool = (ex: Exchange) => this.#tools.call(ex);
    const readResource = (ex: Exchange) => this.#readResource(ex);
    const getPrompt = (ex: Exchange) => this.#getPrompt(ex);
    const runCall = (ex: Exchange) => this.#rounds.run(ex, callTool);
    both("tools/call", (ex) => host.tasks.callTool(ex, runCall));
    host.tasks.runTool = callTool;
    both("tasks/get", (ex) => host.tasks.get(ex));
    both("tasks/cancel", (ex) => host.tasks.cancel(ex));
    legacy("tasks/result", (ex) => host.tasks.result(ex));
    legacy("tasks/list", (ex) => host.tasks.list(ex));
    this.#methods.set("tasks/update", {
      handler: (ex) => host.tasks.update(ex),
      legacy: false,
      modern: true,
    });
    both("resources/list", (ex) => this.#list(ex, "resources", "resources"), true);
    both("resources/templates/list", (ex) => this.#list(ex, "templates", "resourceTemplates"), true);
    both(
      "resources/read",
      (ex) => this.#rounds.run(ex, readResource),
      true,
    );
    both("prompts/list", (ex) => this.#list(ex, "prompts", "prompts"), true);
    both(
      "prompts/get",
      (ex) => this.#rounds.run(ex, getPrompt),
    );
    both("completion/complete", (ex) => this.#complete(ex));
  }

  /** A visible tool by name. */
  tool(name: string): ToolComponent | undefined {
    return this.host.registry.tool(name);
  }

  /** True when `method` exists in `era`. */
  has(method: string, era: Era): boolean {
    const entry = this.#methods.get(method);
    return entry !== undefined && (era === "legacy" ? entry.legacy : entry.modern);
  }

  /**
   * Runs a request. Protocol errors are thrown as `McpError`; on 2026-07-28 the result is stamped
   * with `resultType`, server info and, where required, cache hints. A handler that finishes
   * synchronously is answered synchronously: each promise on this path costs throughput.
   */
  handle(exchange: Exchange): MaybePromise<JsonObject> {
    const entry = this.#methods.get(exchange.method);
    const era = exchange.era;
    if (!entry || !(era === "legacy" ? entry.legacy : entry.modern)) {
      throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${exchange.method}`, {
        logLevel: "info",
      });
    }
    const result = entry.handler(exchange);
    if (era !== "modern") return result;
    const cacheable = entry.cacheable === true;
    return result instanceof Promise
      ? result.then((r) => this.#stamp(r, cacheable))
      : this.#stamp(result, cacheable);
  }

  #stamp(result: JsonObject, cacheable: boolean): JsonObject {
    if (result.resultType === undefined) result.resultType = "complete";
    const meta = result._meta as JsonObject | undefined;
    result._meta = meta ? { ...meta, ...this.#serverInfoMeta } : this.#serverInfoMeta;
    if (cacheable && result.resultType === "complete") {
      if (result.ttlMs === undefined) result.ttlMs = this.host.cacheHints.ttlMs;
      if (result.cacheScope === undefined) result.cacheScope = this.host.cacheHints.cacheScope;
    }
    return result;
  }

  /** The result of `initialize` for a requested version. */
  initializeResult(requestedVersion: unknown): JsonObject {
    const protocolVersion =
      typeof requestedVersion === "string" && LEGACY_PROTOCOL_VERSIONS.includes(requestedVersion)
        ? requestedVersion
        : LATEST_LEGACY_PROTOCOL_VERSION;
    const result: JsonObject = {
      protocolVersion,
      capabilities: this.host.legacyCapabilities,
      serverInfo: this.host.serverInfo,
    };
    if (this.host.instructions !== undefined) result.instructions = this.host.instructions;
    return result;
  }

  /** The result of `server/discover`. */
  discover(): JsonObject {
    const result: JsonObject = {
      supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
      capabilities: this.host.modernCapabilities,
    };
    if (this.host.instructions !== undefined) result.instructions = this.host.instructions;
    return result;
  }

  #setLevel(exchange: Exchange): JsonObject {
    const level = exchange.params.level;
    if (!isLogLevel(level)) throw invalidParams(`logging/setLevel: unknown level ${JSON.stringify(level)}`);
    if (exchange.session) {
      exchange.session.logLevel = level;
      exchange.session.save();
    }
    return {};
  }

  #subscribe(exchange: Exchange, on: boolean): JsonObject {
    const uri = exchange.params.uri;
    if (typeof uri !== "string") throw invalidParams("a resource uri is required");
    if (on) exchange.session?.subscriptions.add(uri);
    else exchange.session?.subscriptions.delete(uri);
    exchange.session?.save();
    return {};
  }

  #list(exchange: Exchange, which: "tools" | "resources" | "templates" | "prompts", key: string): JsonObject {
    const items = this.host.registry.listing(which);
    const size = this.host.listPageSize;
    const cursor = exchange.params.cursor;
    let offset = 0;
    if (cursor !== undefined) {
      offset = typeof cursor === "string" && /^\d+$/.test(cursor) ? Number(cursor) : NaN;
      if (!Number.isSafeInteger(offset) || offset > items.length) {
        throw invalidParams(`Invalid cursor: ${JSON.stringify(cursor)}`);
      }
    }
    if (size === undefined || size <= 0) return { [key]: offset ? items.slice(offset) : items };
    const page = items.slice(offset, offset + size);
    const result: JsonObject = { [key]: page };
    if (offset + size < items.length) result.nextCursor = String(offset + size);
    return result;
  }

  async #getPrompt(exchange: Exchange): Promise<JsonObject | InputRequired> {
    const { name } = exchange.params;
    if (typeof name !== "string") throw invalidParams("prompts/get needs a prompt name");
    const prompt = this.host.registry.prompt(name);
    if (!prompt) throw new NotFoundError(`Unknown prompt: '${name}'`);
    const rawArgs = exchange.params.arguments ?? {};
    if (!isObject(rawArgs)) throw invalidParams(`prompts/get '${name}': arguments must be an object`);
    const checked = await prompt.args.validate(prompt.coerce(rawArgs));
    if (!checked.ok) throw invalidParams(`Invalid arguments for prompt '${name}': ${checked.message}`);
    let value: unknown;
    try {
      value = await prompt.handler(checked.value as never, new Context(exchange, this.host));
    } catch (error) {
      throw this.#handlerError(error, `Error rendering prompt '${name}'`);
    }
    if (value instanceof InputRequired) return value;
    return toPromptResult(value, prompt.options.description) as unknown as JsonObject;
  }

  async #readResource(exchange: Exchange): Promise<JsonObject | InputRequired> {
    const { uri } = exchange.params;
    if (typeof uri !== "string") throw invalidParams("resources/read needs a uri");
    const contents = await this.read(uri, new Context(exchange, this.host));
    return contents instanceof InputRequired ? contents : { contents };
  }

  /** Reads a resource by URI (also used by `ctx.readResource`). */
  async read(uri: string, ctx: Context): Promise<ResourceContents[] | InputRequired> {
    const { registry } = this.host;
    const resource = registry.resource(uri);
    try {
      if (resource) {
        const value = await resource.handler({}, ctx);
        if (value instanceof InputRequired) return value;
        return toResourceContents(value, uri, resource.options.mimeType, resource.options.meta);
      }
      const match = registry.matchTemplate(uri);
      if (match) {
        const value = await match.template.handler(match.params, ctx);
        if (value instanceof InputRequired) return value;
        return toResourceContents(value, uri, match.template.options.mimeType, match.template.options.meta);
      }
    } catch (error) {
      throw this.#handlerError(error, `Error reading resource '${uri}'`);
    }
    // SEP-2164: 2026 reports a missing resource as invalid params; 2025 used its own code.
    const code = ctx.era === "modern" ? ErrorCode.InvalidParams : ErrorCode.ResourceNotFound;
    throw new McpError(code, "Resource not found", { data: { uri }, logLevel: "info" });
  }

  async #complete(exchange: Exchange): Promise<JsonObject> {
    const ref = exchange.params.ref as JsonObject | undefined;
    const argument = exchange.params.argument as { name?: unknown; value?: unknown } | undefined;
    if (!isObject(ref) || !isObject(argument) || typeof argument.name !== "string") {
      throw invalidParams("completion/complete needs ref and argument.name");
    }
    const context = {
      arguments: ((exchange.params.context as JsonObject | undefined)?.arguments ?? {}) as Record<
        string,
        string
      >,
    };
    let handlers: Record<string, (v: string, c: typeof context) => string[] | Promise<string[]>> | undefined;
    if (ref.type === "ref/prompt") {
      const prompt = typeof ref.name === "string" ? this.host.registry.prompt(ref.name) : undefined;
      if (!prompt) throw new NotFoundError(`Unknown prompt: '${ref.name}'`);
      handlers = prompt.options.complete;
    } else if (ref.type === "ref/resource") {
      const uri = String(ref.uri);
      const template = this.host.registry.templates.get(uri);
      if (template && this.host.registry.visible(template)) handlers = template.options.complete;
      else if (!this.host.registry.resource(uri)) {
        throw new NotFoundError(`Unknown resource or template: '${uri}'`);
      }
    } else throw invalidParams(`completion/complete: unknown ref type ${JSON.stringify(ref.type)}`);
    const handler = handlers?.[argument.name];
    const values = handler ? await handler(String(argument.value ?? ""), context) : [];
    return {
      completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 },
    };
  }

  #handlerError(error: unknown, fallback: string): McpError | InputRequiredSignal {
    if (error instanceof McpError || error instanceof InputRequiredSignal) return error;
    this.host.log(logLevelOf(error), `${fallback}: ${errorMessage(error)}`);
    const message = this.host.maskErrorDetails ? fallback : `${fallback}: ${errorMessage(error)}`;
    return new McpError(ErrorCode.InternalError, message);
  }
}

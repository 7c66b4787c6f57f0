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
import { toCallToolResult } from "./content.ts";
import { Context, type ContextHost } from "./context.ts";
import { errorMessage, McpError, NotFoundError, ToolError } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import {
  assertClientSupports,
  type InputRequest,
  InputRequired,
  InputRequiredSignal,
  InputRound,
  type RequestStateCodec,
} from "./input_required.ts";
import { isLogLevel, type LogSink } from "./logger.ts";
import type { Validation } from "./schema.ts";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ModuleUnavailableError, type WorkerPool } from "./workers/pool.ts";

/** What the dispatcher needs from its server. */
export interface DispatchHost extends ContextHost {
  readonly registry: ComponentRegistry;
  readonly serverInfo: Implementation;
  readonly instructions?: string;
  readonly capabilities: ServerCapabilities;
  readonly maskErrorDetails: boolean;
  readonly listPageSize?: number;
  readonly cacheHints: { ttlMs: number; cacheScope: "public" | "private" };
  readonly codec: RequestStateCodec;
  readonly log: LogSink;
  /** Rounds of the 2025 shim for handlers that return `InputRequired`. */
  readonly maxInputRounds: number;
  /** The pool for synchronous tools; undefined where Worker is unavailable. */
  readonly pool?: WorkerPool;
}

type MaybePromise<T> = T | Promise<T>;
type Handler = (exchange: Exchange) => MaybePromise<JsonObject>;
type Outcome = MaybePromise<JsonObject | InputRequired>;

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
  /** Shared by every 2026 result (frozen: results are serialised, never edited after stamping). */
  readonly #serverInfoMeta: JsonObject;

  /** Builds the table for a server. */
  constructor(private readonly host: DispatchHost) {
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
    const callTool = (ex: Exchange) => this.#callTool(ex);
    const readResource = (ex: Exchange) => this.#readResource(ex);
    const getPrompt = (ex: Exchange) => this.#getPrompt(ex);
    both("tools/call", (ex) => this.#withInput(ex, callTool));
    both("resources/list", (ex) => this.#list(ex, "resources", "resources"), true);
    both("resources/templates/list", (ex) => this.#list(ex, "templates", "resourceTemplates"), true);
    both(
      "resources/read",
      (ex) => this.#withInput(ex, readResource),
      true,
    );
    both("prompts/list", (ex) => this.#list(ex, "prompts", "prompts"), true);
    both(
      "prompts/get",
      (ex) => this.#withInput(ex, getPrompt),
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
      capabilities: this.host.capabilities,
      serverInfo: this.host.serverInfo,
    };
    if (this.host.instructions !== undefined) result.instructions = this.host.instructions;
    return result;
  }

  /** The result of `server/discover`. */
  discover(): JsonObject {
    const result: JsonObject = {
      supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
      capabilities: this.host.capabilities,
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

  #callTool(exchange: Exchange): Outcome {
    const { name } = exchange.params;
    if (typeof name !== "string") throw invalidParams("tools/call needs a tool name");
    const tool = this.host.registry.tool(name);
    if (!tool) throw new NotFoundError(`Unknown tool: '${name}'`);
    const rawArgs = exchange.params.arguments ?? {};
    if (!isObject(rawArgs)) throw invalidParams(`tools/call '${name}': arguments must be an object`);
    const checked = tool.input.validate(rawArgs);
    return checked instanceof Promise
      ? checked.then((c) => this.#runTool(exchange, tool, c))
      : this.#runTool(exchange, tool, checked);
  }

  #runTool(exchange: Exchange, tool: ToolComponent, checked: Validation): Outcome {
    if (!checked.ok) {
      // SEP-1303: argument errors are tool results, so the model can correct its call.
      return {
        content: [{ type: "text", text: `Invalid arguments for tool '${tool.name}': ${checked.message}` }],
        isError: true,
      };
    }
    const pool = tool.runsInThread && tool.module ? this.host.pool : undefined;
    const telemetry = this.host.telemetry;
    if (!telemetry.enabled) return this.#execute(exchange, tool, checked.value, pool);
    const attributes = {
      "gen_ai.tool.name": tool.name,
      "gen_ai.operation.name": "execute_tool",
      "denomcp.execution": pool ? "worker" : "inline",
    };
    return telemetry.within(`execute_tool ${tool.name}`, SpanKind.INTERNAL, attributes, (span) => {
      const mark = (out: JsonObject | InputRequired) => {
        if (!(out instanceof InputRequired) && out.isError) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: "the tool reported an error" });
          span.setAttribute("error.type", "tool_error");
        }
        return out;
      };
      const out = this.#execute(exchange, tool, checked.value, pool);
      return out instanceof Promise ? out.then(mark) : mark(out);
    });
  }

  #execute(exchange: Exchange, tool: ToolComponent, args: unknown, pool: WorkerPool | undefined): Outcome {
    if (pool) return this.#runInPool(pool, exchange, tool, args);
    let value: unknown;
    try {
      value = tool.handler(args as never, new Context(exchange, this.host));
    } catch (error) {
      return this.#toolFailure(tool.name, error);
    }
    if (value instanceof Promise) {
      const pending = tool.timeoutMs ? withTimeout(value, tool.timeoutMs, tool.name, exchange) : value;
      return pending.then((v) => this.#toolResult(tool, v), (e) => this.#toolFailure(tool.name, e));
    }
    return this.#toolResult(tool, value);
  }

  /** Runs a synchronous tool in the worker pool; logs and progress it reports reach the client here. */
  #runInPool(
    pool: WorkerPool,
    exchange: Exchange,
    tool: ToolComponent,
    args: unknown,
  ): Promise<JsonObject | InputRequired> {
    const ctx = new Context(exchange, this.host);
    return pool.run({
      module: tool.module!,
      server: this.host.serverInfo.name,
      tool: tool.name,
      args,
      facts: {
        requestId: exchange.id,
        sessionId: exchange.session?.id,
        protocolVersion: exchange.protocolVersion,
        era: exchange.era,
        clientInfo: exchange.clientInfo,
        clientCapabilities: exchange.clientCapabilities,
        inputResponses: exchange.input?.responses,
        requestState: exchange.input?.userState,
      },
      hooks: {
        log: (level, data, logger) => void ctx.log(level, data, logger),
        progress: (progress, total, message) => void ctx.reportProgress(progress, total, message),
      },
      signal: exchange.signal,
      timeoutMs: tool.timeoutMs,
    }).then(
      (outcome): MaybePromise<JsonObject | InputRequired> => {
        // The worker's own time, so that queueing and messaging are visible beside it.
        trace.getActiveSpan()?.setAttribute("denomcp.worker.duration_ms", outcome.durationMs);
        return "input" in outcome
          ? new InputRequired(outcome.input as ConstructorParameters<typeof InputRequired>[0])
          : this.#checkOutput(tool, outcome.result as unknown as JsonObject);
      },
      (error) => {
        if (!(error instanceof ModuleUnavailableError)) return this.#toolFailure(tool.name, error);
        // The tool's module cannot serve it from a worker (defined inside a function, say): run it here from now on.
        tool.module = undefined;
        this.host.log(
          "warning",
          `tool '${tool.name}' runs inline instead of in the worker pool: ${error.message}`,
        );
        return this.#execute(exchange, tool, args, undefined);
      },
    );
  }

  /** A failed tool: protocol errors propagate, anything else is an `isError` result. */
  #toolFailure(name: string, error: unknown): JsonObject {
    if (error instanceof McpError || error instanceof InputRequiredSignal) throw error;
    this.host.log(logLevelFor(error), `tool '${name}' failed: ${errorMessage(error)}`);
    const text = error instanceof ToolError
      ? error.message
      : this.host.maskErrorDetails
      ? `Error calling tool '${name}'`
      : `Error calling tool '${name}': ${errorMessage(error)}`;
    return { content: [{ type: "text", text }], isError: true };
  }

  #toolResult(tool: ToolComponent, value: unknown): Outcome {
    if (value instanceof InputRequired) return value;
    return this.#checkOutput(tool, toCallToolResult(value, tool.wrapsResult) as unknown as JsonObject);
  }

  #checkOutput(tool: ToolComponent, result: JsonObject): MaybePromise<JsonObject> {
    if (!tool.output || result.isError) return result;
    const check = (out: Validation) => {
      if (out.ok) return result;
      throw new McpError(
        ErrorCode.InternalError,
        `tool '${tool.name}' returned structured content that does not match its output schema: ${out.message}`,
      );
    };
    const out = tool.output.validate(result.structuredContent);
    return out instanceof Promise ? out.then(check) : check(out);
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
    this.host.log(logLevelFor(error), `${fallback}: ${errorMessage(error)}`);
    const message = this.host.maskErrorDetails ? fallback : `${fallback}: ${errorMessage(error)}`;
    return new McpError(ErrorCode.InternalError, message);
  }

  /**
   * Runs a handler that may need client input. On 2026 requests the round's state is opened
   * first and an input-required result is built when the handler stops for input; on 2025
   * requests a returned `InputRequired` is answered by asking the client directly.
   */
  #withInput(exchange: Exchange, run: (ex: Exchange) => Outcome): MaybePromise<JsonObject> {
    if (exchange.era === "legacy") {
      const out = run(exchange);
      if (out instanceof Promise) return out.then((o) => this.#legacyRounds(exchange, run, o));
      return out instanceof InputRequired ? this.#legacyRounds(exchange, run, out) : out;
    }
    const { requestState, inputResponses } = exchange.params;
    if (requestState === undefined && inputResponses === undefined) return this.#modernRound(exchange, run);
    if (inputResponses !== undefined && !isObject(inputResponses)) {
      throw invalidParams("inputResponses must be an object");
    }
    const start = (opened: { answers: Record<string, unknown>; userState?: string }) => {
      exchange.input = new InputRound(
        opened.answers,
        inputResponses as Record<string, unknown> | undefined,
        opened.userState,
      );
      return this.#modernRound(exchange, run);
    };
    return requestState === undefined
      ? start({ answers: {} })
      : this.host.codec.open(requestState, bindingOf(exchange)).then(start);
  }

  #modernRound(exchange: Exchange, run: (ex: Exchange) => Outcome): MaybePromise<JsonObject> {
    let out: Outcome;
    try {
      out = run(exchange);
    } catch (error) {
      return this.#modernError(exchange, error);
    }
    if (out instanceof Promise) {
      return out.then((o) => this.#modernValue(exchange, o), (e) => this.#modernError(exchange, e));
    }
    return this.#modernValue(exchange, out);
  }

  #modernValue(exchange: Exchange, out: JsonObject | InputRequired): MaybePromise<JsonObject> {
    if (!(out instanceof InputRequired)) return out;
    const round = exchange.input ??= new InputRound({}, undefined);
    return this.#inputRequired(exchange, round, out.init.inputRequests ?? {}, out.init.requestState);
  }

  #modernError(exchange: Exchange, error: unknown): Promise<JsonObject> {
    if (!(error instanceof InputRequiredSignal) && !exchange.input?.hasPending) throw error;
    const round = exchange.input ??= new InputRound({}, undefined);
    return this.#inputRequired(exchange, round, round.pending, undefined);
  }

  async #legacyRounds(
    exchange: Exchange,
    run: (ex: Exchange) => Outcome,
    first: JsonObject | InputRequired,
  ): Promise<JsonObject> {
    let out = first;
    for (let rounds = 0; out instanceof InputRequired; rounds++) {
      if (rounds >= this.host.maxInputRounds) {
        throw new McpError(ErrorCode.InternalError, `gave up after ${rounds} rounds of client input`);
      }
      const answers = await this.#askLegacy(exchange, out.init.inputRequests ?? {});
      exchange.input = new InputRound({}, answers, out.init.requestState);
      out = await run(exchange);
    }
    return out;
  }

  async #inputRequired(
    exchange: Exchange,
    round: InputRound,
    requests: Record<string, InputRequest>,
    userState: string | undefined,
  ): Promise<JsonObject> {
    for (const request of Object.values(requests)) assertClientSupports(exchange.clientCapabilities, request);
    trace.getActiveSpan()?.addEvent("input_required", {
      "denomcp.input.methods": Object.values(requests).map((r) => r.method),
    });
    const result: JsonObject = { resultType: "input_required" };
    if (Object.keys(requests).length) result.inputRequests = requests;
    result.requestState = await this.host.codec.seal(round.answers, userState, bindingOf(exchange));
    return result;
  }

  async #askLegacy(
    exchange: Exchange,
    requests: Record<string, InputRequest>,
  ): Promise<Record<string, unknown>> {
    const session = exchange.session;
    if (!session) {
      throw new McpError(ErrorCode.InternalError, "client input needs a session on 2025-era requests");
    }
    const answers: Record<string, unknown> = {};
    for (const [key, request] of Object.entries(requests)) {
      assertClientSupports(exchange.clientCapabilities, request);
      answers[key] = await session.request(
        (m) => exchange.send(m),
        request.method,
        request.params ?? {},
        exchange.signal,
        this.host.clientRequestTimeoutMs,
      );
    }
    return answers;
  }
}

/** What a sealed requestState is bound to: the method and the component it was issued for. */
function bindingOf(exchange: Exchange): string {
  return `${exchange.method}:${exchange.params.name ?? exchange.params.uri}`;
}

function invalidParams(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, message, { logLevel: "info" });
}

function logLevelFor(error: unknown) {
  return error instanceof ToolError ? error.logLevel : "error";
}

/** Fails a call after `ms`, and aborts `ctx.signal` so the handler can stop its work. */
function withTimeout<T>(promise: Promise<T>, ms: number, name: string, exchange: Exchange): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ToolError(`Tool '${name}' timed out after ${ms} ms`);
      // Reject first: a handler that stops on the abort must not win the race with its own result.
      reject(error);
      (exchange as { stop?(reason: unknown): void }).stop?.(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `Context`: what a handler can do besides computing its result — log to the client, report
 * progress, ask the client to sample or elicit, list roots, read resources, keep state. The same
 * calls work on both wire eras: on 2026-07-28 the client round trips become input-required
 * results, and the handler runs again with the answers.
 *
 * @module
 */

import type { JsonObject, RequestId } from "../protocol/jsonrpc.ts";
import type {
  CallToolResult,
  ClientCapabilities,
  CreateMessageParams,
  CreateMessageResult,
  ElicitResult,
  Implementation,
  LoggingLevel,
  ResourceContents,
  Root,
  SamplingMessage,
} from "../protocol/types.ts";
import type { Era } from "../protocol/versions.ts";
import { ToolError } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import {
  assertClientSupports,
  type InputRequest,
  InputRequiredSignal,
  InputRound,
} from "./input_required.ts";
import { levelRank } from "./logger.ts";
import { StartTaskSignal } from "./tasks/wire.ts";
import { compileSchema, type Infer, type SchemaLike } from "./schema.ts";
import { SpanKind } from "@opentelemetry/api";
import type { McpTelemetry } from "../otel/telemetry.ts";

/** What the server exposes to a context (implemented by `FastMCP`). */
export interface ContextHost {
  readonly clientRequestTimeoutMs: number;
  readonly lifespanValue: unknown;
  readResource(uri: string, ctx: Context): Promise<ResourceContents[]>;
  getState(exchange: Exchange, key: string): Promise<unknown>;
  setState(exchange: Exchange, key: string, value: unknown, ttlMs?: number): Promise<void>;
  deleteState(exchange: Exchange, key: string): Promise<void>;
  runSubtask(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject>;
  readonly telemetry: McpTelemetry;
}

/** Options of {@link Context.sample}. */
export interface SampleOptions extends Partial<Omit<CreateMessageParams, "messages">> {}

/** The client's answer to a sampling request, with its text for convenience. */
export interface SampleResult extends CreateMessageResult {
  /** The text of the answer, or "" when it is not text. */
  readonly text: string;
}

/** The outcome of {@link Context.elicit}: accepted with parsed data, declined, or cancelled. */
export type Elicited<T> =
  | { action: "accept"; data: T }
  | { action: "decline"; data?: undefined }
  | { action: "cancel"; data?: undefined };

/**
 * The context given to every tool, resource and prompt handler.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.tool("greet", async (_args, ctx) => {
 *   await ctx.info("asking for a name");
 *   const answer = await ctx.elicit("What is your name?", z.object({ name: z.string() }));
 *   return answer.action === "accept" ? `Hello, ${answer.data.name}!` : "Hello, stranger!";
 * });
 * ```
 */
export class Context {
  #progressValue = -Infinity;

  /** @internal built by the dispatcher */
  constructor(readonly exchange: Exchange, private readonly host: ContextHost) {}

  /** The JSON-RPC id of the request. */
  get requestId(): RequestId {
    return this.exchange.id;
  }

  /** The 2025-era session id; undefined on stateless requests. */
  get sessionId(): string | undefined {
    return this.exchange.session?.id;
  }

  /** The request's protocol version. */
  get protocolVersion(): string {
    return this.exchange.protocolVersion;
  }

  /** `"legacy"` (2025 and older, sessions) or `"modern"` (2026-07-28, stateless). */
  get era(): Era {
    return this.exchange.era;
  }

  /** What the client said about itself. */
  get clientInfo(): Implementation | undefined {
    return this.exchange.clientInfo;
  }

  /** What the client can do, as declared for this request. */
  get clientCapabilities(): ClientCapabilities {
    return this.exchange.clientCapabilities;
  }

  /** Aborted when the client cancels or the server shuts down. */
  get signal(): AbortSignal {
    return this.exchange.signal;
  }

  /** The value the server's lifespan set up. */
  get lifespan(): unknown {
    return this.host.lifespanValue;
  }

  /** The HTTP request, when the call came over HTTP (for headers such as authorization). */
  get httpRequest(): Request | undefined {
    return this.exchange.httpRequest;
  }

  /** The MCP task this call runs in; undefined when it runs as a plain request. */
  get taskId(): string | undefined {
    return this.exchange.taskId;
  }

  /**
   * Marks where a task-enabled tool's background work begins, for tools defined with
   * `task: { prelude: true }`. Everything before it runs in the request, where `ctx.elicit()`
   * and `ctx.sample()` are answered synchronously (2026 input-required rounds); at this call the
   * client gets its task, and the handler runs again inside the task with those answers replayed.
   * Where the call is not a task (the client did not negotiate tasks, or the tool is already
   * running in one) it resolves at once.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * import { z } from "zod";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("report", { task: { mode: "required", prelude: true } }, async (_args, ctx) => {
   *   const who = await ctx.elicit("Report for whom?", z.object({ name: z.string() }));
   *   await ctx.startTask();
   *   return `report for ${who.action === "accept" ? who.data.name : "nobody"}`;
   * });
   * ```
   */
  startTask(): Promise<void> {
    return this.exchange.taskEligible && this.exchange.taskId === undefined
      ? Promise.reject(new StartTaskSignal())
      : Promise.resolve();
  }

  /**
   * Runs another task-enabled tool of this server as a sub-task on the task queue (any instance
   * sharing the store may run it) and resolves with its `CallToolResult`. Awaiting sub-tasks from
   * inside a task never deadlocks, even with `taskConcurrency: 1`: the waiting task lends its
   * slot. A protocol error of the sub-task is thrown as `McpError`; cancelling this call cancels
   * the sub-task.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * import { z } from "zod";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("square", { input: z.object({ n: z.number() }), task: true }, async ({ n }) => n * n);
   * mcp.tool("sum_squares", { input: z.object({ ns: z.array(z.number()) }), task: true }, async ({ ns }, ctx) => {
   *   const results = await Promise.all(ns.map((n) => ctx.runSubtask("square", { n })));
   *   return results.reduce((sum, r) => sum + Number((r.content[0] as { text: string }).text), 0);
   * });
   * ```
   */
  async runSubtask(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return await this.host.runSubtask(this.exchange, name, args as JsonObject) as unknown as CallToolResult;
  }

  /** Raw `inputResponses` of this round (explicit input-required handlers). */
  get inputResponses(): Record<string, unknown> | undefined {
    return this.exchange.input?.responses;
  }

  /** The handler's own `requestState` from the previous round (explicit input-required handlers). */
  get requestState(): string | undefined {
    return this.exchange.input?.userState;
  }

  /** Sends a log message to the client, if the client asked for this level. */
  log(level: LoggingLevel, message: unknown, logger?: string): Promise<void> {
    const { exchange } = this;
    if (!exchange.logging) return Promise.resolve();
    if (exchange.logLevel && levelRank(level) < levelRank(exchange.logLevel)) return Promise.resolve();
    const params: JsonObject = { level, data: message };
    if (logger !== undefined) params.logger = logger;
    exchange.send({ jsonrpc: "2.0", method: "notifications/message", params });
    return Promise.resolve();
  }

  /** Logs at debug level. */
  debug(message: unknown, logger?: string): Promise<void> {
    return this.log("debug", message, logger);
  }

  /** Logs at info level. */
  info(message: unknown, logger?: string): Promise<void> {
    return this.log("info", message, logger);
  }

  /** Logs at warning level. */
  warning(message: unknown, logger?: string): Promise<void> {
    return this.log("warning", message, logger);
  }

  /** Logs at error level. */
  error(message: unknown, logger?: string): Promise<void> {
    return this.log("error", message, logger);
  }

  /**
   * Reports progress, when the client asked for it with a progress token. Values that do not
   * increase are dropped, as the specification requires progress to grow.
   */
  reportProgress(progress: number, total?: number, message?: string): Promise<void> {
    const token = this.exchange.progressToken;
    if (token === undefined || progress <= this.#progressValue) return Promise.resolve();
    this.#progressValue = progress;
    const params: JsonObject = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.exchange.send({ jsonrpc: "2.0", method: "notifications/progress", params });
    return Promise.resolve();
  }

  /**
   * Asks the client's model for a completion.
   *
   * @param messages a prompt string, or sampling messages
   */
  async sample(messages: string | SamplingMessage[], options: SampleOptions = {}): Promise<SampleResult> {
    const list: SamplingMessage[] = typeof messages === "string"
      ? [{ role: "user", content: { type: "text", text: messages } }]
      : messages;
    const params = { maxTokens: 512, ...options, messages: list } as unknown as JsonObject;
    const result = await this.#ask(
      { method: "sampling/createMessage", params },
      "sample",
    ) as unknown as CreateMessageResult;
    const content = result.content as { type?: string; text?: string } | undefined;
    return { ...result, text: content?.type === "text" ? content.text ?? "" : "" };
  }

  /**
   * Asks the user for structured input. With a schema the answer is validated and parsed;
   * without one the client is asked for a confirmation with no fields.
   */
  async elicit<S extends SchemaLike | undefined = undefined>(
    message: string,
    schema?: S,
  ): Promise<Elicited<S extends SchemaLike ? Infer<S> : Record<string, never>>> {
    const compiled = schema ? compileSchema(schema, "elicitation") : undefined;
    const requestedSchema = compiled?.jsonSchema ?? { type: "object", properties: {} };
    const params: JsonObject = { mode: "form", message, requestedSchema };
    if (this.exchange.era === "legacy" && this.exchange.protocolVersion < "2025-11-25") delete params.mode;
    const result = await this.#ask(
      { method: "elicitation/create", params },
      "elicit",
    ) as unknown as ElicitResult;
    if (result.action !== "accept") {
      return { action: result.action === "decline" ? "decline" : "cancel" } as never;
    }
    if (!compiled) return { action: "accept", data: {} } as never;
    const checked = await compiled.validate(result.content ?? {});
    if (!checked.ok) throw new ToolError(`the elicited answer does not match the schema: ${checked.message}`);
    return { action: "accept", data: checked.value } as never;
  }

  /**
   * Closes the SSE connection of this request without ending it (2025 HTTP, SEP-1699): the
   * client reconnects after `retryMs` with `Last-Event-ID` and receives what follows, including
   * the result. Useful for long calls behind proxies that cut idle connections. A no-op elsewhere.
   */
  closeSseStream(retryMs = 1000): void {
    this.exchange.closeSseStream?.(retryMs);
  }

  /** Lists the client's roots. */
  async listRoots(): Promise<Root[]> {
    const result = await this.#ask({ method: "roots/list" }, "roots");
    return (result.roots as Root[] | undefined) ?? [];
  }

  /** Reads a resource of this server, as a client would. */
  readResource(uri: string): Promise<ResourceContents[]> {
    return this.host.readResource(uri, this);
  }

  /**
   * A value kept for this session (2025; in the store, so any instance sees it) or for this
   * request (2026 is stateless: keep cross-call state in explicit handles instead).
   */
  getState<T = unknown>(key: string): Promise<T | undefined> {
    return this.host.getState(this.exchange, key) as Promise<T | undefined>;
  }

  /** Keeps a value for this session, for `ttlMs` (default: the session idle timeout). */
  setState(key: string, value: unknown, options: { ttlMs?: number } = {}): Promise<void> {
    return this.host.setState(this.exchange, key, value, options.ttlMs);
  }

  /** Forgets a kept value. */
  deleteState(key: string): Promise<void> {
    return this.host.deleteState(this.exchange, key);
  }

  /**
   * One client round trip. On 2025 it is a real request; on 2026 an answer from an earlier round
   * is returned, or the request is recorded and the handler stops with an input-required result.
   */
  #ask(request: InputRequest, prefix: string): Promise<JsonObject> {
    const { exchange } = this;
    assertClientSupports(exchange.clientCapabilities, request);
    if (exchange.era === "modern") {
      const round = exchange.input ??= new InputRound({}, undefined);
      const key = round.nextKey(prefix);
      const answer = round.answers[key];
      if (answer !== undefined) return Promise.resolve(answer as JsonObject);
      if (exchange.ask) return exchange.ask(request, key);
      round.pending[key] = request;
      return Promise.reject(new InputRequiredSignal());
    }
    if (exchange.ask) return exchange.ask(request, "");
    if (!exchange.session) {
      return Promise.reject(
        new ToolError(`${request.method} needs a client session; this request is stateless`),
      );
    }
    const session = exchange.session;
    const ask = () =>
      session.request(
        (m) => exchange.send(m),
        request.method,
        request.params ?? {},
        exchange.signal,
        this.host.clientRequestTimeoutMs,
      );
    const telemetry = this.host.telemetry;
    if (!telemetry.enabled) return ask();
    return telemetry.within(request.method, SpanKind.CLIENT, {
      "mcp.method.name": request.method,
      "mcp.session.id": session.id,
    }, ask);
  }
}

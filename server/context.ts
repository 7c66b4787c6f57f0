/**
 * `Context`: what a handler can do besides computing its result — log to the client, report
 * progress, ask the client to sample or elicit, list roots, read resources, keep state. The same
 * calls work on both wire eras: on 2026-07-28 the client round trips become input-required
 * results, and the handler runs again with the answers.
 *
 * Longer than ~400 lines on purpose: it is the public class handlers use most, and every member
 * carries its documentation and a compiled example; the work behind them lives in the engine.
 *
 * @module
 */

import { isObject, type JsonObject, type RequestId } from "../protocol/jsonrpc.ts";
import type {
  CallToolResult,
  ClientCapabilities,
  CreateMessageParams,
  CreateMessageResult,
  ElicitResult,
  GetPromptResult,
  Implementation,
  LoggingLevel,
  Prompt,
  Resource,
  ResourceContents,
  ResourceTemplate,
  Root,
  SamplingMessage,
  Tool,
} from "../protocol/types.ts";
import type { Era } from "../protocol/versions.ts";
import { ToolError } from "./errors.ts";
import type { Exchange } from "./engine/exchange.ts";
import type { Slot } from "./providers/catalog.ts";
import type { Component } from "./components/common.ts";
import { directoryChildren, skillEntries } from "./skills/extension.ts";
import type { SkillEntry } from "../protocol/skills.ts";
import { supportsApps } from "./apps/apps.ts";
import {
  assertClientSupports,
  type InputRequest,
  InputRequiredSignal,
  InputRound,
} from "./engine/input_state.ts";
import { validateOwn } from "./engine/outcome.ts";
import type { AccessToken, Principal } from "../auth/access_token.ts";
import type { UserState } from "./sessions/user_state.ts";
import { levelRank } from "./logger.ts";
import { StartTaskSignal } from "./tasks/wire.ts";
import { compileSchema, type Infer, type SchemaLike } from "./components/schema.ts";
import { SpanKind } from "@opentelemetry/api";
import type { McpTelemetry } from "../otel/telemetry.ts";
import type { RequestFacts } from "./engine/facts.ts";
import { mayLog } from "./engine/facts.ts";
import {
  disableRule,
  type EnableOptions,
  enableRules,
  type VisibilityFilter,
  type VisibilityRule,
} from "./transforms/visibility.ts";

/**
 * What a context needs from its server: the state store, resource reads, sub-tasks, session
 * visibility. The main isolate's server implements it; a pool worker has its own, narrower one.
 */
export interface ContextHost {
  readonly clientRequestTimeoutMs: number;
  readonly lifespanValue: unknown;
  readonly telemetry?: McpTelemetry;
  readResource(uri: string, ctx: Context): Promise<ResourceContents[]>;
  getState(exchange: Exchange, key: string): Promise<unknown>;
  setState(exchange: Exchange, key: string, value: unknown, ttlMs?: number): Promise<void>;
  deleteState(exchange: Exchange, key: string): Promise<void>;
  /** The state of a user (absent where there is no store: a pool worker). */
  userState?(principal: Principal | undefined): UserState;
  runSubtask(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject>;
  /** Calls a tool of the server as a request of its own (middleware, auth, validation). */
  callToolFor(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject>;
  /** What the exchange's caller may list in `slot` (visibility, auth; never cached, no middleware). */
  listFor(exchange: Exchange, slot: Slot): Promise<unknown[]>;
  /** The components behind {@link listFor}'s entries (for extensions that serve what components carry). */
  componentsFor(exchange: Exchange, slot: Slot): Promise<readonly Component[]>;
  /** Renders a prompt of the server as a request of its own (middleware, auth, validation). */
  getPromptFor(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject>;
  /** Adds visibility rules for the exchange's session (undefined rules: back to the server's view). */
  changeVisibility(exchange: Exchange, rules: VisibilityRule[] | undefined): Promise<void>;
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

let readExchange: (ctx: Context) => Exchange;
let askWith: (ctx: Context, request: InputRequest) => Promise<JsonObject>;

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
  readonly #exchange: Exchange;
  readonly #host: ContextHost;

  /** @internal built by the engine */
  constructor(exchange: Exchange, host: ContextHost) {
    this.#exchange = exchange;
    this.#host = host;
  }

  static {
    readExchange = (ctx) => ctx.#exchange;
    askWith = (ctx, request) => ctx.#ask(request, "relay");
  }

  /**
   * What is known about the request: ids, era, protocol version, transport, the client.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("whoami", async (_args, ctx) => `${ctx.facts.clientInfo?.name ?? "someone"} on ${ctx.facts.transport}`);
   * ```
   */
  get facts(): RequestFacts {
    return this.#exchange.facts;
  }

  /**
   * The caller's verified access token, when the server has `auth` (undefined otherwise). In a
   * worker or a task the raw `token` is `""`: the credential never leaves the isolate that
   * received the request; its claims, scopes and subject do.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("whoami", {}, async (_args, ctx) => ctx.accessToken?.subject ?? "anonymous");
   * ```
   */
  get accessToken(): AccessToken | undefined {
    const exchange = this.#exchange;
    if (exchange.accessToken) return exchange.accessToken;
    const principal = exchange.facts.principal;
    return principal ? { ...principal, token: "" } : undefined;
  }

  /** The JSON-RPC id of the request. */
  get requestId(): RequestId {
    return this.#exchange.facts.requestId;
  }

  /** The 2025-era session id; undefined on stateless requests. */
  get sessionId(): string | undefined {
    return this.#exchange.facts.sessionId;
  }

  /** The request's protocol version. */
  get protocolVersion(): string {
    return this.#exchange.facts.protocolVersion;
  }

  /** `"legacy"` (2025 and older, sessions) or `"modern"` (2026-07-28, stateless). */
  get era(): Era {
    return this.#exchange.facts.era;
  }

  /** What the client said about itself. */
  get clientInfo(): Implementation | undefined {
    return this.#exchange.facts.clientInfo;
  }

  /** What the client can do, as declared for this request. */
  get clientCapabilities(): ClientCapabilities {
    return this.#exchange.facts.clientCapabilities;
  }

  /**
   * Aborted when the client cancels, the tool times out, or the server shuts down.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("fetch_page", async (_args, ctx) => {
   *   const res = await fetch("https://example.com", { signal: ctx.signal });
   *   return await res.text();
   * });
   * ```
   */
  get signal(): AbortSignal {
    return this.#exchange.signal;
  }

  /**
   * The value the server's lifespan set up.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({
   *   name: "demo",
   *   lifespan: async () => ({ greeting: "hello" }),
   * });
   * mcp.tool("greet", async (_args, ctx) => (ctx.lifespan as { greeting: string }).greeting);
   * ```
   */
  get lifespan(): unknown {
    return this.#host.lifespanValue;
  }

  /** The HTTP request, when the call came over HTTP (for headers such as authorization). */
  get httpRequest(): Request | undefined {
    return this.#exchange.httpRequest;
  }

  /** The MCP task this call runs in; undefined when it runs as a plain request. */
  get taskId(): string | undefined {
    return this.#exchange.facts.taskId;
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
    return this.#exchange.taskEligible && this.#exchange.facts.taskId === undefined
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
    return await this.#host.runSubtask(this.#exchange, name, args as JsonObject) as unknown as CallToolResult;
  }

  /**
   * Calls another tool of this server, as the client could: through the middleware, the tool's
   * auth checks (for this request's caller) and its argument validation, and resolves with its
   * `CallToolResult` (a tool error, bad arguments included, is `isError: true`; an unknown tool or
   * a refusal rejects with the `ProtocolError`). The call never becomes a task, and a tool that needs client input
   * cannot be called this way. Not available to synchronous tools in the worker pool.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * import { z } from "zod";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => a + b);
   * mcp.tool("double", { input: z.object({ n: z.number() }) }, async ({ n }, ctx) => {
   *   const result = await ctx.callTool("add", { a: n, b: n });
   *   return (result.content[0] as { text: string }).text;
   * });
   * ```
   */
  async callTool(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return await this.#host.callToolFor(
      this.#exchange,
      name,
      args as JsonObject,
    ) as unknown as CallToolResult;
  }

  /**
   * The tools this request's caller may list (`tools/list`, every page): the server's and the
   * session's visibility rules and the caller's auth checks apply. Computed anew on each call, as
   * the catalog is, and not through the middleware: a caching middleware would answer with the
   * client's own listing, which a transform may replace (the search transforms list everything
   * for their search tool and show clients only it). Not available to synchronous tools in the
   * worker pool.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("tool_names", async (_args, ctx) => (await ctx.listTools()).map((t) => t.name).join(", "));
   * ```
   */
  async listTools(): Promise<Tool[]> {
    return await this.#host.listFor(this.#exchange, "tools") as Tool[];
  }

  /**
   * The static resources this request's caller may list (`resources/list`), as
   * {@link listTools} does for tools.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.resource("config://app", () => ({ theme: "dark" }));
   * mcp.tool("resource_uris", async (_args, ctx) => (await ctx.listResources()).map((r) => r.uri).join(", "));
   * ```
   */
  async listResources(): Promise<Resource[]> {
    return await this.#host.listFor(this.#exchange, "resources") as Resource[];
  }

  /**
   * Whether the client renders MCP Apps (it declares `io.modelcontextprotocol/ui` with the app
   * MIME type): a tool with a UI can then keep its text short, and must still answer with
   * meaningful content otherwise.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("chart", { app: { resourceUri: "ui://demo/chart" } }, async (_args, ctx) =>
   *   ctx.clientSupportsApps ? "Shown in the chart." : "Sales: 10, 12, 9");
   * ```
   */
  get clientSupportsApps(): boolean {
    return supportsApps(this.#exchange.facts.clientCapabilities);
  }

  /**
   * Whether the client declared the protocol extension `id` in its capabilities.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("which", async (_args, ctx) => String(ctx.clientSupportsExtension("io.modelcontextprotocol/ui")));
   * ```
   */
  clientSupportsExtension(id: string): boolean {
    const extensions = (this.#exchange.facts.clientCapabilities as { extensions?: unknown }).extensions;
    return isObject(extensions) && isObject(extensions[id]);
  }

  /**
   * The skills this request's caller may list (`skills/list` entries: URI, frontmatter, files
   * with digests), as {@link listResources} does for resources: visibility and auth apply, and a
   * mounted server's skills appear under its namespace.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("skill_names", async (_args, ctx) => (await ctx.listSkills()).map((s) => s.frontmatter.name).join(", "));
   * ```
   */
  async listSkills(): Promise<SkillEntry[]> {
    return skillEntries(await this.#host.componentsFor(this.#exchange, "resources"));
  }

  /**
   * The direct children of a directory of resources (`resources/directory/read`): files with
   * their listings, subdirectories with `mimeType: "inode/directory"`; undefined when nothing the
   * caller may list lies under `uri`.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("templates", async (_args, ctx) => (await ctx.readDirectory("skill://reports/templates"))?.length ?? 0);
   * ```
   */
  async readDirectory(uri: string): Promise<Resource[] | undefined> {
    return directoryChildren(await this.#host.componentsFor(this.#exchange, "resources"), uri);
  }

  /**
   * The resource templates this request's caller may list (`resources/templates/list`), as
   * {@link listTools} does for tools.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.resource("users://{id}", ({ id }) => ({ id }));
   * mcp.tool("templates", async (_args, ctx) => (await ctx.listResourceTemplates()).map((t) => t.uriTemplate));
   * ```
   */
  async listResourceTemplates(): Promise<ResourceTemplate[]> {
    return await this.#host.listFor(this.#exchange, "templates") as ResourceTemplate[];
  }

  /**
   * The prompts this request's caller may list (`prompts/list`), as {@link listTools} does for
   * tools.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.prompt("review", async () => "Please review this.");
   * mcp.tool("prompt_names", async (_args, ctx) => (await ctx.listPrompts()).map((p) => p.name).join(", "));
   * ```
   */
  async listPrompts(): Promise<Prompt[]> {
    return await this.#host.listFor(this.#exchange, "prompts") as Prompt[];
  }

  /**
   * Renders a prompt of this server, as the client could (`prompts/get`): through the
   * middleware, the prompt's auth checks (for this request's caller) and its argument validation.
   * An unknown prompt, bad arguments or a refusal reject with the `ProtocolError`. Not available
   * to synchronous tools in the worker pool.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * import { z } from "zod";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.prompt("greet", { args: z.object({ name: z.string() }) }, ({ name }) => `Hello, ${name}!`);
   * mcp.tool("greeting", async (_args, ctx) => {
   *   const { messages } = await ctx.getPrompt("greet", { name: "Ada" });
   *   return (messages[0].content as { text: string }).text;
   * });
   * ```
   */
  async getPrompt(name: string, args: Record<string, unknown> = {}): Promise<GetPromptResult> {
    return await this.#host.getPromptFor(
      this.#exchange,
      name,
      args as JsonObject,
    ) as unknown as GetPromptResult;
  }

  /** Raw `inputResponses` of this round (explicit input-required handlers). */
  get inputResponses(): Record<string, unknown> | undefined {
    return this.#exchange.input?.responses;
  }

  /** The handler's own `requestState` from the previous round (explicit input-required handlers). */
  get requestState(): string | undefined {
    return this.#exchange.input?.userState;
  }

  /**
   * Sends a log message to the client (`notifications/message`), if the client asked for this
   * level: on 2025 sessions the level set with `logging/setLevel`, on 2026 requests the level in
   * the request's `_meta` (none when absent).
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("import_rows", async (_args, ctx) => {
   *   await ctx.log("notice", { rows: 120 }, "importer");
   *   await ctx.debug("details only a debugging client sees");
   *   return "imported";
   * });
   * ```
   */
  log(level: LoggingLevel, message: unknown, logger?: string): Promise<void> {
    const exchange = this.#exchange;
    const { facts } = exchange;
    if (!mayLog(facts)) return Promise.resolve();
    if (facts.logLevel && levelRank(level) < levelRank(facts.logLevel)) return Promise.resolve();
    const params: JsonObject = { level, data: message };
    if (logger !== undefined) params.logger = logger;
    exchange.send({ jsonrpc: "2.0", method: "notifications/message", params });
    return Promise.resolve();
  }

  /**
   * Logs at debug level.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("trace", async (_args, ctx) => {
   *   await ctx.debug({ step: "parsed input" });
   *   return "ok";
   * });
   * ```
   */
  debug(message: unknown, logger?: string): Promise<void> {
    return this.log("debug", message, logger);
  }

  /**
   * Logs at info level.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("sync_files", async (_args, ctx) => {
   *   await ctx.info("syncing 3 files");
   *   return "synced";
   * });
   * ```
   */
  info(message: unknown, logger?: string): Promise<void> {
    return this.log("info", message, logger);
  }

  /**
   * Logs at warning level.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("quota", async (_args, ctx) => {
   *   await ctx.warning("90% of the quota used");
   *   return "ok";
   * });
   * ```
   */
  warning(message: unknown, logger?: string): Promise<void> {
    return this.log("warning", message, logger);
  }

  /**
   * Logs at error level (the call itself may still succeed).
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("backup", async (_args, ctx) => {
   *   await ctx.error("one file could not be copied");
   *   return "partial backup";
   * });
   * ```
   */
  error(message: unknown, logger?: string): Promise<void> {
    return this.log("error", message, logger);
  }

  /**
   * Reports progress, when the client asked for it with a progress token. Values that do not
   * increase are dropped, as the specification requires progress to grow.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("crunch", async (_args, ctx) => {
   *   for (let step = 1; step <= 3; step++) await ctx.reportProgress(step, 3, `step ${step} of 3`);
   *   return "done";
   * });
   * ```
   */
  reportProgress(progress: number, total?: number, message?: string): Promise<void> {
    const token = this.#exchange.facts.progressToken;
    if (token === undefined || progress <= this.#progressValue) return Promise.resolve();
    this.#progressValue = progress;
    const params: JsonObject = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.#exchange.send({ jsonrpc: "2.0", method: "notifications/progress", params });
    return Promise.resolve();
  }

  /**
   * Asks the client's model for a completion (`sampling/createMessage`). On 2026 requests this
   * becomes an input-required round: the handler runs again with the answer.
   *
   * @param messages a prompt string, or sampling messages
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("haiku", async (_args, ctx) => {
   *   const answer = await ctx.sample("Write a haiku about Deno.", { maxTokens: 64 });
   *   return answer.text;
   * });
   * ```
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
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * import { z } from "zod";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("book", async (_args, ctx) => {
   *   const answer = await ctx.elicit("Which date?", z.object({ date: z.string() }));
   *   return answer.action === "accept" ? `booked for ${answer.data.date}` : "not booked";
   * });
   * ```
   */
  async elicit<S extends SchemaLike | undefined = undefined>(
    message: string,
    schema?: S,
  ): Promise<Elicited<S extends SchemaLike ? Infer<S> : Record<string, never>>> {
    const compiled = schema ? compileSchema(schema, "elicitation") : undefined;
    const requestedSchema = compiled?.jsonSchema ?? { type: "object", properties: {} };
    const params: JsonObject = { mode: "form", message, requestedSchema };
    const { facts } = this.#exchange;
    if (facts.era === "legacy" && facts.protocolVersion < "2025-11-25") delete params.mode;
    const result = await this.#ask(
      { method: "elicitation/create", params },
      "elicit",
    ) as unknown as ElicitResult;
    if (result.action !== "accept") {
      return { action: result.action === "decline" ? "decline" : "cancel" } as never;
    }
    if (!compiled) return { action: "accept", data: {} } as never;
    const content = result.content ?? {};
    const checked = await (isObject(content) ? validateOwn(compiled, content) : compiled.validate(content));
    if (!checked.ok) throw new ToolError(`the elicited answer does not match the schema: ${checked.message}`);
    return { action: "accept", data: checked.value } as never;
  }

  /**
   * Closes the SSE connection of this request without ending it (2025 HTTP, SEP-1699): the
   * client reconnects after `retryMs` with `Last-Event-ID` and receives what follows, including
   * the result. Useful for long calls behind proxies that cut idle connections. A no-op elsewhere.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("long_job", async (_args, ctx) => {
   *   ctx.closeSseStream(2_000); // the client reconnects in 2 s and still gets the result
   *   await new Promise((resolve) => setTimeout(resolve, 10_000));
   *   return "done";
   * });
   * ```
   */
  closeSseStream(retryMs = 1000): void {
    this.#exchange.closeSseStream?.(retryMs);
  }

  /**
   * Lists the client's roots (`roots/list`).
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("workspace", async (_args, ctx) => (await ctx.listRoots()).map((r) => r.uri).join("\n"));
   * ```
   */
  async listRoots(): Promise<Root[]> {
    const result = await this.#ask({ method: "roots/list" }, "roots");
    return (result.roots as Root[] | undefined) ?? [];
  }

  /**
   * Reads a resource of this server, as a client would: through the middleware and the
   * resource's auth checks for this request's caller.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.resource("config://app", () => ({ theme: "dark" }));
   * mcp.tool("theme", async (_args, ctx) => {
   *   const [contents] = await ctx.readResource("config://app");
   *   return JSON.parse((contents as { text: string }).text).theme;
   * });
   * ```
   */
  readResource(uri: string): Promise<ResourceContents[]> {
    return this.#host.readResource(uri, this);
  }

  /**
   * A value kept for this session (2025; in the store, so any instance sees it) or for this
   * request (2026 is stateless: keep cross-call state in explicit handles instead).
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("count", async (_args, ctx) => {
   *   const n = (await ctx.getState<number>("count")) ?? 0;
   *   await ctx.setState("count", n + 1, { ttlMs: 60_000 });
   *   return n + 1;
   * });
   * ```
   */
  getState<T = unknown>(key: string): Promise<T | undefined> {
    return this.#host.getState(this.#exchange, key) as Promise<T | undefined>;
  }

  /**
   * Keeps a value for this session, for `ttlMs` (default: the session idle timeout).
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("remember", async (_args, ctx) => {
   *   await ctx.setState("last_seen", Date.now());
   *   return "noted";
   * });
   * ```
   */
  setState(key: string, value: unknown, options: { ttlMs?: number } = {}): Promise<void> {
    return this.#host.setState(this.#exchange, key, value, options.ttlMs);
  }

  /**
   * State kept for the authenticated user across sessions, requests, isolates and instances (in
   * the server's store, keyed by the principal; each value for `limits.userStateTtlMs` unless
   * `ttlMs` says otherwise). Use refuses anonymous callers with a ToolError. Not in pool workers:
   * give the tool `runInThread: false`, or make it async.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("theme", {}, async (_args, ctx) => (await ctx.userState.get<string>("theme")) ?? "light");
   * ```
   */
  get userState(): UserState {
    const make = this.#host.userState;
    if (!make) {
      throw new ToolError(
        "ctx.userState is not available in a pool worker: make the tool async or runInThread: false",
      );
    }
    return make.call(this.#host, this.#exchange.facts.principal);
  }

  /**
   * Forgets a kept value.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("forget", async (_args, ctx) => {
   *   await ctx.deleteState("last_seen");
   *   return "forgotten";
   * });
   * ```
   */
  deleteState(key: string): Promise<void> {
    return this.#host.deleteState(this.#exchange, key);
  }

  /**
   * Shows components to this session only (2025 sessions): the rule applies after the server's,
   * so it can show what the server hides. The session's client gets `list_changed` for the kinds
   * the rule can affect; other clients see nothing change.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("admin_reset", { tags: ["admin"], enabled: false }, async () => "reset");
   * mcp.tool("unlock", async (_args, ctx) => {
   *   await ctx.enableComponents({ tags: ["admin"] });
   *   return "admin tools unlocked for this session";
   * });
   * ```
   */
  enableComponents(filter: EnableOptions): Promise<void> {
    return this.#host.changeVisibility(this.#exchange, enableRules(filter));
  }

  /**
   * Hides components from this session only (2025 sessions), with `list_changed` to its client.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("focus", async (_args, ctx) => {
   *   await ctx.disableComponents({ tags: ["experimental"] });
   *   return "experimental tools hidden";
   * });
   * ```
   */
  disableComponents(filter: VisibilityFilter): Promise<void> {
    return this.#host.changeVisibility(this.#exchange, [disableRule(filter)]);
  }

  /**
   * Drops this session's own visibility rules: it sees what the server shows again.
   *
   * @example
   * ```ts
   * import { FastMCP } from "@denomcp/denomcp";
   * const mcp = new FastMCP({ name: "demo" });
   * mcp.tool("reset_view", async (_args, ctx) => {
   *   await ctx.resetVisibility();
   *   return "back to the default view";
   * });
   * ```
   */
  resetVisibility(): Promise<void> {
    return this.#host.changeVisibility(this.#exchange, undefined);
  }

  /**
   * One client round trip. On 2025 it is a real request; on 2026 an answer from an earlier round
   * is returned, or the request is recorded and the handler stops with an input-required result.
   */
  #ask(request: InputRequest, prefix: string): Promise<JsonObject> {
    const exchange = this.#exchange;
    assertClientSupports(exchange.facts.clientCapabilities, request);
    if (exchange.facts.era === "modern") {
      const round = exchange.input ??= new InputRound({}, undefined);
      const key = round.nextKey(prefix);
      const answer = Object.hasOwn(round.answers, key) ? round.answers[key] : undefined;
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
        this.#host.clientRequestTimeoutMs,
      );
    const telemetry = this.#host.telemetry;
    if (!telemetry?.enabled) return ask();
    return telemetry.within(request.method, SpanKind.CLIENT, {
      "mcp.method.name": request.method,
      "mcp.session.id": session.id,
    }, ask);
  }
}

/**
 * Asks the client a question as it is (sampling, elicitation or roots params passed through),
 * when this run can wait for the answer: a 2025 session, or a task. Undefined on a 2026 request,
 * which must end with an input-required result instead (a proxy relays upstream questions so).
 */
export function inlineAsker(ctx: Context): ((request: InputRequest) => Promise<JsonObject>) | undefined {
  const exchange = readExchange(ctx);
  if (exchange.facts.era === "modern" && !exchange.ask) return undefined;
  return (request) => askWith(ctx, request);
}

/** The exchange behind a context (the engine's, not a handler's). */
export function exchangeOf(ctx: Context): Exchange {
  return readExchange(ctx);
}

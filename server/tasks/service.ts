/**
 * MCP tasks on the server's task queue. A task-enabled tool call becomes a task record in the
 * store; any instance sharing the store may run it, and any instance answers `tasks/*` about it.
 *
 * 2025-11-25 (experimental tasks): the client asks with `params.task`, gets `{ task }`, polls
 * `tasks/get`, fetches the outcome with `tasks/result`, which also carries the task's requests to
 * the client (elicitation, sampling) while it waits; `tasks/list` and `tasks/cancel`. Tasks
 * belong to the session that created them.
 *
 * 2026-07-28 (`io.modelcontextprotocol/tasks`): the server decides, for clients that declare
 * the extension on the request; `tasks/get` inlines the result, error or pending input
 * requests, `tasks/update` answers them, `tasks/cancel` acknowledges.
 *
 * Longer than ~400 lines: the call path (gate, create, execute, sub-tasks) and the `tasks/*`
 * handlers share the queue, the timing rules and ownership; they would move to `tasks/methods.ts`
 * together with those helpers when the tasks layer next changes.
 *
 * @module
 */

import { ProtocolError } from "../../protocol/errors.ts";
import { ErrorCode, isObject, type JsonObject, type JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { Implementation } from "../../protocol/types.ts";
import type { Catalog } from "../providers/catalog.ts";
import type { ToolComponent } from "../components/tool.ts";
import { errorMessage, McpError, NotFoundError } from "../errors.ts";
import type { Exchange } from "../engine/exchange.ts";
import { InputRequired } from "../engine/input_state.ts";
import type { LogSink } from "../logger.ts";
import { invalidParams, type Outcome } from "../engine/outcome.ts";
import type { SessionRegistry } from "../sessions/registry.ts";
import type { Limits } from "../limits.ts";
import { isShared, type Store, ValueTooLargeError } from "../store/store.ts";
import { principalKey } from "../../auth/access_token.ts";
import { QueueFullError, type TaskContext, TaskQueue, type TaskRecord } from "./queue.ts";
import { TaskMessages } from "./messages.ts";
import { TaskExchange, type TaskLink, type ToolTaskPayload } from "./task_exchange.ts";
import {
  legacyTask,
  modernTask,
  outstandingRequests,
  RELATED_TASK_KEY,
  StartTaskSignal,
  TASKS_EXTENSION,
  type TaskTiming,
  type ToolTaskOutcome,
} from "./wire.ts";

/** What the task layer needs from its server. */
export interface TaskServiceHost {
  readonly serverInfo: Implementation;
  readonly limits: Readonly<Limits>;
  readonly catalog: Catalog;
  readonly sessions: SessionRegistry;
  readonly maskErrorDetails: boolean;
  readonly listPageSize?: number;
  readonly log: LogSink;
}

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** The `-32021` error of a 2026 request that did not declare the tasks extension. */
function missingExtension(what: string): McpError {
  return new McpError(ErrorCode.MissingClientCapability, `${what} needs the ${TASKS_EXTENSION} extension`, {
    data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    logLevel: "info",
  });
}

function declaresExtension(exchange: Exchange): boolean {
  const extensions = (exchange.facts.clientCapabilities as { extensions?: unknown }).extensions;
  return isObject(extensions) && isObject(extensions[TASKS_EXTENSION]);
}

/**
 * Who a task belongs to. 2025: the session that created it. 2026: the authenticated principal;
 * without auth, no one, and the task id, unguessable, is the capability.
 */
function ownerOf(exchange: Exchange): string | undefined {
  const { sessionId, principal } = exchange.facts;
  if (sessionId) return sessionOwner(sessionId);
  return principal ? `principal:${principalKey(principal)}` : undefined;
}

const sessionOwner = (sessionId: string) => `session:${sessionId}`;

/**
 * Whose share of the queue a task counts against: its owner's; anonymous 2026 callers share one,
 * so that together they cannot starve everyone else.
 */
function quotaOf(exchange: Exchange): string {
  return ownerOf(exchange) ?? "anonymous";
}

/**
 * What a task of `name` keeps of the call that starts it. The progress token stays only where
 * asked (a sub-task reporting on its caller's token would interleave with it).
 */
function payloadOf(exchange: Exchange, name: string, args: JsonObject, progress: boolean): ToolTaskPayload {
  const { progressToken: _token, taskId: _task, ...facts } = exchange.facts;
  return {
    facts: progress && exchange.facts.progressToken !== undefined
      ? { ...facts, method: "tools/call", progressToken: exchange.facts.progressToken }
      : { ...facts, method: "tools/call" },
    name,
    arguments: args,
  };
}

/** The MCP tasks of one server. */
export class TaskService implements TaskLink {
  #queue?: TaskQueue;
  #store?: Store;
  #started = false;
  #messages?: TaskMessages;
  /** Queue kind of this server's tool tasks (servers sharing a store keep their tasks apart). */
  readonly #kind: string;
  /** Creates the task layer of a server; `runTask` runs a tool call inside its task. */
  constructor(
    private readonly host: TaskServiceHost,
    private readonly runTask: (exchange: Exchange) => Outcome,
  ) {
    this.#kind = `mcp-tool:${host.serverInfo.name}`;
  }

  /** @inheritdoc */
  get clientRequestTimeoutMs(): number {
    return this.host.limits.clientRequestTimeoutMs;
  }

  get #timing(): TaskTiming {
    return { ttlMs: this.host.limits.taskTtlMs, pollIntervalMs: this.host.limits.taskPollIntervalMs };
  }

  /**
   * Starts running tasks here once a tool takes them (tools may be added after start-up). A
   * shared store may hold tasks from other instances or from before a restart; a memory store
   * starts empty, so its queue starts with the first task instead.
   */
  toolsChanged(): void {
    if (this.#started || !this.#queue || !this.#store || !isShared(this.#store)) return;
    const takesTasks = (tools: readonly ToolComponent[]) => tools.some((t) => t.taskSupport !== "forbidden");
    const tools = this.host.catalog.all("tools") as ToolComponent[] | Promise<ToolComponent[]>;
    if (tools instanceof Promise) {
      tools.then((all) => takesTasks(all) && this.start(), () => {});
    } else if (takesTasks(tools)) this.start();
  }

  /** A 2025 session has ended: its tasks are cancelled (no one can read them any more). */
  sessionEnded(sessionId: string): void {
    void this.#queue?.cancelQuota(sessionOwner(sessionId)).catch((error) =>
      this.host.log("warning", `cancelling the tasks of session ${sessionId}: ${error}`)
    );
  }

  /** Counts of the queue for `stats()`: tasks waiting, and running on this instance. */
  get counts(): { queued: number; running: number } {
    return this.#queue?.counts ?? { queued: 0, running: 0 };
  }

  /** Connects to the store once it is open; starts running tasks if any tool takes them. */
  open(store: Store): void {
    const limits = this.host.limits;
    this.#store = store;
    this.#messages = new TaskMessages(
      store,
      this.host.sessions,
      limits.taskTtlMs,
      () => this.#queue?.poke(),
      this.host.log,
    );
    this.#queue = new TaskQueue(store, {
      concurrency: limits.taskConcurrency,
      leaseMs: limits.taskLeaseMs,
      resultTtlMs: limits.taskTtlMs,
      maxQueued: limits.maxQueuedTasks,
      maxQueuedPerQuota: Math.max(1, Math.floor(limits.maxQueuedTasks * limits.maxQueuedTasksShare)),
      onFinished: (record) =>
        this.statusChanged(record.id, (record.payload as ToolTaskPayload).facts.sessionId),
    });
    this.#queue.define(this.#kind, (payload: ToolTaskPayload, ctx) => this.#execute(payload, ctx));
    this.#started = false;
    this.toolsChanged();
  }

  /** Runs tasks on this instance (from now on; idempotent). */
  start(): void {
    if (!this.#queue || this.#started) return;
    this.#started = true;
    this.#queue.start();
  }

  /** Stops running tasks here; the ones running are handed back to the queue for another instance (or a restart). */
  async close(): Promise<void> {
    const queue = this.#queue;
    this.#queue = undefined;
    this.#started = false;
    await queue?.close();
  }

  get #q(): TaskQueue {
    if (!this.#queue) throw new McpError(ErrorCode.InternalError, "the task queue is not open");
    return this.#queue;
  }

  /**
   * The task gate of `tools/call`: the call becomes a task when the tool and the client agree,
   * runs as a plain call otherwise (`next`), and is refused where the tool requires a task the
   * client cannot take.
   */
  gate(exchange: Exchange, tool: ToolComponent, next: (exchange: Exchange) => Outcome): Outcome {
    if (tool.taskSupport === "forbidden" && exchange.params.task === undefined) return next(exchange);
    const support = tool.taskSupport;
    if (exchange.facts.era === "legacy") {
      const wanted = exchange.params.task !== undefined;
      if (wanted && !isObject(exchange.params.task)) {
        throw invalidParams("params.task must be an object ({ ttl? })");
      }
      if (wanted && support === "forbidden") {
        throw new McpError(ErrorCode.MethodNotFound, `tool '${tool.name}' does not run as a task`, {
          logLevel: "info",
        });
      }
      if (!wanted && support === "required") {
        throw new McpError(
          ErrorCode.MethodNotFound,
          `tool '${tool.name}' runs only as a task: call it with params.task`,
          { logLevel: "info" },
        );
      }
      return wanted ? this.#create(exchange, tool) : next(exchange);
    }
    // 2026: a legacy `params.task` is an unknown field here, and is ignored.
    if (support === "forbidden") return next(exchange);
    if (!declaresExtension(exchange)) {
      if (support === "required") throw missingExtension(`tool '${tool.name}'`);
      return next(exchange);
    }
    if (!tool.taskPrelude) return this.#create(exchange, tool);
    exchange.taskEligible = true;
    const started = (error: unknown) => {
      if (!(error instanceof StartTaskSignal)) throw error;
      return this.#create(exchange, tool, exchange.input?.answers);
    };
    let out: Outcome;
    try {
      out = next(exchange);
    } catch (error) {
      return started(error);
    }
    return out instanceof Promise ? out.catch(started) : out;
  }

  async #create(
    exchange: Exchange,
    tool: ToolComponent,
    answers?: Record<string, unknown>,
  ): Promise<JsonObject> {
    const legacy = exchange.facts.era === "legacy";
    const requested = (exchange.params.task as { ttl?: unknown } | undefined)?.ttl;
    const args = exchange.params.arguments ?? {};
    if (!isObject(args)) throw invalidParams(`tools/call '${tool.name}': arguments must be an object`);
    const payload = payloadOf(exchange, tool.name, args, true);
    if (answers && Object.keys(answers).length > 0) payload.answers = answers;
    this.start();
    const owner = ownerOf(exchange);
    let id: string;
    try {
      const ttlMs = this.#ttlOf(
        tool,
        legacy && typeof requested === "number" && requested > 0 ? requested : undefined,
      );
      id = await this.#q.submit(this.#kind, payload, { ownerKey: owner, quotaKey: quotaOf(exchange), ttlMs });
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new McpError(ErrorCode.InternalError, `the server is busy: ${error.message}`);
      }
      if (error instanceof ValueTooLargeError) {
        throw invalidParams(
          `tools/call '${tool.name}': the arguments are too large for a task: ${error.message}`,
        );
      }
      throw error;
    }
    // The record is written before the answer goes out, so a `tasks/get` right after finds it.
    const record = (await this.#q.get(id, owner))!;
    return legacy
      ? { task: legacyTask(record, this.#timing) }
      : { resultType: "task", ...modernTask(record, this.#timing) };
  }

  /** How long a tool's finished task is kept: what was asked (a 2025 client), else the tool's or the server's, capped. */
  #ttlOf(tool: ToolComponent, requested?: number): number {
    const limits = this.host.limits;
    return Math.min(Math.round(requested ?? tool.taskTtlMs ?? limits.taskTtlMs), limits.maxTaskTtlMs);
  }

  async #execute(payload: ToolTaskPayload, ctx: TaskContext): Promise<ToolTaskOutcome> {
    const sessionId = payload.facts.sessionId;
    const session = sessionId ? await this.host.sessions.get(sessionId) : undefined;
    const exchange = new TaskExchange(payload, ctx, this, session);
    try {
      const out = await this.runTask(exchange);
      if (out instanceof InputRequired) {
        return {
          error: {
            code: ErrorCode.InternalError,
            message:
              `tool '${payload.name}' returned InputRequired inside a task; ask with ctx.elicit() instead`,
          },
        };
      }
      return { result: out };
    } catch (error) {
      // Cancelled or the lease lost: the queue keeps the outcome that stopped it.
      if (ctx.signal.aborted) throw error;
      if (error instanceof ProtocolError) return { error: error.toJsonRpc() };
      this.host.log("error", `task ${ctx.id} (tool '${payload.name}') failed: ${errorMessage(error)}`);
      const message = this.host.maskErrorDetails ? "Internal error" : errorMessage(error);
      return { error: { code: ErrorCode.InternalError, message } };
    }
  }

  /**
   * Runs another task-enabled tool of this server as a sub-task and waits for its result. From
   * inside a task the wait lends the task's slot to the queue, so a parent awaiting children
   * never deadlocks, even at `taskConcurrency: 1`. Cancelling the caller cancels the sub-task.
   */
  async runSubtask(exchange: Exchange, name: string, args: JsonObject): Promise<JsonObject> {
    const tool = await this.host.catalog.tool(name, undefined, exchange.session?.visibility);
    if (!tool) throw new NotFoundError(`Unknown tool: '${name}'`);
    if (tool.taskSupport === "forbidden") {
      throw new McpError(ErrorCode.InvalidParams, `tool '${name}' does not run as a task`);
    }
    const parent = exchange instanceof TaskExchange ? exchange.task : undefined;
    const payload = payloadOf(exchange, name, args, false);
    this.start();
    const owner = ownerOf(exchange);
    const options = { ownerKey: owner, quotaKey: quotaOf(exchange), ttlMs: this.#ttlOf(tool) };
    const id = parent
      ? await parent.submit(this.#kind, payload, options)
      : await this.#q.submit(this.#kind, payload, options);
    const cancel = () => void this.#queue?.cancel(id, owner).catch(() => {});
    exchange.signal.addEventListener("abort", cancel, { once: true });
    let outcome: ToolTaskOutcome;
    try {
      if (parent) outcome = await parent.wait(id) as ToolTaskOutcome;
      else {
        const done = await this.#q.settled(id, exchange.signal);
        if (done.status !== "completed") {
          throw new McpError(
            ErrorCode.InternalError,
            `sub-task ${id} (tool '${name}') ${done.status}: ${done.error ?? ""}`,
          );
        }
        outcome = done.result as ToolTaskOutcome;
      }
    } finally {
      exchange.signal.removeEventListener("abort", cancel);
    }
    if ("error" in outcome) {
      throw new McpError(outcome.error.code, `sub-task '${name}': ${outcome.error.message}`, {
        data: outcome.error.data,
      });
    }
    return outcome.result;
  }

  /** `tasks/get`. */
  async get(exchange: Exchange): Promise<JsonObject> {
    const record = await this.#find(exchange);
    return exchange.facts.era === "legacy"
      ? legacyTask(record, this.#timing)
      : modernTask(record, this.#timing);
  }

  /**
   * `tasks/cancel`. 2025: the cancelled task, or -32602 for a finished one. 2026: an empty
   * acknowledgement either way (cancellation is cooperative there).
   */
  async cancel(exchange: Exchange): Promise<JsonObject> {
    const record = await this.#find(exchange);
    const legacy = exchange.facts.era === "legacy";
    const refuse = (status: string) =>
      invalidParams(`Cannot cancel task: already in terminal status '${status}'`);
    if (TERMINAL.has(record.status)) {
      if (legacy) throw refuse(legacyTask(record, this.#timing).status as string);
      return {};
    }
    await this.#q.cancel(record.id, record.owner_key);
    if (!legacy) return {};
    const now = await this.#find(exchange);
    const task = legacyTask(now, this.#timing);
    if (now.status !== "cancelled") throw refuse(task.status as string);
    return task;
  }

  /** `tasks/update` (2026): answers to the task's input requests; unknown or answered keys are ignored. */
  async update(exchange: Exchange): Promise<JsonObject> {
    const responses = exchange.params.inputResponses;
    if (!isObject(responses)) throw invalidParams("tasks/update needs inputResponses (an object)");
    const record = await this.#find(exchange);
    if (record.status !== "running") return {};
    // The keys are the client's: only questions the task asked count (never `toString`, say).
    const accept = (key: string, now: TaskRecord) => Object.hasOwn(outstandingRequests(now), key);
    try {
      await this.#q.deliver(record.id, record.owner_key, responses, accept);
    } catch (error) {
      if (error instanceof ValueTooLargeError) throw invalidParams(`tasks/update: ${error.message}`);
      throw error;
    }
    return {};
  }

  /**
   * `tasks/result` (2025): waits for the task to finish, carrying its messages to the client on
   * this response's stream meanwhile, then answers exactly as the call would have.
   */
  async result(exchange: Exchange): Promise<JsonObject> {
    let record = await this.#find(exchange);
    const id = record.id;
    const send = (message: JsonRpcMessage) => exchange.send(message);
    const messages = this.#messages!;
    const close = messages.open(id, send);
    try {
      while (true) {
        await messages.drain(id, send);
        if (TERMINAL.has(record.status)) break;
        await this.#q.nextWake(id, exchange.signal);
        const next = await this.#q.get(id, record.owner_key);
        if (!next) throw invalidParams("Failed to retrieve task: Task has expired");
        record = next;
      }
    } finally {
      close();
    }
    if (record.status === "cancelled") {
      throw new McpError(ErrorCode.InternalError, `Task ${id} was cancelled`, { logLevel: "info" });
    }
    const outcome = record.result as ToolTaskOutcome | undefined;
    if (!outcome) {
      throw new McpError(ErrorCode.InternalError, `Task ${id} failed: ${record.error ?? "unknown error"}`);
    }
    if ("error" in outcome) {
      throw new McpError(outcome.error.code, outcome.error.message, {
        data: outcome.error.data,
        logLevel: "info",
      });
    }
    const meta = { ...(outcome.result._meta as JsonObject | undefined), [RELATED_TASK_KEY]: { taskId: id } };
    return { ...outcome.result, _meta: meta };
  }

  /** `tasks/list` (2025): the session's tasks, oldest first, a page at a time. */
  async list(exchange: Exchange): Promise<JsonObject> {
    const owner = ownerOf(exchange);
    const cursor = exchange.params.cursor;
    let after: { c: number; i: string } | undefined;
    if (cursor !== undefined) {
      try {
        after = JSON.parse(atob(String(cursor)));
        if (typeof after?.c !== "number" || typeof after.i !== "string") throw new Error();
      } catch {
        throw invalidParams(`tasks/list: invalid cursor ${JSON.stringify(cursor)}`);
      }
    }
    const mine: TaskRecord[] = [];
    // Without a session there is no requester to scope the list to: nothing is listed.
    if (owner !== undefined) {
      for await (const record of this.#q.records(this.#kind, owner)) mine.push(record);
    }
    mine.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    const start = after
      ? mine.findIndex((r) => r.createdAt > after!.c || (r.createdAt === after!.c && r.id > after!.i))
      : 0;
    const size = this.host.listPageSize ?? 100;
    const page = start < 0 ? [] : mine.slice(start, start + size);
    const result: JsonObject = { tasks: page.map((r) => legacyTask(r, this.#timing)) };
    const last = page.at(-1);
    if (last && start + size < mine.length) {
      result.nextCursor = btoa(JSON.stringify({ c: last.createdAt, i: last.id }));
    }
    return result;
  }

  /** The task a request names, if it is the caller's; -32602 otherwise (2026: -32021 first without the extension). */
  async #find(exchange: Exchange): Promise<TaskRecord> {
    if (exchange.facts.era === "modern" && !declaresExtension(exchange)) {
      throw missingExtension(exchange.facts.method);
    }
    const taskId = exchange.params.taskId;
    if (typeof taskId !== "string" || taskId === "") {
      throw invalidParams(`${exchange.facts.method} needs a taskId`);
    }
    const record = await this.#q.get(taskId, ownerOf(exchange));
    if (!record || record.kind !== this.#kind) throw invalidParams("Failed to retrieve task: Task not found");
    return record;
  }

  /** @inheritdoc */
  deliver(taskId: string, sessionId: string | undefined, message: JsonRpcMessage): void {
    this.#messages?.deliver(taskId, sessionId, message);
  }

  /** @inheritdoc */
  statusChanged(taskId: string, sessionId: string | undefined): void {
    if (!sessionId) return;
    const session = this.host.sessions.local(sessionId);
    if (!session?.unsolicited || !this.#queue) return;
    this.#queue.get(taskId, sessionOwner(sessionId)).then((record) => {
      if (!record) return;
      session.unsolicited?.({
        jsonrpc: "2.0",
        method: "notifications/tasks/status",
        params: legacyTask(record, this.#timing),
      });
    }).catch(() => {});
  }
}

/**
 * Tool calls as tasks, from the client's side, on both eras: 2025-11-25 `params.task` (the task
 * nested under `task`, `tasks/result` blocking until the end and carrying the task's questions)
 * and the 2026-07-28 `io.modelcontextprotocol/tasks` extension (declared per request; the server
 * decides; a flat task result; `tasks/get` inlining input requests, the result or the error;
 * answers through `tasks/update`).
 *
 * @module
 */

import { isObject, type JsonObject } from "../protocol/jsonrpc.ts";
import type { CallToolResult } from "../protocol/types.ts";
import { delay } from "./engine/delay.ts";
import { ClientError, McpError } from "./errors.ts";
import type { Session } from "./session.ts";
import type { CallOptions } from "./types.ts";

/** The tasks extension's identifier (2026-07-28). */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** Where a task is. `completed`, `failed` and `cancelled` are final. */
export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** A task as the server last described it (both eras' field names mapped to one shape). */
export interface TaskState {
  /** The server's id of the task. */
  taskId: string;
  /** Where it is. */
  status: TaskStatus;
  /** A human-readable note on the status. */
  statusMessage?: string;
  /** When it was created (ISO 8601). */
  createdAt?: string;
  /** When it last changed (ISO 8601). */
  lastUpdatedAt?: string;
  /** How long the server keeps it after it ends, in ms. */
  ttlMs?: number;
  /** How often the server asks to be polled, in ms. */
  pollIntervalMs?: number;
}

/** Options of a task call: `callTool(name, args, { task: true })` or `{ task: { ttlMs } }`. */
export interface TaskCallOptions {
  /** How long the server should keep the finished task (2025-11-25 `ttl`; a 2026 server decides alone). */
  ttlMs?: number;
  /** Poll interval when the server names none, in ms (default 1000). */
  pollIntervalMs?: number;
}

/** Raised by {@link ToolTask.result} for a task that was cancelled. */
export class TaskCancelledError extends ClientError {
  /** The cancelled task's id. */
  readonly taskId: string;

  /** Creates the error for task `taskId`. */
  constructor(taskId: string, message = `task ${taskId} was cancelled`) {
    super(message, "task_cancelled");
    this.name = "TaskCancelledError";
    this.taskId = taskId;
  }
}

const FINAL = new Set<TaskStatus>(["completed", "failed", "cancelled"]);
const STATUSES = new Set<TaskStatus>([...FINAL, "working", "input_required"]);
/** A poll interval the server names is kept within these bounds (ms). */
const MIN_POLL_MS = 10;
const MAX_POLL_MS = 60_000;
/** `tasks/result` blocks until the task ends: it waits this long unless the call says otherwise. */
const RESULT_WAIT_MS = 24 * 60 * 60 * 1000;

function stateOf(raw: JsonObject, what: string): TaskState {
  if (typeof raw.taskId !== "string" || !STATUSES.has(raw.status as TaskStatus)) {
    throw new McpError(-32603, `${what}: the server's task has no taskId or no known status`);
  }
  const number = (
    value: unknown,
  ) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const state: TaskState = { taskId: raw.taskId, status: raw.status as TaskStatus };
  const fields: Partial<TaskState> = {
    statusMessage: text(raw.statusMessage),
    createdAt: text(raw.createdAt),
    lastUpdatedAt: text(raw.lastUpdatedAt),
    ttlMs: number(raw.ttlMs) ?? number(raw.ttl),
    pollIntervalMs: number(raw.pollIntervalMs) ?? number(raw.pollInterval),
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (state as unknown as Record<string, unknown>)[key] = value;
  }
  return state;
}

/**
 * A tool call running as a task on the server. It polls at the interval the server asks for,
 * answers the task's questions through the call's (or the client's) handlers, reports each
 * status change, and cancels the task when the call's signal aborts.
 *
 * @example
 * ```ts ignore
 * const task = await client.callTool("render", { scene: "forest" }, { task: true });
 * task.onStatus((s) => console.log(s.status, s.statusMessage));
 * const result = await task.result(); // the CallToolResult
 * ```
 */
export class ToolTask {
  /** The server's id of the task. */
  readonly taskId: string;
  /** The tool's name, as called. */
  readonly toolName: string;
  readonly #session: Session;
  readonly #options: CallOptions & TaskCallOptions;
  readonly #listeners = new Set<(state: TaskState) => void>();
  readonly #stop = new AbortController();
  readonly #answered = new Set<string>();
  readonly #result: Promise<CallToolResult>;
  #state: TaskState;
  /** A 2026 task's inlined outcome, once it has one. */
  #outcome?: { result?: JsonObject; error?: JsonObject };
  /** A 2026 task's outstanding input requests, as last described. */
  #inputRequests?: JsonObject;

  private constructor(
    session: Session,
    toolName: string,
    created: JsonObject | undefined,
    done: CallToolResult | undefined,
    options: CallOptions & TaskCallOptions,
  ) {
    this.#session = session;
    this.toolName = toolName;
    this.#options = options;
    if (done) {
      // The server ran the call at once rather than as a task: a handle that is already complete.
      this.#state = { taskId: "", status: "completed" };
      this.taskId = "";
      this.#result = Promise.resolve(done);
      return;
    }
    this.#state = stateOf(created!, `tools/call '${toolName}'`);
    this.taskId = this.#state.taskId;
    this.#take(created!);
    const signal = options.signal;
    const aborted = () => {
      this.#stop.abort(signal!.reason);
      this.cancel().catch(() => {});
    };
    signal?.addEventListener("abort", aborted, { once: true });
    this.#result = this.#run().finally(() => signal?.removeEventListener("abort", aborted));
    // A caller that never asks for the result must not see an unhandled rejection.
    this.#result.catch(() => {});
  }

  /**
   * Calls `tool` (the server's own name) on `session` as a task. Used by `Client.callTool`.
   * @internal
   */
  static async start(
    session: Session,
    name: string,
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions & TaskCallOptions,
  ): Promise<ToolTask> {
    const modern = session.era === "modern";
    const params: JsonObject = { name: tool, arguments: args as JsonObject };
    if (!modern) params.task = options.ttlMs === undefined ? {} : { ttl: options.ttlMs };
    const { pollIntervalMs: _, ttlMs: __, ...callOptions } = options;
    const answer = await session.request(
      "tools/call",
      params,
      callOptions,
      { tool },
      modern ? { [TASKS_EXTENSION]: {} } : undefined,
    );
    const created = modern ? (answer.resultType === "task" ? answer : undefined) : answer.task;
    if (created !== undefined) {
      if (!isObject(created)) {
        throw new McpError(-32603, `tools/call '${name}': the task in the answer is not an object`);
      }
      return new ToolTask(session, name, created, undefined, options);
    }
    if (!Array.isArray(answer.content)) {
      throw new McpError(-32603, `tools/call '${name}': the result has no content list`);
    }
    return new ToolTask(session, name, undefined, answer as unknown as CallToolResult, options);
  }

  /** The task as the server last described it. */
  get state(): TaskState {
    return { ...this.#state };
  }

  /** Calls `listener` on every change of status or status message; returns a function that stops it. */
  onStatus(listener: (state: TaskState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The tool's result once the task ends (an `isError` result included). A failed task rejects
   * with the server's error; a cancelled one with {@link TaskCancelledError}.
   */
  result(): Promise<CallToolResult> {
    return this.#result;
  }

  /** Asks the server to cancel the task (it may still finish first). */
  async cancel(): Promise<void> {
    if (!this.taskId || FINAL.has(this.#state.status)) return;
    const modern = this.#session.era === "modern";
    const answer = await this.#session.request(
      "tasks/cancel",
      { taskId: this.taskId },
      { timeoutMs: this.#options.timeoutMs },
      {},
      modern ? { [TASKS_EXTENSION]: {} } : undefined,
    );
    if (!modern && typeof answer.status === "string") this.#take(answer);
  }

  /** Takes a task description from the server: its state, and on 2026 what it inlines. */
  #take(raw: JsonObject): void {
    const next = stateOf(raw, `task ${this.taskId}`);
    this.#inputRequests = isObject(raw.inputRequests) ? raw.inputRequests : undefined;
    if ("result" in raw || "error" in raw) {
      this.#outcome = {
        result: isObject(raw.result) ? raw.result : undefined,
        error: isObject(raw.error) ? raw.error : undefined,
      };
    }
    const changed = next.status !== this.#state.status || next.statusMessage !== this.#state.statusMessage;
    this.#state = next;
    if (!changed) return;
    for (const listener of this.#listeners) {
      try {
        listener(this.state);
      } catch {
        // A listener's failure is its own; the task goes on.
      }
    }
  }

  #extensions(): JsonObject | undefined {
    return this.#session.era === "modern" ? { [TASKS_EXTENSION]: {} } : undefined;
  }

  async #poll(): Promise<void> {
    const answer = await this.#session.request(
      "tasks/get",
      { taskId: this.taskId },
      { signal: this.#stop.signal, timeoutMs: this.#options.timeoutMs },
      {},
      this.#extensions(),
    );
    this.#take(answer);
  }

  async #run(): Promise<CallToolResult> {
    const modern = this.#session.era === "modern";
    const signal = this.#stop.signal;
    // The first description may already ask for input (or be final): act on it before sleeping.
    for (let first = true;; first = false) {
      if (!first) {
        const interval = this.#state.pollIntervalMs ?? this.#options.pollIntervalMs ?? 1000;
        await delay(Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, interval)), signal);
        await this.#poll();
      }
      const status = this.#state.status;
      if (FINAL.has(status)) break;
      if (status !== "input_required") continue;
      // 2025: `tasks/result` carries the task's questions to this call's handlers and ends with the result.
      if (!modern) return await this.#legacyResult();
      await this.#answer();
    }
    if (this.#state.status === "cancelled") throw new TaskCancelledError(this.taskId);
    if (!modern) return await this.#legacyResult();
    if (this.#state.status === "failed") {
      const error = this.#outcome?.error;
      throw new McpError(
        typeof error?.code === "number" ? error.code : -32603,
        typeof error?.message === "string" ? error.message : `task ${this.taskId} failed`,
        error?.data,
      );
    }
    // A final description without its result (a server that does not inline it): ask once more.
    if (!this.#outcome?.result) await this.#poll();
    const result = this.#outcome?.result;
    if (!result || !Array.isArray(result.content)) {
      throw new McpError(-32603, `task ${this.taskId} completed without a tool result`);
    }
    return result as unknown as CallToolResult;
  }

  /** 2026: answers the input requests not answered yet, through `tasks/update`. */
  async #answer(): Promise<void> {
    const requests = this.#inputRequests;
    if (!requests) return;
    // Keys are unique for the task's lifetime: one answered is never answered again.
    const fresh = Object.fromEntries(Object.entries(requests).filter(([key]) => !this.#answered.has(key)));
    if (Object.keys(fresh).length === 0) return;
    const inputResponses = await this.#session.answerInputs(fresh, {
      ...this.#options,
      signal: this.#stop.signal,
    });
    if (!inputResponses) return;
    for (const key of Object.keys(fresh)) this.#answered.add(key);
    await this.#session.request(
      "tasks/update",
      { taskId: this.taskId, inputResponses },
      { signal: this.#stop.signal, timeoutMs: this.#options.timeoutMs },
      {},
      this.#extensions(),
    );
  }

  /** 2025: waits on `tasks/result`, answering the questions it carries with the call's handlers. */
  async #legacyResult(): Promise<CallToolResult> {
    let answer: JsonObject;
    try {
      answer = await this.#session.request("tasks/result", { taskId: this.taskId }, {
        ...this.#options,
        signal: this.#stop.signal,
        timeoutMs: this.#options.timeoutMs ?? RESULT_WAIT_MS,
      });
    } catch (error) {
      // The wait may end because the task was cancelled meanwhile: say so, not "internal error".
      if (error instanceof McpError) {
        await this.#poll().catch(() => {});
        if (this.#state.status === "cancelled") throw new TaskCancelledError(this.taskId);
      }
      throw error;
    }
    // Bring the state (and the status listeners) up to the end the result proves.
    if (!FINAL.has(this.#state.status)) await this.#poll().catch(() => {});
    if (!Array.isArray(answer.content)) {
      throw new McpError(-32603, `task ${this.taskId}: tasks/result has no content list`);
    }
    return answer as unknown as CallToolResult;
  }
}

/**
 * How MCP tasks look on the wire, for both eras: the 2025-11-25 experimental tasks (`ttl`,
 * `pollInterval`, a nested `task` in `CreateTaskResult`) and the 2026-07-28
 * `io.modelcontextprotocol/tasks` extension (`ttlMs`, `pollIntervalMs`, flat results with
 * `resultType: "task"`, results and input requests inlined in `tasks/get`).
 *
 * @module
 */

import { isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import type { InputRequest } from "../engine/input_state.ts";
import type { TaskRecord } from "./queue.ts";

/** The extension identifier of 2026-07-28 tasks. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** `_meta` key tying a 2025 message to its task. */
export const RELATED_TASK_KEY = "io.modelcontextprotocol/related-task";

/**
 * Thrown by `ctx.startTask()` in the request phase of a task-eligible call: the task layer
 * catches it and answers with the task.
 */
export class StartTaskSignal extends Error {
  /** Creates the signal. */
  constructor() {
    super("the task starts here");
    this.name = "StartTaskSignal";
  }
}

/**
 * How a tool takes part in MCP tasks: never, when the client asks (2025) or negotiated tasks
 * (2026), or only as a task.
 *
 * @example
 * ```ts
 * import type { TaskSupport } from "@denomcp/denomcp";
 * const support: TaskSupport = "optional";
 * ```
 */
export type TaskSupport = "forbidden" | "optional" | "required";

/** MCP task status. */
export type McpTaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** What a tool task stores as its result: the call's result or the JSON-RPC error it ended with. */
export type ToolTaskOutcome = { result: JsonObject } | {
  error: { code: number; message: string; data?: unknown };
};

/** What the running task reports in its record's `detail`. */
export interface ToolTaskDetail {
  /** Requests waiting for the client, by key (2026: answered through `tasks/update`). */
  inputRequests?: Record<string, InputRequest>;
  /** True while a 2025 server→client request of the task waits for its answer. */
  awaitingClient?: boolean;
  /** A message the handler set with `ctx.setTaskStatus()`. */
  statusMessage?: string;
}

/** Timing a task reports to clients. */
export interface TaskTiming {
  ttlMs: number;
  pollIntervalMs: number;
}

/** The questions of a task the client has not answered yet. */
export function outstandingRequests(record: TaskRecord): Record<string, InputRequest> {
  const asked = (record.detail as ToolTaskDetail | undefined)?.inputRequests ?? {};
  const out: Record<string, InputRequest> = {};
  for (const [key, request] of Object.entries(asked)) {
    if (!(record.inbox && Object.hasOwn(record.inbox, key))) out[key] = request;
  }
  return out;
}

/** The MCP status of a task record. */
export function mcpStatus(record: TaskRecord): McpTaskStatus {
  switch (record.status) {
    case "queued":
      return "working";
    case "running": {
      const detail = record.detail as ToolTaskDetail | undefined;
      if (detail?.awaitingClient) return "input_required";
      return Object.keys(outstandingRequests(record)).length > 0 ? "input_required" : "working";
    }
    case "cancelled":
      return "cancelled";
    case "failed":
      return "failed";
    case "completed":
      return isObject(record.result) && "error" in record.result ? "failed" : "completed";
  }
}

function statusMessage(record: TaskRecord, status: McpTaskStatus): string | undefined {
  const own = (record.detail as ToolTaskDetail | undefined)?.statusMessage;
  switch (status) {
    case "failed": {
      const outcome = record.result as ToolTaskOutcome | undefined;
      if (outcome && "error" in outcome) return `Tool execution failed: ${outcome.error.message}`;
      return record.error ? `Tool execution failed: ${record.error}` : "Tool execution failed";
    }
    case "cancelled":
      return "The task was cancelled";
    case "input_required":
      return own ?? "Waiting for input from the client";
    default:
      return own;
  }
}

/** The error of a failed task, as a JSON-RPC error object. */
export function taskError(record: TaskRecord): { code: number; message: string; data?: unknown } {
  const outcome = record.result as ToolTaskOutcome | undefined;
  if (outcome && "error" in outcome) return outcome.error;
  return { code: -32603, message: record.error ?? "the task failed" };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What both eras' tasks share; they differ in two field names (`ttl`/`ttlMs`,
 * `pollInterval`/`pollIntervalMs`) and in what they inline.
 */
function taskFields(
  record: TaskRecord,
  status: McpTaskStatus,
  timing: TaskTiming,
  names: { ttl: string; pollInterval: string },
  message = statusMessage(record, status),
): JsonObject {
  const task: JsonObject = {
    taskId: record.id,
    status,
    createdAt: iso(record.createdAt),
    lastUpdatedAt: iso(record.updatedAt),
    [names.ttl]: record.ttlMs ?? timing.ttlMs,
  };
  if (message !== undefined) task.statusMessage = message;
  if (status === "working" || status === "input_required") task[names.pollInterval] = timing.pollIntervalMs;
  return task;
}

/** A 2025-11-25 `Task`. */
export function legacyTask(record: TaskRecord, timing: TaskTiming): JsonObject {
  const names = { ttl: "ttl", pollInterval: "pollInterval" };
  const status = mcpStatus(record);
  // 2025 reports a tool result with `isError` as a failed task (2026 calls it completed).
  if (
    status === "completed" && (record.result as { result?: JsonObject } | undefined)?.result?.isError === true
  ) {
    return taskFields(record, "failed", timing, names, "The tool reported an error");
  }
  return taskFields(record, status, timing, names);
}

/**
 * A 2026-07-28 `DetailedTask`: the task with what its status carries inlined: the outstanding
 * `inputRequests`, the `result`, or the `error`.
 */
export function modernTask(record: TaskRecord, timing: TaskTiming): JsonObject {
  const status = mcpStatus(record);
  const task = taskFields(record, status, timing, { ttl: "ttlMs", pollInterval: "pollIntervalMs" });
  if (status === "input_required") task.inputRequests = outstandingRequests(record) as unknown as JsonObject;
  if (status === "completed") {
    task.result = (record.result as { result?: JsonObject } | undefined)?.result ?? {};
  }
  if (status === "failed") task.error = taskError(record);
  return task;
}

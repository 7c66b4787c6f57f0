/**
 * The exchange a tool sees when it runs as an MCP task: built from what the task record kept of
 * the original call, with its messages routed through the task (2025: to the client with the
 * task's `related-task` mark; 2026: none, input goes through `tasks/get` and `tasks/update`).
 *
 * @module
 */

import type { JsonObject, JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { Exchange } from "../engine/exchange.ts";
import type { RequestFacts } from "../engine/facts.ts";
import { type InputRequest, InputRound } from "../engine/input_state.ts";
import type { Session } from "../sessions/session.ts";
import type { TaskContext } from "./queue.ts";
import { RELATED_TASK_KEY, type ToolTaskDetail } from "./wire.ts";

/** What a tool task keeps of the call that created it. */
export interface ToolTaskPayload {
  /** The facts of the call. */
  facts: RequestFacts;
  /** The tool, as the client named it. */
  name: string;
  /** Its validated-later arguments. */
  arguments: JsonObject;
  /** Answers gathered in the request before the task started (a tool with a prelude). */
  answers?: Record<string, unknown>;
}

/** How a task exchange reaches the rest of the server. */
export interface TaskLink {
  /** Delivers a 2025 message of the task to its client. */
  deliver(taskId: string, sessionId: string | undefined, message: JsonRpcMessage): void;
  /** Tells the client the task's status changed (2025 `notifications/tasks/status`). */
  statusChanged(taskId: string, sessionId: string | undefined): void;
  readonly clientRequestTimeoutMs: number;
}

/** One tool call running as a task. */
export class TaskExchange implements Exchange {
  readonly facts: RequestFacts;
  params: JsonObject;
  input?: InputRound;
  /** Questions waiting for `tasks/update` (2026), by key. */
  readonly #asked = new Map<string, InputRequest>();
  /** 2025 requests to the client still open. */
  #awaiting = 0;
  #writing?: Promise<void>;
  #dirty = false;

  /** Creates the exchange of a task run. */
  constructor(
    private readonly payload: ToolTaskPayload,
    readonly task: TaskContext,
    private readonly link: TaskLink,
    readonly session: Session | undefined,
  ) {
    const legacy = payload.facts.era === "legacy";
    // 2026 tasks carry no progress or log notifications (the extension has nowhere to send them).
    this.facts = {
      ...payload.facts,
      taskId: task.id,
      logLevel: legacy ? payload.facts.logLevel : undefined,
      progressToken: legacy ? payload.facts.progressToken : undefined,
    };
    this.params = { name: payload.name, arguments: payload.arguments };
    if (!legacy) this.input = new InputRound(payload.answers ?? {}, undefined);
  }

  /** Aborted when the task is cancelled, its lease is lost, or the server stops. */
  get signal(): AbortSignal {
    return this.task.signal;
  }

  /** Sends a 2025 message of the task to its client, marked with the task id. */
  send(message: JsonRpcMessage): void {
    if (this.facts.era !== "legacy" || this.signal.aborted) return;
    const m = message as { params?: JsonObject };
    const params = m.params ?? {};
    const meta = {
      ...(params._meta as JsonObject | undefined),
      [RELATED_TASK_KEY]: { taskId: this.task.id },
    };
    this.link.deliver(this.task.id, this.payload.facts.sessionId, {
      ...message,
      params: { ...params, _meta: meta },
    });
  }

  /** Asks the client for input; the task is `input_required` until the answer comes. */
  ask(request: InputRequest, key: string): Promise<JsonObject> {
    return this.facts.era === "legacy" ? this.#askSession(request) : this.#askThroughTask(request, key);
  }

  async #askSession(request: InputRequest): Promise<JsonObject> {
    const session = this.session;
    if (!session) throw new Error(`${request.method} needs the client's session, which has ended`);
    this.#awaiting++;
    await this.#publish();
    try {
      return await session.request(
        (m) => this.send(m),
        request.method,
        request.params ?? {},
        this.signal,
        this.link.clientRequestTimeoutMs,
      );
    } finally {
      this.#awaiting--;
      await this.#publish();
    }
  }

  async #askThroughTask(request: InputRequest, key: string): Promise<JsonObject> {
    this.#asked.set(key, request);
    await this.#publish();
    try {
      return await this.task.receive(key) as JsonObject;
    } finally {
      this.#asked.delete(key);
      await this.#publish();
    }
  }

  /**
   * Writes what the task waits for into its record. Questions asked together (`Promise.all`)
   * land in one write, so a client sees them all in one `tasks/get`.
   */
  #publish(): Promise<void> {
    this.#dirty = true;
    this.#writing ??= (async () => {
      try {
        await null;
        while (this.#dirty) {
          this.#dirty = false;
          const detail: ToolTaskDetail = {};
          if (this.#asked.size > 0) detail.inputRequests = Object.fromEntries(this.#asked);
          if (this.#awaiting > 0) detail.awaitingClient = true;
          await this.task.setDetail(detail as Record<string, unknown>);
        }
      } finally {
        this.#writing = undefined;
      }
      this.link.statusChanged(this.task.id, this.payload.facts.sessionId);
    })();
    return this.#writing;
  }
}

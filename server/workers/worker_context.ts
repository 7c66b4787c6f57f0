/**
 * The `Context` a tool sees inside a pool worker: request facts, logging and progress (sent to
 * the main isolate, which forwards them to the client). Client round trips cannot be made from a
 * worker and fail with an error that says what to do instead.
 *
 * @module
 */

import type { LoggingLevel } from "../../protocol/types.ts";
import { ToolError } from "../errors.ts";
import type { WorkerFacts, WorkerMessage } from "./messages.ts";

/** A worker-side stand-in for `Context`. */
export class WorkerContext {
  readonly #state = new Map<string, unknown>();
  #progress = -Infinity;

  /** Creates the context of one job. */
  constructor(
    private readonly job: number,
    private readonly tool: string,
    private readonly facts: WorkerFacts,
    private readonly post: (message: WorkerMessage) => void,
  ) {}

  /** The JSON-RPC id of the request. */
  get requestId(): string | number {
    return this.facts.requestId;
  }
  /** The 2025-era session id, if any. */
  get sessionId(): string | undefined {
    return this.facts.sessionId;
  }
  /** The request's protocol version. */
  get protocolVersion(): string {
    return this.facts.protocolVersion;
  }
  /** The request's wire era. */
  get era(): WorkerFacts["era"] {
    return this.facts.era;
  }
  /** What the client said about itself. */
  get clientInfo(): WorkerFacts["clientInfo"] {
    return this.facts.clientInfo;
  }
  /** What the client can do. */
  get clientCapabilities(): WorkerFacts["clientCapabilities"] {
    return this.facts.clientCapabilities;
  }
  /** Never aborted inside a worker: a cancelled or timed-out call terminates the worker instead. */
  get signal(): AbortSignal {
    return new AbortController().signal;
  }
  /** Raw `inputResponses` of this round (explicit input-required handlers). */
  get inputResponses(): Record<string, unknown> | undefined {
    return this.facts.inputResponses;
  }
  /** The handler's own `requestState` from the previous round. */
  get requestState(): string | undefined {
    return this.facts.requestState;
  }
  /** The lifespan runs in the main isolate only. */
  get lifespan(): undefined {
    return undefined;
  }

  /** Sends a log message to the client (through the main isolate). */
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void> {
    this.post({ type: "log", job: this.job, level, data, logger });
    return Promise.resolve();
  }
  /** Logs at debug level. */
  debug(data: unknown, logger?: string): Promise<void> {
    return this.log("debug", data, logger);
  }
  /** Logs at info level. */
  info(data: unknown, logger?: string): Promise<void> {
    return this.log("info", data, logger);
  }
  /** Logs at warning level. */
  warning(data: unknown, logger?: string): Promise<void> {
    return this.log("warning", data, logger);
  }
  /** Logs at error level. */
  error(data: unknown, logger?: string): Promise<void> {
    return this.log("error", data, logger);
  }

  /** Reports progress to the client (through the main isolate). */
  reportProgress(progress: number, total?: number, message?: string): Promise<void> {
    if (progress <= this.#progress) return Promise.resolve();
    this.#progress = progress;
    this.post({ type: "progress", job: this.job, progress, total, message });
    return Promise.resolve();
  }

  /** Values for this call only: a worker shares no state with the main isolate. */
  getState<T = unknown>(key: string): Promise<T | undefined> {
    return Promise.resolve(this.#state.get(key) as T | undefined);
  }
  /** Keeps a value for this call only. */
  setState(key: string, value: unknown): Promise<void> {
    this.#state.set(key, value);
    return Promise.resolve();
  }
  /** Forgets a value. */
  deleteState(key: string): Promise<void> {
    this.#state.delete(key);
    return Promise.resolve();
  }

  /** The MCP task the call runs in, if any. */
  get taskId(): string | undefined {
    return this.facts.taskId;
  }
  /** Resolves at once: a synchronous tool has no prelude (the task, if any, has started). */
  startTask(): Promise<void> {
    return Promise.resolve();
  }
  /** Not available in a worker. */
  runSubtask(): Promise<never> {
    return this.#unavailable("ctx.runSubtask()");
  }
  /** Not available in a worker. */
  sample(): Promise<never> {
    return this.#unavailable("ctx.sample()");
  }
  /** Not available in a worker. */
  elicit(): Promise<never> {
    return this.#unavailable("ctx.elicit()");
  }
  /** Not available in a worker. */
  listRoots(): Promise<never> {
    return this.#unavailable("ctx.listRoots()");
  }
  /** Not available in a worker. */
  readResource(): Promise<never> {
    return this.#unavailable("ctx.readResource()");
  }
  /** A no-op in a worker. */
  closeSseStream(): void {}

  #unavailable(call: string): Promise<never> {
    return Promise.reject(
      new ToolError(
        `${call} cannot run in a worker: tool '${this.tool}' is synchronous and runs in the worker pool; ` +
          "make its handler async, or define it with runInThread: false",
      ),
    );
  }
}

/**
 * A pool of module Workers for synchronous tools: started lazily, kept warm, replaced when one
 * dies or must be stopped (timeout, cancellation). The only file that knows `Worker`.
 *
 * @module
 */

import type { JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { CallToolResult } from "../../protocol/types.ts";
import type { RequestFacts } from "../engine/facts.ts";
import { McpError, ToolError } from "../errors.ts";
import { ErrorCode } from "../../protocol/jsonrpc.ts";
import type { RunMessage, WorkerInput, WorkerMessage } from "./messages.ts";

/** The worker could not find the tool: its module cannot be imported there, or defines it only later. */
export class ModuleUnavailableError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ModuleUnavailableError";
  }
}

/** What a finished job produced: a converted result, or a request for client input. */
export type JobOutcome =
  | { result: CallToolResult; durationMs: number }
  | { input: { inputRequests?: Record<string, unknown>; requestState?: string }; durationMs: number };

/** One call to run in the pool. */
export interface Job {
  module: string;
  server: string;
  tool: string;
  /** The tool's version, when it has one. */
  version?: string;
  args: unknown;
  facts: RequestFacts;
  /** 2026-07-28 input rounds: this round's responses and the handler's own state. */
  input?: WorkerInput;
  /** Where the tool's messages to the client (logs, progress) go. */
  send(message: JsonRpcMessage): void;
  /** Cancels the call: the worker running it is terminated. */
  signal?: AbortSignal;
  /** Fails the call after this long, terminating its worker. */
  timeoutMs?: number;
}

interface Pending extends Job {
  id: number;
  resolve(outcome: JobOutcome): void;
  reject(error: Error): void;
}

/** True when this runtime can start module workers. */
export function workersAvailable(): boolean {
  return typeof Worker === "function";
}

/** The default pool size: one worker per core but one, at least one. */
export function defaultPoolSize(): number {
  return Math.max(1, (navigator.hardwareConcurrency ?? 2) - 1);
}

class PooledWorker {
  readonly worker: Worker;
  job?: Pending;
  #cleanup?: () => void;
  #arm?: () => void;

  constructor(private readonly pool: WorkerPool) {
    // The literal `new Worker(new URL(…, import.meta.url))` form is what `deno compile --bundle` detects.
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (event: MessageEvent<WorkerMessage>) => this.#message(event.data);
    this.worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.pool.crashed(this, event.message);
    };
  }

  /** Starts a job; false when it could not be posted (the job has failed, the worker is free). */
  start(job: Pending): boolean {
    this.job = job;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      const reason = job.signal?.reason instanceof Error ? `: ${job.signal.reason.message}` : "";
      this.pool.kill(this, new Error(`tool '${job.tool}' was cancelled${reason}`));
    };
    job.signal?.addEventListener("abort", onAbort, { once: true });
    // The clock starts when the handler does: a fresh worker's module import is not the tool's time.
    this.#arm = () => {
      const timeoutMs = job.timeoutMs ?? this.pool.jobTimeoutMs;
      if (!timeoutMs) return;
      timer = setTimeout(
        () => this.pool.kill(this, new ToolError(`Tool '${job.tool}' timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    };
    this.#cleanup = () => {
      clearTimeout(timer);
      job.signal?.removeEventListener("abort", onAbort);
    };
    const message: RunMessage = {
      type: "run",
      job: job.id,
      module: job.module,
      server: job.server,
      tool: job.tool,
      version: job.version,
      args: job.args,
      facts: job.facts,
      input: job.input,
    };
    try {
      this.worker.postMessage(message);
    } catch (error) {
      // Nothing reached the worker (a value structured clone refuses, say): it stays usable.
      this.finish();
      const reason = error instanceof Error ? error.message : String(error);
      job.reject(
        new McpError(
          ErrorCode.InvalidParams,
          `Invalid params: the arguments of tool '${job.tool}' cannot be passed to a worker: ${reason}`,
        ),
      );
      return false;
    }
    return true;
  }

  /** Detaches the current job, returning it. */
  finish(): Pending | undefined {
    const job = this.job;
    this.#cleanup?.();
    this.#cleanup = undefined;
    this.#arm = undefined;
    this.job = undefined;
    return job;
  }

  #message(message: WorkerMessage): void {
    const job = this.job;
    if (!job || message.job !== job.id) return;
    switch (message.type) {
      case "started":
        return this.#arm?.();
      case "send":
        return job.send(message.message);
      case "result":
        this.finish();
        job.resolve({ result: message.result, durationMs: message.durationMs });
        return this.pool.release(this);
      case "input":
        this.finish();
        job.resolve({ input: message.init, durationMs: message.durationMs });
        return this.pool.release(this);
      case "error":
        this.finish();
        job.reject(
          message.unavailable
            ? new ModuleUnavailableError(message.message)
            : message.toolError
            ? new ToolError(message.message, { logLevel: message.logLevel })
            : new Error(message.message),
        );
        return this.pool.release(this);
    }
  }
}

/**
 * The pool. Jobs beyond its size wait in order. A worker whose job times out, is cancelled or
 * crashes is terminated and a fresh one is started for the next job.
 */
export class WorkerPool {
  readonly #idle: PooledWorker[] = [];
  readonly #all = new Set<PooledWorker>();
  readonly #queue: Pending[] = [];
  #next = 0;
  #closed = false;

  /**
   * Creates a pool of at most `size` workers; a job that sets no timeout of its own is stopped
   * after `jobTimeoutMs` (0: never).
   */
  constructor(readonly size: number, readonly jobTimeoutMs = 0) {
    if (!Number.isInteger(size) || size < 1) {
      throw new TypeError(`worker pool size must be a positive integer, not ${size}`);
    }
  }

  /** Workers started and alive. */
  get workers(): number {
    return this.#all.size;
  }

  /** Workers running a job, idle workers, and jobs waiting for one. */
  get counts(): { busy: number; idle: number; queued: number } {
    const idle = this.#idle.length;
    return { busy: this.#all.size - idle, idle, queued: this.#queue.length };
  }

  /** Runs a job and resolves with the tool's converted result or its request for input. */
  run(job: Job): Promise<JobOutcome> {
    if (this.#closed) return Promise.reject(new Error("the worker pool is closed"));
    if (job.signal?.aborted) return Promise.reject(new Error(`tool '${job.tool}' was cancelled`));
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...job, id: ++this.#next, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length) {
      let worker = this.#idle.pop();
      if (!worker) {
        if (this.#all.size >= this.size) return;
        worker = new PooledWorker(this);
        this.#all.add(worker);
      }
      const job = this.#queue.shift()!;
      if (job.signal?.aborted) {
        this.#idle.push(worker);
        job.reject(new Error(`tool '${job.tool}' was cancelled`));
        continue;
      }
      if (!worker.start(job)) this.#idle.push(worker);
    }
  }

  /** @internal a worker finished its job */
  release(worker: PooledWorker): void {
    if (this.#closed || !this.#all.has(worker)) return;
    this.#idle.push(worker);
    this.#dispatch();
  }

  /** @internal stops a worker and fails its job with `error` */
  kill(worker: PooledWorker, error: Error): void {
    this.#remove(worker);
    worker.finish()?.reject(error);
    this.#dispatch();
  }

  /** @internal a worker died on its own */
  crashed(worker: PooledWorker, message: string): void {
    const job = worker.job;
    this.kill(worker, new Error(`the worker running tool '${job?.tool ?? "?"}' crashed: ${message}`));
  }

  #remove(worker: PooledWorker): void {
    worker.worker.terminate();
    this.#all.delete(worker);
    const i = this.#idle.indexOf(worker);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  /** Terminates every worker and fails queued and running jobs. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error("the server is shutting down"));
    for (const worker of [...this.#all]) {
      this.#remove(worker);
      worker.finish()?.reject(new Error("the server is shutting down"));
    }
  }
}

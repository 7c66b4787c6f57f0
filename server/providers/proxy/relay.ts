/**
 * Relays the questions an upstream server asks during a proxied call (sampling, elicitation,
 * roots) to the downstream client of that call, and its progress and log messages.
 *
 * A 2025 downstream session (or a task) can wait for an answer, so the question is asked inline.
 * A 2026 downstream request cannot: the call is parked (the upstream call keeps running, waiting
 * for its answer), the downstream request ends with an input-required result whose
 * `requestState` names the parked call, and the retried request with `inputResponses` resumes it.
 * The upstream tool therefore runs once, whatever the eras on either side.
 *
 * @module
 */

import type { CallHandlers } from "../../../client/engine/handlers.ts";
import type { LogMessage } from "../../../client/types.ts";
import { ErrorCode, type JsonObject } from "../../../protocol/jsonrpc.ts";
import { type Context, inlineAsker } from "../../context.ts";
import { type InputRequest, InputRequired } from "../../engine/input_state.ts";
import { McpError } from "../../errors.ts";

/** Settings of a {@link Relay}. */
export interface RelayLimits {
  /** How long a parked call waits for the downstream client's answer, in ms (default 600,000). */
  parkedTtlMs?: number;
  /** Parked calls at once (default 1,000); more are refused. */
  maxParked?: number;
}

interface Question {
  readonly request: InputRequest;
  readonly resolve: (answer: JsonObject) => void;
  readonly reject: (error: unknown) => void;
}

/** A proxied call waiting for answers of the downstream client. */
class ParkedCall<T> {
  /** Named only when parked: most calls finish without asking anything. */
  #token?: string;
  readonly abort = new AbortController();
  /** Questions asked and not yet sent downstream. */
  readonly asked: Question[] = [];
  /** Questions sent downstream, by key, waiting for answers. */
  readonly open = new Map<string, Question>();
  /** The context of the downstream request being served now (progress and logs go there). */
  ctx?: Context;
  #wake?: () => void;
  #keys = 0;
  result!: Promise<T>;
  timer?: ReturnType<typeof setTimeout>;

  get token(): string {
    return this.#token ??= crypto.randomUUID();
  }

  nextKey(): string {
    return `upstream-${++this.#keys}`;
  }

  ask(request: InputRequest): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      this.asked.push({ request, resolve, reject });
      this.#wake?.();
    });
  }

  /** Resolves when the call finishes or asks something. */
  settled(): Promise<"done" | "asked"> {
    if (this.asked.length) return Promise.resolve("asked");
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        // Questions of one upstream round arrive together: gather them before answering downstream.
        setTimeout(() => resolve("asked"), 0);
      };
      this.result.then(() => resolve("done"), () => resolve("done"));
    });
  }
}

/** Relays upstream questions to downstream clients; one per proxy. */
export class Relay {
  readonly #parked = new Map<string, ParkedCall<unknown>>();
  readonly #ttlMs: number;
  readonly #max: number;

  /** A relay with the given limits. */
  constructor(limits: RelayLimits = {}) {
    this.#ttlMs = limits.parkedTtlMs ?? 600_000;
    this.#max = limits.maxParked ?? 1_000;
  }

  /** Parked calls now. */
  get parked(): number {
    return this.#parked.size;
  }

  /**
   * Runs `start` (the upstream call, given the handlers and the signal to use) for the downstream
   * request of `ctx`, relaying what the upstream asks.
   */
  async run<T>(
    ctx: Context,
    start: (handlers: CallHandlers, signal: AbortSignal) => Promise<T>,
  ): Promise<T | InputRequired> {
    const inline = inlineAsker(ctx);
    if (inline) return await start(this.#handlers(ctx, inline), ctx.signal);
    let call = this.#resume(ctx);
    if (!call) {
      if (this.#parked.size >= this.#max) {
        throw new McpError(
          ErrorCode.InternalError,
          `the proxy has ${this.#max} calls waiting for input already`,
        );
      }
      const fresh = new ParkedCall<T>();
      fresh.ctx = ctx;
      fresh.result = start(
        this.#handlers(ctx, (request) => fresh.ask(request), () => fresh.ctx),
        fresh.abort.signal,
      );
      call = fresh as ParkedCall<unknown>;
    }
    return await this.#serve(call as ParkedCall<T>, ctx);
  }

  /** The parked call a retried request names, with its answers handed over. */
  #resume(ctx: Context): ParkedCall<unknown> | undefined {
    const token = ctx.requestState;
    if (token === undefined) return undefined;
    const call = this.#parked.get(token);
    if (!call) {
      throw new McpError(
        ErrorCode.InvalidParams,
        "the proxied call this request continues is gone (expired, or served by another proxy instance)",
      );
    }
    this.#parked.delete(token);
    clearTimeout(call.timer);
    call.ctx = ctx;
    const answers = ctx.inputResponses ?? {};
    for (const [key, question] of call.open) {
      if (!Object.hasOwn(answers, key)) continue;
      call.open.delete(key);
      question.resolve(answers[key] as JsonObject);
    }
    return call;
  }

  async #serve<T>(call: ParkedCall<T>, ctx: Context): Promise<T | InputRequired> {
    // A downstream client that gives up while this request waits cancels the upstream call; once
    // this request has answered, its signal firing means nothing.
    const onAbort = () => call.abort.abort(ctx.signal.reason);
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      if (await call.settled() === "done") return await call.result;
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
    const inputRequests: Record<string, InputRequest> = {};
    for (const question of call.asked.splice(0)) {
      const key = call.nextKey();
      call.open.set(key, question);
      inputRequests[key] = question.request;
    }
    call.ctx = undefined;
    this.#parked.set(call.token, call as ParkedCall<unknown>);
    call.timer = setTimeout(() => this.#expire(call as ParkedCall<unknown>), this.#ttlMs);
    Deno.unrefTimer(call.timer);
    return new InputRequired({ inputRequests, requestState: call.token });
  }

  #expire(call: ParkedCall<unknown>): void {
    if (!this.#parked.delete(call.token)) return;
    const error = new McpError(ErrorCode.RequestTimeout, "the downstream client did not answer in time");
    for (const question of call.open.values()) question.reject(error);
    call.abort.abort(error);
  }

  /** Ends every parked call (the proxy stops). */
  close(): void {
    for (const call of [...this.#parked.values()]) {
      clearTimeout(call.timer);
      this.#expire(call);
    }
  }

  #handlers(
    ctx: Context,
    ask: (request: InputRequest) => Promise<JsonObject>,
    current: () => Context | undefined = () => ctx,
  ): CallHandlers & { onProgress: (p: { progress: number; total?: number; message?: string }) => void } {
    return {
      sampling: (params) =>
        ask({ method: "sampling/createMessage", params: params as unknown as JsonObject }) as never,
      elicitation: (request) => ask({ method: "elicitation/create", params: request as JsonObject }) as never,
      roots: async () => {
        const answer = await ask({ method: "roots/list" });
        return (answer.roots ?? []) as never;
      },
      onLog: (message: LogMessage) => {
        void current()?.log(message.level, message.data, message.logger).catch(() => {});
      },
      onProgress: ({ progress, total, message }) => {
        void current()?.reportProgress(progress, total, message).catch(() => {});
      },
    };
  }
}

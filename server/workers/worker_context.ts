/**
 * What a `Context` stands on inside a pool worker: the request's facts, messages posted to the
 * main isolate (which forwards them to the client), state kept for the call only. Client round
 * trips, resource reads, sub-tasks and visibility changes need the main isolate and fail with an
 * error that says what to do instead.
 *
 * @module
 */

import type { JsonObject, JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { ContextHost } from "../context.ts";
import type { Exchange } from "../engine/exchange.ts";
import type { RequestFacts } from "../engine/facts.ts";
import { InputRound } from "../engine/input_state.ts";
import { ToolError } from "../errors.ts";
import type { WorkerInput, WorkerMessage } from "./messages.ts";

function unavailable(call: string, tool: string): Promise<never> {
  return Promise.reject(
    new ToolError(
      `${call} cannot run in a worker: tool '${tool}' is synchronous and runs in the worker pool; ` +
        "make its handler async, or define it with runInThread: false",
    ),
  );
}

/** One job's exchange: the request as the worker sees it. */
export class WorkerExchange implements Exchange {
  readonly params: JsonObject;
  readonly input?: InputRound;
  /** Never aborted inside a worker: a cancelled or timed-out call terminates the worker instead. */
  readonly signal: AbortSignal = new AbortController().signal;

  /** Creates the exchange of one job. */
  constructor(
    readonly facts: RequestFacts,
    input: WorkerInput | undefined,
    private readonly job: number,
    private readonly toolName: string,
    private readonly post: (message: WorkerMessage) => void,
  ) {
    this.params = {};
    if (input) this.input = new InputRound({}, input.responses, input.userState);
  }

  /** @inheritdoc */
  send(message: JsonRpcMessage): void {
    this.post({ type: "send", job: this.job, message });
  }

  /** Client round trips need the main isolate. */
  ask(request: { method: string }): Promise<JsonObject> {
    const call = request.method === "sampling/createMessage"
      ? "ctx.sample()"
      : request.method === "elicitation/create"
      ? "ctx.elicit()"
      : "ctx.listRoots()";
    return unavailable(call, this.toolName);
  }
}

/** The server side of a worker's context: state for this call only, the rest unavailable. */
export class WorkerHost implements ContextHost {
  readonly clientRequestTimeoutMs = 0;
  /** The lifespan runs in the main isolate only. */
  readonly lifespanValue = undefined;
  readonly #state = new Map<string, unknown>();

  /** Creates the host of one job. */
  constructor(private readonly tool: string) {}

  /** @inheritdoc */
  readResource(): Promise<never> {
    return unavailable("ctx.readResource()", this.tool);
  }

  /** Values for this call only: a worker shares no state with the main isolate. */
  getState(_exchange: Exchange, key: string): Promise<unknown> {
    return Promise.resolve(this.#state.get(key));
  }

  /** @inheritdoc */
  setState(_exchange: Exchange, key: string, value: unknown): Promise<void> {
    this.#state.set(key, value);
    return Promise.resolve();
  }

  /** @inheritdoc */
  deleteState(_exchange: Exchange, key: string): Promise<void> {
    this.#state.delete(key);
    return Promise.resolve();
  }

  /** @inheritdoc */
  runSubtask(): Promise<never> {
    return unavailable("ctx.runSubtask()", this.tool);
  }

  /** @inheritdoc */
  callToolFor(): Promise<never> {
    return unavailable("ctx.callTool()", this.tool);
  }

  /** @inheritdoc */
  listFor(): Promise<never> {
    return unavailable("ctx.listTools() and the other listings", this.tool);
  }

  componentsFor(): Promise<never> {
    return unavailable("ctx.listSkills() and the other listings", this.tool);
  }

  /** @inheritdoc */
  getPromptFor(): Promise<never> {
    return unavailable("ctx.getPrompt()", this.tool);
  }

  /** @inheritdoc */
  changeVisibility(): Promise<never> {
    return unavailable("per-session visibility", this.tool);
  }
}

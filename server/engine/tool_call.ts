/**
 * `tools/call` as a declared list of steps, composed like middleware: the tool is resolved once,
 * then the task gate, then the input rounds, then the run (here, or in the mounted server that
 * defines the tool). A tool running inside its task skips the gate and the rounds, but passes the
 * middleware like any call.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import type { ToolComponent } from "../components/tool.ts";
import { NotFoundError } from "../errors.ts";
import { compose, type MaybePromise, type Step } from "../middleware/compose.ts";
import { requestedVersion } from "../transforms/versions.ts";
import type { Exchange } from "./exchange.ts";
import { invalidParams, type Outcome } from "./outcome.ts";
import { withMiddleware } from "./serve_request.ts";
import type { ServerCore } from "./server_core.ts";

/** One call on its way through the steps: the request and its resolved tool. */
export interface ToolCall {
  /** The request. */
  readonly exchange: Exchange;
  /** The tool it names. */
  readonly tool: ToolComponent;
}

type ToolStep = Step<ToolCall, Outcome>;

function then<T, U>(value: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** The `tools/call` path of one server. */
export class ToolCalls {
  readonly #call: (call: ToolCall) => Outcome;

  /** Composes the steps for a server. */
  constructor(private readonly core: ServerCore) {
    const steps: ToolStep[] = [
      // A task-enabled tool may become a task here, answered at once with the task.
      (call, next) => core.tasks.gate(call, next),
      // 2026 input rounds (sealed state in, input-required out); the 2025 shim for InputRequired.
      (call, next) => core.rounds.run(call.exchange, () => next(call)),
    ];
    this.#call = compose(steps, (call) => this.#run(call));
  }

  /** Resolves the tool a request names, once: a second ask returns the first answer. */
  resolve(exchange: Exchange): MaybePromise<ToolComponent> {
    const { name } = exchange.params;
    if (typeof name !== "string") throw invalidParams("tools/call needs a tool name");
    if (exchange.tool?.name === name) return exchange.tool;
    const found = this.core.catalog.tool(
      name,
      requestedVersion(exchange.params),
      exchange.session?.visibility,
    );
    return then(found, (tool) => {
      if (!tool) throw new NotFoundError(`Unknown tool: '${name}'`);
      return exchange.tool = tool;
    });
  }

  /** `tools/call` from a client. */
  call(exchange: Exchange): MaybePromise<JsonObject> {
    return then(this.resolve(exchange), (tool) => this.#call({ exchange, tool })) as MaybePromise<JsonObject>;
  }

  /** A tool call inside its MCP task: middleware, then the run (no gate, no rounds). */
  runTask(exchange: Exchange): Outcome {
    return withMiddleware(
      this.core,
      exchange,
      (ex) => then(this.resolve(ex), (tool) => this.#run({ exchange: ex, tool })) as MaybePromise<JsonObject>,
    );
  }

  /** A call a parent server delegates here: the gate and rounds were the parent's. */
  runResolved(exchange: Exchange): Outcome {
    return then(this.resolve(exchange), (tool) => this.#run({ exchange, tool }));
  }

  #run({ exchange, tool }: ToolCall): Outcome {
    if (tool.delegate) return this.core.delegated(tool.delegate, exchange, "tools/call");
    return this.core.runner.run(exchange, tool);
  }
}

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

/** A `tools/call` on its way through the steps: the exchange, its tool resolved. */
export type ToolCall = Exchange & { readonly tool: ToolComponent };

type ToolStep = Step<ToolCall, Outcome>;

/** The `tools/call` path of one server. */
export class ToolCalls {
  readonly #call: (call: ToolCall) => Outcome;
  readonly #run = (call: ToolCall): Outcome => {
    const { tool } = call;
    if (tool.delegate) return this.core.delegated(tool.delegate, call, "tools/call");
    return this.core.runner.run(call, tool);
  };

  /** Composes the steps for a server. */
  constructor(private readonly core: ServerCore) {
    // The order a reader needs, in one place; each step calls `next` to go on.
    const steps: ToolStep[] = [
      // A task-enabled tool may become a task here, answered at once with the task.
      (call, next) => core.tasks.gate(call, next),
      // 2026 input rounds (sealed state in, input-required out); the 2025 shim for InputRequired.
      (call, next) => core.rounds.run(call, next as (exchange: Exchange) => Outcome),
    ];
    this.#call = compose(steps, this.#run);
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
    if (found instanceof Promise) return found.then((tool) => resolved(exchange, name, tool));
    return resolved(exchange, name, found);
  }

  /** `tools/call` from a client. */
  call(exchange: Exchange): MaybePromise<JsonObject> {
    const tool = this.resolve(exchange);
    const call = exchange as ToolCall;
    return (tool instanceof Promise ? tool.then(() => this.#call(call)) : this.#call(call)) as MaybePromise<
      JsonObject
    >;
  }

  /** A tool call inside its MCP task: middleware, then the run (no gate, no rounds). */
  runTask(exchange: Exchange): Outcome {
    return withMiddleware(this.core, exchange, (ex) => this.runResolved(ex) as MaybePromise<JsonObject>);
  }

  /** A call a parent server delegates here: the gate and rounds were the parent's. */
  runResolved(exchange: Exchange): Outcome {
    const tool = this.resolve(exchange);
    const call = exchange as ToolCall;
    return tool instanceof Promise ? tool.then(() => this.#run(call)) : this.#run(call);
  }
}

function resolved(exchange: Exchange, name: string, tool: ToolComponent | undefined): ToolComponent {
  if (!tool) throw new NotFoundError(`Unknown tool: '${name}'`);
  return exchange.tool = tool;
}

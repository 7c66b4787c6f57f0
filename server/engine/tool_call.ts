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
import { compose, type MaybePromise, type Step, then } from "../middleware/compose.ts";
import { requestedVersion } from "../transforms/versions.ts";
import { refusalError } from "./authorizer.ts";
import type { Exchange } from "./exchange.ts";
import { invalidParams, type Outcome } from "./outcome.ts";
import { withMiddleware } from "./serve_request.ts";
import type { ServerCore } from "./server_core.ts";

type ToolStep = Step<Exchange, Outcome>;

/** The tool a `tools/call` resolved to (after {@link ToolCalls.resolve}). */
export function toolOf(exchange: Exchange): ToolComponent {
  return exchange.target as ToolComponent;
}

/** A tool the caller may not use, as a request remembers it. */
class Refused {
  constructor(readonly name: string, readonly error: Error) {}
}

/** The `tools/call` path of one server. */
export class ToolCalls {
  readonly #call: (exchange: Exchange) => Outcome;
  readonly #run = (exchange: Exchange): Outcome => {
    const tool = toolOf(exchange);
    if (tool.delegate) return this.core.delegated(tool.delegate, exchange, "tools/call");
    return this.core.runner.run(exchange, tool);
  };

  /** Composes the steps for a server. */
  constructor(private readonly core: ServerCore) {
    // The order a reader needs, in one place; each step calls `next` to go on.
    const steps: ToolStep[] = [
      // A task-enabled tool may become a task here, answered at once with the task.
      (exchange, next) => core.tasks.gate(exchange, toolOf(exchange), next),
      // 2026 input rounds (sealed state in, input-required out); the 2025 shim for InputRequired.
      (exchange, next) => core.rounds.run(exchange, next),
    ];
    this.#call = compose(steps, this.#run);
  }

  /** Resolves the tool a request names, once: a second ask returns the first answer. */
  resolve(exchange: Exchange): MaybePromise<ToolComponent> {
    const { name } = exchange.params;
    if (typeof name !== "string") throw invalidParams("tools/call needs a tool name");
    const known = exchange.target as ToolComponent | Refused | undefined;
    if (known?.name === name) {
      if (known instanceof Refused) throw known.error;
      return known;
    }
    const found = this.core.catalog.tool(
      name,
      requestedVersion(exchange.params),
      exchange.session?.visibility,
    );
    if (found instanceof Promise) return found.then((tool) => this.#admitted(exchange, name, tool));
    return this.#admitted(exchange, name, found);
  }

  /** The tool, once the caller may use it (an unknown tool and a hidden one get the same answer). */
  #admitted(exchange: Exchange, name: string, tool: ToolComponent | undefined): MaybePromise<ToolComponent> {
    if (!tool) throw new NotFoundError(`Unknown tool: '${name}'`);
    const refusal = this.core.authorizer.check(tool, exchange.facts);
    if (refusal === undefined) {
      exchange.target = tool;
      return tool;
    }
    return then(refusal, (refused) => {
      if (refused) {
        const error = refusalError(
          refused,
          `Tool '${name}'`,
          () => new NotFoundError(`Unknown tool: '${name}'`),
        );
        // Resolved again later in the request (HTTP checks it first): refused again, checks not rerun.
        exchange.target = new Refused(name, error);
        throw error;
      }
      exchange.target = tool;
      return tool;
    });
  }

  /** `tools/call` from a client. */
  call(exchange: Exchange): MaybePromise<JsonObject> {
    const tool = this.resolve(exchange);
    return (tool instanceof Promise
      ? tool.then(() => this.#call(exchange))
      : this.#call(exchange)) as MaybePromise<
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
    return tool instanceof Promise ? tool.then(() => this.#run(exchange)) : this.#run(exchange);
  }
}

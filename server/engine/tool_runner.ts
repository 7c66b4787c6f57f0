/**
 * Running a tool: validated arguments in, a `CallToolResult` out, inline or in the worker pool,
 * with timeouts, error conversion, output-schema checks and an `execute_tool` span.
 *
 * @module
 */

import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ProtocolError } from "../../protocol/errors.ts";
import { ErrorCode, isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import type { ToolComponent } from "../components/tool.ts";
import { toCallToolResult } from "../components/content.ts";
import { Context } from "../context.ts";
import type { ServerCore } from "./server_core.ts";
import { errorMessage, logLevelOf, McpError, ToolError } from "../errors.ts";
import type { Exchange } from "./exchange.ts";
import { InputRequired, InputRequiredSignal } from "./input_state.ts";
import { invalidParams, type MaybePromise, type Outcome, validateOwn } from "./outcome.ts";
import type { Validation } from "../components/schema.ts";
import { StartTaskSignal } from "../tasks/wire.ts";
import { ModuleUnavailableError, type WorkerPool } from "../workers/pool.ts";

/** Runs one resolved tool. */
export class ToolRunner {
  /** Creates the runner of a server. */
  constructor(private readonly host: ServerCore) {}

  /** Validates the arguments of `exchange` and runs `tool` with them. */
  run(exchange: Exchange, tool: ToolComponent): Outcome {
    const rawArgs = exchange.params.arguments ?? {};
    if (!isObject(rawArgs)) throw invalidParams(`tools/call '${tool.name}': arguments must be an object`);
    const checked = validateOwn(tool.input, rawArgs);
    return checked instanceof Promise
      ? checked.then((c) => this.#runTool(exchange, tool, c))
      : this.#runTool(exchange, tool, checked);
  }

  #runTool(exchange: Exchange, tool: ToolComponent, checked: Validation): Outcome {
    if (!checked.ok) {
      // SEP-1303: argument errors are tool results, so the model can correct its call.
      return {
        content: [{ type: "text", text: `Invalid arguments for tool '${tool.name}': ${checked.message}` }],
        isError: true,
      };
    }
    const pool = tool.runsInThread && tool.module ? this.host.pool : undefined;
    const telemetry = this.host.telemetry;
    if (!telemetry.enabled) return this.#execute(exchange, tool, checked.value, pool);
    const attributes = {
      "gen_ai.tool.name": tool.name,
      "gen_ai.operation.name": "execute_tool",
      "denomcp.execution": pool ? "worker" : "inline",
    };
    return telemetry.within(`execute_tool ${tool.name}`, SpanKind.INTERNAL, attributes, (span) => {
      const mark = (out: JsonObject | InputRequired) => {
        if (!(out instanceof InputRequired) && out.isError) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: "the tool reported an error" });
          span.setAttribute("error.type", "tool_error");
        }
        return out;
      };
      const out = this.#execute(exchange, tool, checked.value, pool);
      return out instanceof Promise ? out.then(mark) : mark(out);
    });
  }

  #execute(exchange: Exchange, tool: ToolComponent, args: unknown, pool: WorkerPool | undefined): Outcome {
    if (pool) return this.#runInPool(pool, exchange, tool, args);
    let value: unknown;
    const started = tool.timeoutMs ? performance.now() : 0;
    try {
      value = tool.handler(args as never, new Context(exchange, this.host));
    } catch (error) {
      return this.#toolFailure(tool.name, error);
    }
    if (value instanceof Promise) {
      const pending = tool.timeoutMs ? withTimeout(value, tool.timeoutMs, tool.name, exchange) : value;
      return pending.then((v) => this.#toolResult(tool, v), (e) => this.#toolFailure(tool.name, e));
    }
    if (tool.timeoutMs && performance.now() - started > tool.timeoutMs) {
      // Nothing interrupts a synchronous handler on this thread; it still does not get to answer late.
      this.host.log(
        "warning",
        `tool '${tool.name}' ran synchronously on the main thread past its timeoutMs (${tool.timeoutMs}); ` +
          "make it async or let it run in a worker so that the timeout can stop it",
      );
      return this.#toolFailure(
        tool.name,
        new ToolError(`Tool '${tool.name}' timed out after ${tool.timeoutMs} ms`),
      );
    }
    return this.#toolResult(tool, value);
  }

  /** Runs a synchronous tool in the worker pool; logs and progress it reports reach the client here. */
  #runInPool(
    pool: WorkerPool,
    exchange: Exchange,
    tool: ToolComponent,
    args: unknown,
  ): Promise<JsonObject | InputRequired> {
    return pool.run({
      module: tool.module!,
      server: this.host.serverInfo.name,
      // A renamed copy (a namespace) runs under the name its server defined.
      tool: (tool.origin as ToolComponent | undefined)?.name ?? tool.name,
      version: tool.version,
      args,
      facts: exchange.facts,
      input: exchange.input
        ? { responses: exchange.input.responses, userState: exchange.input.userState }
        : undefined,
      send: (message) => exchange.send(message),
      signal: exchange.signal,
      timeoutMs: tool.timeoutMs,
    }).then(
      (outcome): MaybePromise<JsonObject | InputRequired> => {
        // The worker's own time, so that queueing and messaging are visible beside it.
        trace.getActiveSpan()?.setAttribute("denomcp.worker.duration_ms", outcome.durationMs);
        return "input" in outcome
          ? new InputRequired(outcome.input as ConstructorParameters<typeof InputRequired>[0])
          : this.#checkOutput(tool, outcome.result as unknown as JsonObject);
      },
      (error) => {
        if (!(error instanceof ModuleUnavailableError)) return this.#toolFailure(tool.name, error);
        // The tool's module cannot serve it from a worker (defined inside a function, say): run it here from now on.
        tool.module = undefined;
        this.host.log(
          "warning",
          `tool '${tool.name}' runs inline instead of in the worker pool: ${error.message}`,
        );
        return this.#execute(exchange, tool, args, undefined);
      },
    );
  }

  /** A failed tool: protocol errors propagate, anything else is an `isError` result. */
  #toolFailure(name: string, error: unknown): JsonObject {
    if (
      error instanceof ProtocolError || error instanceof InputRequiredSignal ||
      error instanceof StartTaskSignal
    ) {
      throw error;
    }
    this.host.log(logLevelOf(error), `tool '${name}' failed: ${errorMessage(error)}`);
    const text = error instanceof ToolError
      ? error.message
      : this.host.maskErrorDetails
      ? `Error calling tool '${name}'`
      : `Error calling tool '${name}': ${errorMessage(error)}`;
    return { content: [{ type: "text", text }], isError: true };
  }

  #toolResult(tool: ToolComponent, value: unknown): Outcome {
    if (value instanceof InputRequired) return value;
    return this.#checkOutput(tool, toCallToolResult(value, tool.wrapsResult) as unknown as JsonObject);
  }

  #checkOutput(tool: ToolComponent, result: JsonObject): MaybePromise<JsonObject> {
    if (!tool.output || result.isError) return result;
    const check = (out: Validation) => {
      if (out.ok) return result;
      throw new McpError(
        ErrorCode.InternalError,
        `tool '${tool.name}' returned structured content that does not match its output schema: ${out.message}`,
      );
    };
    const out = tool.output.validate(result.structuredContent);
    return out instanceof Promise ? out.then(check) : check(out);
  }
}

/** Fails a call after `ms`, and aborts `ctx.signal` so the handler can stop its work. */
function withTimeout<T>(promise: Promise<T>, ms: number, name: string, exchange: Exchange): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ToolError(`Tool '${name}' timed out after ${ms} ms`);
      // Reject first: a handler that stops on the abort must not win the race with its own result.
      reject(error);
      exchange.stop?.(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Running a request in the server that defines its component (a mounted server): the parent
 * has resolved a delegated component; the child runs its own middleware with its own names, then
 * its own handler, under a `delegate {name}` span. Input rounds and the task gate stay the
 * parent's: the child sees the parent's exchange, with its params in the child's names.
 *
 * @module
 */

import { SpanKind } from "@opentelemetry/api";
import type { JsonObject, JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { Component } from "../components/common.ts";
import type { Session } from "../sessions/session.ts";
import type { Exchange } from "./exchange.ts";
import type { RequestFacts } from "./facts.ts";
import type { InputRequest, InputRequired, InputRound } from "./input_state.ts";
import { requestContext } from "./serve_request.ts";
import type { ServerCore } from "./server_core.ts";

/** The methods a parent delegates. */
export type DelegatedMethod = "tools/call" | "resources/read" | "prompts/get";

/**
 * The parent's exchange as the child sees it: the same request, its params in the child's names.
 * With `nested` facts it is instead a call a handler makes (`ctx.callTool`): a request of its own
 * method, which never becomes a task and has no input rounds of its own.
 */
export class DelegatedExchange implements Exchange {
  constructor(
    private readonly outer: Exchange,
    public params: JsonObject,
    private readonly nested?: RequestFacts,
  ) {}

  get facts(): RequestFacts {
    return this.nested ?? this.outer.facts;
  }
  get session(): Session | undefined {
    return this.outer.session;
  }
  get signal(): AbortSignal {
    return this.outer.signal;
  }
  get httpRequest(): Request | undefined {
    return this.outer.httpRequest;
  }
  get input(): InputRound | undefined {
    return this.nested ? undefined : this.outer.input;
  }
  set input(round: InputRound | undefined) {
    if (!this.nested) this.outer.input = round;
  }
  get taskEligible(): boolean | undefined {
    return this.nested ? false : this.outer.taskEligible;
  }
  send(message: JsonRpcMessage): void {
    this.outer.send(message);
  }
  closeSseStream(retryMs?: number): void {
    this.outer.closeSseStream?.(retryMs);
  }
  get ask(): ((request: InputRequest, key: string) => Promise<JsonObject>) | undefined {
    const ask = this.outer.ask;
    return ask ? (request, key) => ask.call(this.outer, request, key) : undefined;
  }
  stop(reason: unknown): void {
    this.outer.stop?.(reason);
  }
}

/** Runs `method` for `component` in `child`, as `exchange` asked the parent. */
export function runDelegated(
  child: ServerCore,
  component: Component,
  exchange: Exchange,
  method: DelegatedMethod,
  childUri?: string,
): Promise<JsonObject | InputRequired> {
  const params: JsonObject = method === "resources/read"
    ? { ...exchange.params, uri: childUri ?? component.identifier }
    : { ...exchange.params, name: component.identifier };
  const inner = new DelegatedExchange(exchange, params);
  const last = (ex: Exchange): Promise<JsonObject | InputRequired> =>
    Promise.resolve(
      method === "tools/call"
        ? child.tools.runResolved(ex)
        : method === "prompts/get"
        ? child.methods.getPrompt(ex)
        : child.methods.readResource(ex),
    );
  const run = (): Promise<JsonObject | InputRequired> => {
    if (child.pipeline.empty) return last(inner);
    const context = { ...requestContext(inner, child), method };
    return Promise.resolve(child.pipeline.run(context, (c) => {
      inner.params = c.params;
      return last(inner) as Promise<JsonObject>;
    })) as Promise<JsonObject | InputRequired>;
  };
  const telemetry = child.telemetry;
  if (!telemetry.enabled) return run();
  const name = method === "resources/read" ? String(params.uri) : component.identifier;
  return telemetry.within(`delegate ${name}`, SpanKind.INTERNAL, {
    "mcp.method.name": method,
    "denomcp.provider.type": "mount",
    "denomcp.component.key": component.key,
    "denomcp.server.name": child.serverInfo.name,
  }, run);
}

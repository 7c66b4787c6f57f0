/**
 * Multi round-trip orchestration around handlers that may need client input: on 2026-07-28 the
 * sealed state is opened and an input-required result built when the handler stops for input;
 * on 2025 a returned `InputRequired` is answered by asking the client over the session.
 *
 * @module
 */

import { trace } from "@opentelemetry/api";
import { ErrorCode, isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import type { RequestStateCodec } from "./input_state.ts";
import { McpError } from "../errors.ts";
import type { Exchange } from "./exchange.ts";
import {
  assertClientSupports,
  type InputRequest,
  InputRequired,
  InputRequiredSignal,
  InputRound,
} from "./input_state.ts";
import { invalidParams, type MaybePromise, type Outcome } from "./outcome.ts";

/** What the rounds need from their server. */
export interface RoundHost {
  readonly codec: RequestStateCodec;
  readonly maxInputRounds: number;
  readonly clientRequestTimeoutMs: number;
}

/** Runs handlers across input rounds. */
export class RoundRunner {
  /** Creates the orchestration of a server. */
  constructor(private readonly host: RoundHost) {}

  /**
   * Runs a handler that may need client input. On 2026 requests the round's state is opened
   * first and an input-required result is built when the handler stops for input; on 2025
   * requests a returned `InputRequired` is answered by asking the client directly.
   */
  run(exchange: Exchange, run: (ex: Exchange) => Outcome): MaybePromise<JsonObject> {
    if (exchange.facts.era === "legacy") {
      const out = run(exchange);
      if (out instanceof Promise) return out.then((o) => this.#legacyRounds(exchange, run, o));
      return out instanceof InputRequired ? this.#legacyRounds(exchange, run, out) : out;
    }
    const { requestState, inputResponses } = exchange.params;
    if (requestState === undefined && inputResponses === undefined) return this.#modernRound(exchange, run);
    if (inputResponses !== undefined && !isObject(inputResponses)) {
      throw invalidParams("inputResponses must be an object");
    }
    const start = (opened: { answers: Record<string, unknown>; userState?: string; rounds?: number }) => {
      const round = exchange.input = new InputRound(
        opened.answers,
        inputResponses as Record<string, unknown> | undefined,
        opened.userState,
      );
      round.rounds = opened.rounds ?? 0;
      return this.#modernRound(exchange, run);
    };
    return requestState === undefined
      ? start({ answers: {} })
      : this.host.codec.open(requestState, bindingOf(exchange)).then(start);
  }

  #modernRound(exchange: Exchange, run: (ex: Exchange) => Outcome): MaybePromise<JsonObject> {
    let out: Outcome;
    try {
      out = run(exchange);
    } catch (error) {
      return this.#modernError(exchange, error);
    }
    if (out instanceof Promise) {
      return out.then((o) => this.#modernValue(exchange, o), (e) => this.#modernError(exchange, e));
    }
    return this.#modernValue(exchange, out);
  }

  #modernValue(exchange: Exchange, out: JsonObject | InputRequired): MaybePromise<JsonObject> {
    if (!(out instanceof InputRequired)) return out;
    const round = exchange.input ??= new InputRound({}, undefined);
    return this.#inputRequired(exchange, round, out.init.inputRequests ?? {}, out.init.requestState);
  }

  #modernError(exchange: Exchange, error: unknown): Promise<JsonObject> {
    if (!(error instanceof InputRequiredSignal) && !exchange.input?.hasPending) throw error;
    const round = exchange.input ??= new InputRound({}, undefined);
    return this.#inputRequired(exchange, round, round.pending, undefined);
  }

  async #legacyRounds(
    exchange: Exchange,
    run: (ex: Exchange) => Outcome,
    first: JsonObject | InputRequired,
  ): Promise<JsonObject> {
    let out = first;
    for (let rounds = 0; out instanceof InputRequired; rounds++) {
      if (rounds >= this.host.maxInputRounds) throw tooManyRounds(rounds);
      const answers = await this.#askLegacy(exchange, out.init.inputRequests ?? {});
      exchange.input = new InputRound({}, answers, out.init.requestState);
      out = await run(exchange);
    }
    return out;
  }

  async #inputRequired(
    exchange: Exchange,
    round: InputRound,
    requests: Record<string, InputRequest>,
    userState: string | undefined,
  ): Promise<JsonObject> {
    for (const request of Object.values(requests)) {
      assertClientSupports(exchange.facts.clientCapabilities, request);
    }
    trace.getActiveSpan()?.addEvent("input_required", {
      "denomcp.input.methods": Object.values(requests).map((r) => r.method),
    });
    // The count travels sealed with the answers: a stateless server can bound rounds no other way.
    const rounds = round.rounds + 1;
    if (rounds > this.host.maxInputRounds) throw tooManyRounds(round.rounds);
    const result: JsonObject = { resultType: "input_required" };
    if (Object.keys(requests).length) result.inputRequests = requests;
    result.requestState = await this.host.codec.seal(round.answers, userState, bindingOf(exchange), rounds);
    return result;
  }

  async #askLegacy(
    exchange: Exchange,
    requests: Record<string, InputRequest>,
  ): Promise<Record<string, unknown>> {
    const session = exchange.session;
    if (!session) {
      throw new McpError(ErrorCode.InternalError, "client input needs a session on 2025-era requests");
    }
    const answers: Record<string, unknown> = {};
    for (const [key, request] of Object.entries(requests)) {
      assertClientSupports(exchange.facts.clientCapabilities, request);
      answers[key] = await session.request(
        (m) => exchange.send(m),
        request.method,
        request.params ?? {},
        exchange.signal,
        this.host.clientRequestTimeoutMs,
      );
    }
    return answers;
  }
}

function tooManyRounds(rounds: number): McpError {
  return new McpError(
    ErrorCode.InternalError,
    `gave up after ${rounds} rounds of client input (limits.maxInputRounds)`,
  );
}

/** What a sealed requestState is bound to: the method and the component it was issued for. */
function bindingOf(exchange: Exchange): string {
  return `${exchange.facts.method}:${exchange.params.name ?? exchange.params.uri}`;
}

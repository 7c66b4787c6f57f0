/**
 * Multi round-trip requests (2026-07-28 "input required"). A handler that needs the client
 * (elicitation, sampling, roots) is answered with an `input_required` result; the client retries
 * with `inputResponses`, and the handler runs again with the answers it collected so far.
 *
 * Everything the server needs across rounds travels in `requestState`, sealed with HMAC-SHA256
 * and bound to the method and component, so state cannot be forged, replayed onto another
 * tool, or kept past its expiry.
 *
 * @module
 */

import { ErrorCode, type JsonObject } from "../../protocol/jsonrpc.ts";
import type { ClientCapabilities } from "../../protocol/types.ts";
import { McpError } from "../errors.ts";

/** A request the server needs the client to answer before it can finish. */
export interface InputRequest {
  /** The client method to call. */
  method: "elicitation/create" | "sampling/createMessage" | "roots/list";
  /** Parameters of that call, as sent on the wire. */
  params?: JsonObject;
}

/**
 * Returned by a handler to ask for input explicitly (the low-level form of `ctx.elicit()` and
 * friends). On 2025-era requests the server sends the requests to the client itself and calls the
 * handler again with `ctx.inputResponses` filled in.
 *
 * @example
 * ```ts
 * import { FastMCP, InputRequired } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.tool("confirm", async (_args, ctx) => {
 *   const answer = ctx.inputResponses?.ok as { action: string } | undefined;
 *   if (!answer) {
 *     return new InputRequired({
 *       inputRequests: { ok: { method: "elicitation/create", params: { message: "Sure?", requestedSchema: { type: "object", properties: {} } } } },
 *       requestState: "step-1",
 *     });
 *   }
 *   return `answer: ${answer.action}, state: ${ctx.requestState}`;
 * });
 * ```
 */
export class InputRequired {
  /** The requests and the handler's own state. */
  constructor(readonly init: { inputRequests?: Record<string, InputRequest>; requestState?: string }) {
    if (!init.inputRequests && init.requestState === undefined) {
      throw new TypeError("InputRequired needs inputRequests, requestState, or both");
    }
  }
}

/** Thrown inside a handler when a transparent `ctx.elicit()`/`sample()`/`listRoots()` has no answer yet. */
export class InputRequiredSignal extends Error {
  /** Creates the signal. */
  constructor() {
    super("input required");
    this.name = "InputRequiredSignal";
  }
}

/**
 * The input state of one request: answers known so far and requests still open. Internal:
 * exported only because `Exchange.input` exposes it; not a stable API.
 */
export class InputRound {
  /** Answers from earlier rounds and this request's `inputResponses`, by key. */
  readonly answers: Record<string, unknown>;
  /** This request's own `inputResponses`. */
  readonly responses?: Record<string, unknown>;
  /** The handler's own state from the previous round (explicit form). */
  readonly userState?: string;
  /** Requests raised during this run, by key. */
  readonly pending: Record<string, InputRequest> = {};
  /** Rounds of client input taken before this one (sealed in `requestState`). */
  rounds = 0;
  #counter = 0;

  /** Creates a round from the verified state and the request's responses. */
  constructor(
    answers: Record<string, unknown>,
    responses: Record<string, unknown> | undefined,
    userState?: string,
  ) {
    this.answers = { ...answers, ...responses };
    this.responses = responses;
    this.userState = userState;
  }

  /** Key of the next transparent request, stable across re-runs because handlers run the same code. */
  nextKey(prefix: string): string {
    return `${prefix}-${++this.#counter}`;
  }

  /** True when any request is open. */
  get hasPending(): boolean {
    return Object.keys(this.pending).length > 0;
  }
}

/** Which client capability an input request needs, as `requiredCapabilities` data. */
export function requiredCapability(request: InputRequest): ClientCapabilities {
  switch (request.method) {
    case "elicitation/create":
      return (request.params?.mode === "url") ? { elicitation: { url: {} } } : { elicitation: {} };
    case "sampling/createMessage":
      return { sampling: {} };
    default:
      return { roots: {} };
  }
}

/** True when the client declared what `request` needs. A bare `elicitation: {}` means form mode. */
export function clientSupports(capabilities: ClientCapabilities, request: InputRequest): boolean {
  switch (request.method) {
    case "elicitation/create": {
      const e = capabilities.elicitation;
      if (!e) return false;
      if (request.params?.mode === "url") return e.url !== undefined;
      return e.form !== undefined || Object.keys(e).length === 0;
    }
    case "sampling/createMessage":
      return capabilities.sampling !== undefined;
    default:
      return capabilities.roots !== undefined;
  }
}

/** Throws the `-32021` error when the client lacks what `request` needs. */
export function assertClientSupports(capabilities: ClientCapabilities, request: InputRequest): void {
  if (clientSupports(capabilities, request)) return;
  const what = request.method === "roots/list" ? "roots" : request.method.split("/")[0];
  throw new McpError(ErrorCode.MissingClientCapability, `the client did not declare the ${what} capability`, {
    data: { requiredCapabilities: requiredCapability(request) },
    logLevel: "info",
  });
}

interface SealedState {
  a: Record<string, unknown>;
  /** Rounds of input the request has taken so far. */
  r?: number;
  s?: string;
  exp: number;
  b: string;
}

const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(o: object): string }).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
}

function fromB64url(text: string): Uint8Array {
  return (Uint8Array as unknown as { fromBase64(t: string, o: object): Uint8Array }).fromBase64(text, {
    alphabet: "base64url",
  });
}

/** Seals and opens `requestState` tokens: `v1.<payload>.<hmac>`. */
export class RequestStateCodec {
  #key: Promise<CryptoKey>;

  /**
   * Creates a codec. Without a secret a random per-process key is used, which is right for one
   * process; instances behind a load balancer must share `requestStateSecret`.
   */
  constructor(secret: string | Uint8Array | undefined, readonly ttlMs: number) {
    const raw = typeof secret === "string"
      ? encoder.encode(secret)
      : secret ?? crypto.getRandomValues(new Uint8Array(32));
    if (raw.byteLength < 32) throw new TypeError("requestStateSecret must be at least 32 bytes");
    this.#key = crypto.subtle.importKey(
      "raw",
      raw as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      [
        "sign",
        "verify",
      ],
    );
  }

  /** Seals the answers so far, the handler's state and the round count, bound to `binding`. */
  async seal(
    answers: Record<string, unknown>,
    userState: string | undefined,
    binding: string,
    rounds: number,
  ): Promise<string> {
    const payload: SealedState = {
      a: answers,
      r: rounds,
      exp: Math.floor((Date.now() + this.ttlMs) / 1000),
      b: binding,
    };
    if (userState !== undefined) payload.s = userState;
    const body = "v1." + b64url(encoder.encode(JSON.stringify(payload)));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(body)));
    return body + "." + b64url(mac);
  }

  /** Opens a token; any failure (format, signature, binding, expiry) is one `-32602` error. */
  async open(
    token: unknown,
    binding: string,
  ): Promise<{ answers: Record<string, unknown>; userState?: string; rounds: number }> {
    const invalid = () =>
      new McpError(ErrorCode.InvalidParams, "Invalid or expired requestState", {
        data: { reason: "invalid_request_state" },
        logLevel: "info",
      });
    if (typeof token !== "string") throw invalid();
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== "v1") throw invalid();
    let payload: SealedState;
    try {
      const ok = await crypto.subtle.verify(
        "HMAC",
        await this.#key,
        fromB64url(parts[2]) as Uint8Array<ArrayBuffer>,
        encoder.encode(parts[0] + "." + parts[1]),
      );
      if (!ok) throw invalid();
      payload = JSON.parse(new TextDecoder().decode(fromB64url(parts[1])));
    } catch {
      throw invalid();
    }
    if (payload.b !== binding || typeof payload.exp !== "number" || payload.exp < Date.now() / 1000) {
      throw invalid();
    }
    return { answers: payload.a ?? {}, userState: payload.s, rounds: payload.r ?? 0 };
  }
}

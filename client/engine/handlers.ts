/**
 * The client's answers to the server's questions (sampling, elicitation, roots) and where its
 * log messages go. A call may bring its own handlers (a proxy relays each upstream question to
 * the downstream client of that call); the client's options are the fallback.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { ErrorCode, isObject } from "../../protocol/jsonrpc.ts";
import type { ClientCapabilities, LoggingLevel } from "../../protocol/types.ts";
import { McpError } from "../errors.ts";
import type {
  ClientOptions,
  ElicitationHandler,
  LogMessage,
  RootsOption,
  SamplingHandler,
} from "../types.ts";

/** Handlers of one call, over the client's own. */
export interface CallHandlers {
  /** Answers `sampling/createMessage` during this call. */
  sampling?: SamplingHandler;
  /** Answers `elicitation/create` during this call. */
  elicitation?: ElicitationHandler;
  /** Answers `roots/list` during this call. */
  roots?: RootsOption;
  /** Receives the log messages the server sends during this call. */
  onLog?: (message: LogMessage) => void;
}

/** The client-wide handlers and the capabilities they declare. */
export class ClientHandlers {
  readonly #options: ClientOptions;
  readonly #server?: string;
  /** Capabilities declared from the handlers configured. */
  readonly capabilities: ClientCapabilities;

  /** Handlers from the client's options; `server` names the entry in messages. */
  constructor(options: ClientOptions, server?: string) {
    this.#options = options;
    this.#server = server;
    const capabilities: Record<string, unknown> = {};
    if (options.sampling) capabilities.sampling = {};
    if (options.elicitation) capabilities.elicitation = { form: { applyDefaults: true } };
    if (options.roots) capabilities.roots = { listChanged: true };
    if (options.extensions) capabilities.extensions = { ...options.extensions };
    this.capabilities = capabilities as ClientCapabilities;
  }

  /** Answers one question of the server. */
  async answer(
    method: string,
    params: JsonObject,
    signal: AbortSignal,
    scope?: CallHandlers,
  ): Promise<JsonObject> {
    const context = { signal, ...(this.#server ? { server: this.#server } : {}) };
    switch (method) {
      case "sampling/createMessage": {
        const handler = scope?.sampling ?? this.#options.sampling;
        if (!handler) break;
        return await handler(params as never, context) as unknown as JsonObject;
      }
      case "elicitation/create": {
        const handler = scope?.elicitation ?? this.#options.elicitation;
        if (!handler) break;
        const request = { ...params } as Parameters<ElicitationHandler>[0];
        const answer = await handler(request, context) as unknown as JsonObject;
        return withDefaults(answer, params);
      }
      case "roots/list": {
        const roots = scope?.roots ?? this.#options.roots;
        if (!roots) break;
        return { roots: typeof roots === "function" ? await roots() : roots };
      }
    }
    throw new McpError(ErrorCode.MethodNotFound, `the client does not handle ${method}`);
  }

  /** Hands a `notifications/message` to the call's log handler, else the client's. */
  log(params: JsonObject, scope?: CallHandlers): void {
    const onLog = scope?.onLog ?? this.#options.onLog;
    if (!onLog) return;
    const { level, logger, data } = params as { level: LoggingLevel; logger?: string; data: unknown };
    onLog({
      level,
      ...(typeof logger === "string" ? { logger } : {}),
      data,
      ...(this.#server ? { server: this.#server } : {}),
    });
  }

  /**
   * Answers every request of a 2026-07-28 `input_required` result, by key. A question the client
   * cannot answer is answered with an error object, which is what the server then sees.
   */
  async inputResponses(
    requests: unknown,
    options: { signal?: AbortSignal; handlers?: CallHandlers },
  ): Promise<JsonObject | undefined> {
    if (!isObject(requests)) return undefined;
    const signal = options.signal ?? new AbortController().signal;
    const entries = await Promise.all(
      Object.entries(requests).map(async ([key, request]) => {
        if (!isObject(request) || typeof request.method !== "string") {
          throw new McpError(ErrorCode.InvalidParams, `input request '${key}' has no method`);
        }
        const params = isObject(request.params) ? request.params : {};
        return [key, await this.answer(request.method, params, signal, options.handlers)] as const;
      }),
    );
    return Object.fromEntries(entries);
  }
}

/**
 * Fills the defaults of the requested schema into an accepted form answer (the client declares
 * `elicitation.form.applyDefaults`).
 */
function withDefaults(answer: JsonObject, params: JsonObject): JsonObject {
  if (answer.action !== "accept" || !isObject(params.requestedSchema)) return answer;
  const properties = params.requestedSchema.properties;
  if (!isObject(properties)) return answer;
  const content: JsonObject = { ...(isObject(answer.content) ? answer.content : {}) };
  for (const [name, schema] of Object.entries(properties)) {
    if (content[name] === undefined && isObject(schema) && schema.default !== undefined) {
      content[name] = schema.default;
    }
  }
  return { ...answer, content };
}

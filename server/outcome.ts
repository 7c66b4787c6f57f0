/**
 * Shapes shared by the dispatcher, the tool runner and the input rounds.
 *
 * @module
 */

import { ErrorCode, type JsonObject } from "../protocol/jsonrpc.ts";
import { McpError } from "./errors.ts";
import type { InputRequired } from "./input_required.ts";

/** A value, or a promise of it: synchronous handlers stay synchronous on the hot path. */
export type MaybePromise<T> = T | Promise<T>;

/** What a handler that may need client input produces. */
export type Outcome = MaybePromise<JsonObject | InputRequired>;

/** A `-32602` error with a message naming the problem. */
export function invalidParams(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, message, { logLevel: "info" });
}

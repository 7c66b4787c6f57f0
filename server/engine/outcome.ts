/**
 * Shapes shared by the method table, the tool steps and the input rounds.
 *
 * @module
 */

import { ErrorCode, type JsonObject } from "../../protocol/jsonrpc.ts";
import { McpError } from "../errors.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import type { InputRequired } from "./input_state.ts";

export type { MaybePromise };

/** What a handler that may need client input produces. */
export type Outcome = MaybePromise<JsonObject | InputRequired>;

/** A `-32602` error with a message naming the problem. */
export function invalidParams(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, message, { logLevel: "info" });
}

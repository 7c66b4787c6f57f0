/**
 * What the main isolate and a pool worker say to each other.
 *
 * @module
 */

import type { JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { CallToolResult, LoggingLevel } from "../../protocol/types.ts";
import type { RequestFacts } from "../engine/facts.ts";

/** 2026-07-28 input rounds: this round's responses and the handler's own state. */
export interface WorkerInput {
  responses?: Record<string, unknown>;
  userState?: string;
}

/** A call to run. Arguments were validated in the main isolate and are not validated again. */
export interface RunMessage {
  type: "run";
  job: number;
  module: string;
  server: string;
  tool: string;
  /** The tool's version, when it has one. */
  version?: string;
  args: unknown;
  facts: RequestFacts;
  input?: WorkerInput;
}

/** Messages from a worker. */
export type WorkerMessage =
  /** The tool was found and its handler starts now (its timeout counts from here). */
  | { type: "started"; job: number }
  | { type: "send"; job: number; message: JsonRpcMessage }
  | { type: "result"; job: number; result: CallToolResult; durationMs: number }
  | {
    type: "input";
    job: number;
    init: { inputRequests?: Record<string, unknown>; requestState?: string };
    durationMs: number;
  }
  | {
    type: "error";
    job: number;
    message: string;
    toolError: boolean;
    logLevel?: LoggingLevel;
    /** The module could not be imported, or does not define the tool at load time. */
    unavailable?: boolean;
  };

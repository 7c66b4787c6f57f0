/**
 * What the main isolate and a pool worker say to each other.
 *
 * @module
 */

import type {
  CallToolResult,
  ClientCapabilities,
  Implementation,
  LoggingLevel,
} from "../../protocol/types.ts";
import type { Era } from "../../protocol/versions.ts";

/** Request facts a worker's context exposes. */
export interface WorkerFacts {
  requestId: string | number;
  sessionId?: string;
  protocolVersion: string;
  era: Era;
  clientInfo?: Implementation;
  clientCapabilities: ClientCapabilities;
  /** 2026-07-28 input rounds: this round's responses and the handler's own state. */
  inputResponses?: Record<string, unknown>;
  requestState?: string;
  /** The MCP task the call runs in, if any. */
  taskId?: string;
}

/** A call to run. Arguments were validated in the main isolate and are not validated again. */
export interface RunMessage {
  type: "run";
  job: number;
  module: string;
  server: string;
  tool: string;
  args: unknown;
  facts: WorkerFacts;
}

/** Messages from a worker. */
export type WorkerMessage =
  | { type: "log"; job: number; level: LoggingLevel; data: unknown; logger?: string }
  | { type: "progress"; job: number; progress: number; total?: number; message?: string }
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

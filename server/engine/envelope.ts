/**
 * The 2026-07-28 request envelope (`params._meta`), validated the same way on every transport.
 *
 * @module
 */

import { ErrorCode, type JsonObject } from "../../protocol/jsonrpc.ts";
import {
  CLIENT_CAPABILITIES_KEY,
  CLIENT_INFO_KEY,
  LOG_LEVEL_KEY,
  PROTOCOL_VERSION_KEY,
} from "../../protocol/meta_keys.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../../protocol/types.ts";
import { MODERN_PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import { McpError } from "../errors.ts";
import { isLogLevel } from "../logger.ts";

/** A valid envelope. */
export interface Envelope {
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo?: Implementation;
  logLevel?: LoggingLevel;
}

/** True when a message claims the 2026 wire (its `_meta` names a protocol version). */
export function claimsModern(params: unknown): boolean {
  const meta = (params as JsonObject | undefined)?._meta;
  return typeof meta === "object" && meta !== null && PROTOCOL_VERSION_KEY in meta;
}

/**
 * Reads the envelope. Missing or malformed keys are `-32602`; `headerVersion` (HTTP only) must
 * match the claim (`-32020`); the version must be served (`-32022`). The order is the
 * specification's: a malformed envelope is reported before any header disagreement.
 */
export function readEnvelope(params: JsonObject, headerVersion?: string | null): Envelope {
  const meta = params._meta;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      "Invalid params: _meta with the request envelope is required",
    );
  }
  const m = meta as JsonObject;
  const protocolVersion = m[PROTOCOL_VERSION_KEY];
  if (typeof protocolVersion !== "string") {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Invalid params: _meta["${PROTOCOL_VERSION_KEY}"] is required`,
    );
  }
  const capabilities = m[CLIENT_CAPABILITIES_KEY];
  if (typeof capabilities !== "object" || capabilities === null || Array.isArray(capabilities)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Invalid params: _meta["${CLIENT_CAPABILITIES_KEY}"] is required`,
    );
  }
  const logLevel = m[LOG_LEVEL_KEY];
  if (logLevel !== undefined && !isLogLevel(logLevel)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Invalid params: _meta["${LOG_LEVEL_KEY}"] is not a log level`,
    );
  }
  if (headerVersion !== undefined && (headerVersion === null || headerVersion.trim() !== protocolVersion)) {
    throw new McpError(
      ErrorCode.HeaderMismatch,
      `Header mismatch: MCP-Protocol-Version '${
        headerVersion ?? "(missing)"
      }' does not match _meta protocol version '${protocolVersion}'`,
    );
  }
  if (!MODERN_PROTOCOL_VERSIONS.includes(protocolVersion)) {
    throw new McpError(ErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version", {
      data: { supported: [...MODERN_PROTOCOL_VERSIONS], requested: protocolVersion },
    });
  }
  const clientInfo = m[CLIENT_INFO_KEY];
  return {
    protocolVersion,
    clientCapabilities: capabilities as ClientCapabilities,
    clientInfo: typeof clientInfo === "object" && clientInfo !== null
      ? clientInfo as Implementation
      : undefined,
    logLevel: logLevel as LoggingLevel | undefined,
  };
}

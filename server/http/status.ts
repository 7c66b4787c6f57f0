/**
 * The one table from JSON-RPC error codes to HTTP statuses. On 2026-07-28 an error that the
 * specification sends as an HTTP error gets its status; everything a handler answers is 200
 * (the JSON-RPC error is the answer). A request refused before it ran is a 400.
 *
 * @module
 */

import { ErrorCode, type JsonRpcResponse } from "../../protocol/jsonrpc.ts";

/** A frozen table without a prototype: `table[code]` finds its own entries and nothing else. */
function table(entries: Record<number, number>): Readonly<Record<number, number>> {
  return Object.freeze(Object.assign(Object.create(null), entries));
}

/** HTTP statuses of JSON-RPC error codes on the 2026-07-28 wire. */
export const MODERN_STATUS: Readonly<Record<number, number>> = table({
  [ErrorCode.ParseError]: 400,
  [ErrorCode.InvalidRequest]: 400,
  [ErrorCode.MethodNotFound]: 404,
  [ErrorCode.HeaderMismatch]: 400,
  [ErrorCode.MissingClientCapability]: 400,
  [ErrorCode.UnsupportedProtocolVersion]: 400,
});

/** HTTP statuses of JSON-RPC error codes on the 2025 wire (where most errors are answers). */
export const LEGACY_STATUS: Readonly<Record<number, number>> = table({
  [ErrorCode.ParseError]: 400,
  [ErrorCode.HeaderMismatch]: 400,
});

/** The status of an answered 2026 request. */
export function modernStatus(response: JsonRpcResponse): number {
  const code = response.error?.code;
  return code === undefined ? 200 : MODERN_STATUS[code] ?? 200;
}

/** The status of a request refused before it ran: its code's, or 400. */
export function refusedStatus(response: JsonRpcResponse): number {
  const code = response.error?.code;
  return code === ErrorCode.MethodNotFound ? 404 : 400;
}

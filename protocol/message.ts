/**
 * The one message decoder: every transport and every batch entry turns its JSON into a
 * {@link Decoded} here, so that a message is valid or invalid for the same reasons everywhere.
 *
 * Rules (JSON-RPC 2.0 as MCP narrows it): `jsonrpc` is `"2.0"`; an id is a string or a safe
 * integer (never `null`, never a fraction); `method` is a string; `params`, when present, is an
 * object. Only own properties count, so a key inherited from `Object.prototype` never passes for
 * a field the client did not send.
 *
 * @module
 */

import { ErrorCode, isObject, type JsonObject, type JsonRpcResponse, type RequestId } from "./jsonrpc.ts";
import { nestsDeeperThan } from "./size.ts";

/** The nesting depth a message may reach when the caller sets none (the server's `maxMessageDepth`). */
export const DEFAULT_MAX_DEPTH = 64;

/** A decoded message, or why it is not one. */
export type Decoded =
  | { readonly kind: "request"; readonly id: RequestId; readonly method: string; readonly params: JsonObject }
  | { readonly kind: "notification"; readonly method: string; readonly params: JsonObject }
  | { readonly kind: "response"; readonly response: JsonRpcResponse }
  | {
    readonly kind: "invalid";
    readonly id: RequestId | null;
    readonly code: number;
    readonly message: string;
  };

/** A decoded message that is one: a request, a notification or a response. */
export type Message = Exclude<Decoded, { kind: "invalid" }>;

/** True for a JSON-RPC id MCP accepts: a string or a safe integer. */
export function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value));
}

function invalid(id: RequestId | null, message: string, code: number = ErrorCode.InvalidRequest): Decoded {
  return { kind: "invalid", id, code, message };
}

/**
 * Decodes one parsed JSON value as a JSON-RPC message. Objects and arrays nested deeper than
 * `maxDepth` make it invalid: such a value cannot be copied to a worker or a store, and walking it
 * anywhere later would risk the stack.
 */
export function decodeMessage(value: unknown, maxDepth: number = DEFAULT_MAX_DEPTH): Decoded {
  if (!isObject(value) || value.jsonrpc !== "2.0") {
    return invalid(null, "Invalid Request: expected a JSON-RPC 2.0 message");
  }
  const hasId = Object.hasOwn(value, "id");
  const id = hasId ? value.id : undefined;
  if (hasId && !isRequestId(id)) {
    return invalid(null, "Invalid Request: id must be a string or a safe integer (at most 2^53 - 1)");
  }
  if (nestsDeeperThan(value, maxDepth)) {
    return invalid(
      (id as RequestId | undefined) ?? null,
      `Invalid Request: the message nests deeper than ${maxDepth} levels (limits.maxMessageDepth)`,
    );
  }
  const method = Object.hasOwn(value, "method") ? value.method : undefined;
  if (method === undefined && (Object.hasOwn(value, "result") || Object.hasOwn(value, "error"))) {
    if (id === undefined) return invalid(null, "Invalid Request: a response needs the id of its request");
    return { kind: "response", response: value as unknown as JsonRpcResponse };
  }
  const validId = id as RequestId | undefined;
  if (typeof method !== "string") return invalid(validId ?? null, "Invalid Request: method must be a string");
  const params = Object.hasOwn(value, "params") ? value.params : undefined;
  if (params !== undefined && !isObject(params)) {
    return invalid(validId ?? null, "Invalid Request: params must be an object");
  }
  const p = (params ?? {}) as JsonObject;
  return validId === undefined
    ? { kind: "notification", method, params: p }
    : { kind: "request", id: validId, method, params: p };
}

/**
 * Parses and decodes a text frame (an HTTP body or a stdio line). A batch (a JSON array) comes
 * back as an array of entries, each decoded by the same rules; transports decide whether they
 * accept batches at all.
 */
export function parseMessage(text: string, maxDepth: number = DEFAULT_MAX_DEPTH): Decoded | Decoded[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid(null, "Parse error: the message is not valid JSON", ErrorCode.ParseError);
  }
  return Array.isArray(value) ? value.map((v) => decodeMessage(v, maxDepth)) : decodeMessage(value, maxDepth);
}

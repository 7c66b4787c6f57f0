/**
 * The facts of 2026-07-28 HTTP routing headers (SEP-2243) that client and server share: which
 * param each method mirrors in `Mcp-Name`, and what an `x-mcp-header` annotation may be.
 *
 * @module
 */

/**
 * The param each routed method mirrors in `Mcp-Name` (and the tasks extension's taskId). A Map:
 * the key is a peer's method, which must never find `Object.prototype`'s.
 */
export const NAME_PARAM: ReadonlyMap<string, string> = new Map([
  ["tools/call", "name"],
  ["prompts/get", "name"],
  ["resources/read", "uri"],
  ["tasks/get", "taskId"],
  ["tasks/update", "taskId"],
  ["tasks/cancel", "taskId"],
]);

/** An `x-mcp-header` name: an RFC 9110 token. */
export const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Schema types whose values may be mirrored in a header (`number` may not). */
export const MIRRORABLE: ReadonlySet<string> = new Set(["string", "integer", "boolean"]);

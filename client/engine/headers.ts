/**
 * The routing headers of a 2026-07-28 HTTP request (SEP-2243): `Mcp-Method`, `Mcp-Name` for the
 * methods that name a component, and `Mcp-Param-*` for tool arguments whose schema asks to be
 * mirrored (`x-mcp-header`). A value that cannot travel as a plain header value is sent as
 * `=?base64?…?=`.
 *
 * @module
 */

import { isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import { HEADER_TOKEN, MIRRORABLE, NAME_PARAM } from "../../protocol/routing_headers.ts";

/** Printable ASCII without leading or trailing whitespace travels as it is (TAB does not: see below). */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const SENTINEL = /^=\?base64\?.*\?=$/;

/**
 * A header value for `value`: plain when it is safe ASCII, else the base64 sentinel form. Empty
 * values, values that look like the sentinel, and any TAB (which the conformance suite counts as
 * unsafe though HTTP allows it inside a value) are encoded too.
 */
export function encodeHeaderValue(value: string): string {
  if (PLAIN.test(value) && !SENTINEL.test(value)) return value;
  const bytes = new TextEncoder().encode(value);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `=?base64?${btoa(binary)}?=`;
}

/** The headers of one request: method, name, and the tool's mirrored arguments. */
export function routingHeaders(
  method: string,
  params: JsonObject,
  mirrored?: ReadonlyMap<string, readonly string[]>,
): Record<string, string> {
  const headers: Record<string, string> = { "mcp-method": method };
  const nameParam = NAME_PARAM.get(method);
  const name = nameParam === undefined ? undefined : params[nameParam];
  if (typeof name === "string") headers["mcp-name"] = encodeHeaderValue(name);
  if (mirrored && method === "tools/call" && isObject(params.arguments)) {
    for (const [header, path] of mirrored) {
      let value: unknown = params.arguments;
      for (const key of path) value = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
      if (value === undefined || value === null) continue;
      if (typeof value === "number" && !Number.isSafeInteger(value)) continue;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        headers[`mcp-param-${header}`] = encodeHeaderValue(String(value));
      }
    }
  }
  return headers;
}

/**
 * The `x-mcp-header` annotations of a tool's input schema, header name (lowercase) → argument
 * path; `undefined` when an annotation is invalid (a tool the client must not call over 2026 HTTP:
 * the server would refuse it, so it is left out of listings).
 */
export function mirroredArguments(inputSchema: unknown): Map<string, string[]> | undefined {
  const out = new Map<string, string[]>();
  let valid = true;
  // Declarations are only meaningful on properties reached through `properties`; one anywhere else
  // (the root, items, compositions, $defs …) makes the tool invalid.
  const visit = (node: unknown, viaProperties: boolean): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(item, false));
    if (!isObject(node)) return;
    if (!viaProperties && node["x-mcp-header"] !== undefined) valid = false;
    for (const [key, child] of Object.entries(node)) {
      if (key === "properties" && isObject(child)) Object.values(child).forEach((c) => visit(c, true));
      else visit(child, false);
    }
  };
  const walk = (node: JsonObject, path: string[]) => {
    const properties = node.properties;
    if (!isObject(properties)) return;
    for (const [key, child] of Object.entries(properties)) {
      if (!isObject(child)) continue;
      const header = child["x-mcp-header"];
      if (header !== undefined) {
        const lower = typeof header === "string" ? header.toLowerCase() : "";
        if (!HEADER_TOKEN.test(lower) || out.has(lower) || !MIRRORABLE.has(child.type as string)) {
          valid = false;
        } else out.set(lower, [...path, key]);
      }
      walk(child, [...path, key]);
    }
  };
  if (isObject(inputSchema)) {
    visit(inputSchema, false);
    walk(inputSchema, []);
  }
  return valid ? out : undefined;
}

/**
 * 2026-07-28 request-metadata headers (`Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`): decoding of
 * `=?base64?…?=` values and the comparison with the body, which is the source of truth.
 *
 * @module
 */

import { isObject, type JsonObject } from "../../protocol/jsonrpc.ts";

const SENTINEL = /^=\?base64\?(.*)\?=$/;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a header value: surrounding whitespace dropped, base64 sentinel decoded. Undefined when invalid. */
export function decodeHeaderValue(raw: string): string | undefined {
  const value = raw.replace(/^[ \t]+|[ \t]+$/g, "");
  const m = SENTINEL.exec(value);
  if (!m) return value;
  if (!CANONICAL_BASE64.test(m[1])) return undefined;
  try {
    const bytes = (Uint8Array as unknown as { fromBase64(t: string): Uint8Array }).fromBase64(m[1]);
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The header form of a body value, for comparison; undefined when it cannot be mirrored. */
export function headerFormOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Where each `x-mcp-header` of a tool's input schema lives: header name (lowercase) → property path. */
export function mirroredParams(inputSchema: Record<string, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (schema: Record<string, unknown>, path: string[]) => {
    const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (!properties || typeof properties !== "object") return;
    for (const [key, child] of Object.entries(properties)) {
      if (typeof child !== "object" || child === null) continue;
      const header = child["x-mcp-header"];
      if (typeof header === "string" && header) out.set(`mcp-param-${header.toLowerCase()}`, [...path, key]);
      walk(child, [...path, key]);
    }
  };
  walk(inputSchema, []);
  return out;
}

/** The first mismatch between `Mcp-Param-*` headers and the arguments, as a message; undefined when all match. */
export function checkMirroredParams(
  headers: Headers,
  params: Map<string, string[]>,
  args: JsonObject,
): string | undefined {
  for (const [header, path] of params) {
    // Own properties only: an argument the client left out is absent, even one named `constructor`.
    let value: unknown = args;
    for (const key of path) value = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    const raw = headers.get(header);
    if (value === undefined || value === null) continue;
    if (raw === null) {
      return `Header mismatch: ${header} is required because the argument ${path.join(".")} is present`;
    }
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `Header mismatch: ${header} has an invalid value`;
    const expected = headerFormOf(value);
    const same = typeof value === "number" ? Number(decoded) === value : decoded === expected;
    if (!same) return `Header mismatch: ${header} does not match the argument ${path.join(".")}`;
  }
  return undefined;
}

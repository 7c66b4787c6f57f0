/**
 * What the logging middleware may print of a message: secrets redacted (by key name at any
 * depth, and credentials inside free text and URIs), payloads cut to a length with a marker.
 * Shared by `LoggingMiddleware` and `StructuredLoggingMiddleware`, so that one rule decides what
 * is a secret.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";

/** What a redacted value is replaced with. */
export const REDACTED = "[redacted]";

/** What names a secret; a key (or a name in text) containing it has its value redacted. */
const SECRET = "authorization|token|secret|password|api[-_]?key|cookie";
/** Keys whose values are never printed, whatever they hold (case-insensitive, at any depth). */
const SECRET_KEY = new RegExp(SECRET, "i");
/** A bearer token inside text (`Bearer eyJ…`): the scheme is rare enough in prose to stand alone. */
const BEARER = /\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;
/** The user-info of a URI (`https://user:pass@host`, `https://ghp_…@host`): a credential whole. */
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']+@/gi;
/**
 * A name and its value inside text: `"name": "value"` (JSON in a text block), `name=value` (a
 * query string, an env file), `Name: value` (a header). The value may be a quoted string or an
 * HTTP credential (`Basic dXNl…`). Only the values of secret names are redacted.
 */
const NAMED_VALUE = new RegExp(
  // Only secret names match, so that the value of another name never swallows a secret after it.
  `("?)([\\w.-]*(?:${SECRET})[\\w.-]*)\\1(\\s*[:=]\\s*)` +
    `((?:bearer|basic|digest)\\s+[^\\s"',;&}\\]]+|"(?:[^"\\\\\\n]|\\\\.)*"|[^\\s"',;&}\\]]+)`,
  "gi",
);
/** Deeper than any real payload: a guard, not a format. */
const MAX_DEPTH = 64;

/**
 * Text with the credentials it carries redacted: the values of secret names (in JSON, query
 * strings, headers), `Bearer` tokens, and the user-info of URIs. Everything else is left as it is.
 *
 * @example
 * ```ts
 * console.log(redactText("config://app?token=abc&page=2")); // "config://app?token=[redacted]&page=2"
 * ```
 */
export function redactText(text: string): string {
  // Cheap tests first: most strings hold none of these shapes.
  let out = text;
  if (/[:=]/.test(out)) {
    out = out.replace(NAMED_VALUE, (_, quote, name, separator, value: string) => {
      const shown = value.startsWith('"') ? `"${REDACTED}"` : REDACTED;
      return `${quote}${name}${quote}${separator}${shown}`;
    });
  }
  if (/bearer/i.test(out)) out = out.replace(BEARER, (_, scheme) => `${scheme} ${REDACTED}`);
  if (out.includes("@")) out = out.replace(USER_INFO, (_, scheme) => `${scheme}${REDACTED}@`);
  return out;
}

/**
 * A copy of `value` with secrets replaced by `"[redacted]"`: the value of every key that names a
 * secret (authorization, token, secret, password, api key, cookie) at any depth, and
 * credentials inside strings (see {@link redactText}). `value` itself is not changed.
 *
 * @example
 * ```ts
 * const safe = redact({ name: "fetch", arguments: { url: "https://x.test", api_key: "sk-1" } });
 * console.log(JSON.stringify(safe)); // {"name":"fetch","arguments":{"url":"https://x.test","api_key":"[redacted]"}}
 * ```
 */
export function redact(value: unknown): unknown {
  return redactWithin(value, new Set(), 0);
}

function redactWithin(value: unknown, path: Set<object>, depth: number): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value !== "object" || value === null) return value;
  // Wire data is a tree; a cycle or absurd depth can only come from a middleware's own object.
  if (path.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[too deep]";
  path.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactWithin(item, path, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redactWithin(item, path, depth + 1);
    }
    return out;
  } finally {
    path.delete(value);
  }
}

/**
 * `text` cut to `maxLength` characters, with a marker saying how long it was; unchanged when it
 * fits. Never splits a surrogate pair.
 *
 * @example
 * ```ts
 * console.log(truncate("abcdefghij", 4)); // "abcd…[truncated: 10 characters in all]"
 * ```
 */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let cut = maxLength;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…[truncated: ${text.length} characters in all]`;
}

/**
 * The printable form of a request's params or a result: without `_meta` (on 2026-07-28 it
 * repeats the client's envelope on every request, and would fill the length with noise),
 * redacted, as JSON, cut to `maxLength`.
 *
 * @example
 * ```ts
 * console.log(printablePayload({ arguments: { password: "hunter2" }, _meta: {} }, 100));
 * // {"arguments":{"password":"[redacted]"}}
 * ```
 */
export function printablePayload(value: unknown, maxLength: number): string {
  let shown = value;
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "_meta" in value) {
    const { _meta: _, ...rest } = value as JsonObject;
    shown = rest;
  }
  return truncate(JSON.stringify(redact(shown)) ?? String(shown), maxLength);
}

/**
 * What a request is about, for a log line: the tool or prompt name, or the resource URI (with
 * its credentials redacted); `undefined` for other methods.
 *
 * @example
 * ```ts
 * console.log(targetOf("tools/call", { name: "add" })); // "add"
 * console.log(targetOf("resources/read", { uri: "db://main?password=pw" })); // "db://main?password=[redacted]"
 * ```
 */
export function targetOf(method: string, params: JsonObject | undefined): string | undefined {
  if (method === "tools/call" || method === "prompts/get") {
    return typeof params?.name === "string" ? params.name : undefined;
  }
  if (method === "resources/read" || method === "resources/subscribe" || method === "resources/unsubscribe") {
    return typeof params?.uri === "string" ? redactText(params.uri) : undefined;
  }
  return undefined;
}

/**
 * `ResponseLimitingMiddleware`: a tool result too large for the wire becomes one text block that
 * fits, with a note saying what was cut.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { type MaybePromise, then } from "./compose.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";

/** Options of {@link ResponseLimitingMiddleware}. */
export interface ResponseLimitingOptions {
  /** The largest result, in bytes of its JSON (UTF-8). Default 1,000,000. */
  maxSize?: number;
  /**
   * What follows the text that was kept, verbatim. Default: a note giving the original size,
   * the limit, and what was dropped besides text (`structuredContent`, non-text blocks).
   */
  truncationSuffix?: string;
  /** Only these tools' results are limited. Default: every tool's. */
  tools?: readonly string[];
}

const encoder = new TextEncoder();

/** Bytes of `json` in UTF-8. */
function utf8Bytes(json: string): number {
  return encoder.encode(json).length;
}

/**
 * Bytes a character takes inside a JSON string, escaped as `JSON.stringify` escapes it, in
 * UTF-8. `code` is a code point (a lone surrogate stays one, and is escaped as `\uXXXX`).
 */
function escapedBytes(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2; // \" \\
  if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return 2;
  if (code < 0x20) return 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 6;
  return code < 0x10000 ? 3 : 4;
}

/** The bytes `text` adds inside a JSON string. */
function stringBytes(text: string): number {
  let bytes = 0;
  for (const char of text) bytes += escapedBytes(char.codePointAt(0)!);
  return bytes;
}

/** The longest prefix of `text` that takes at most `budget` bytes inside a JSON string; whole characters only. */
function prefixWithin(text: string, budget: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += escapedBytes(char.codePointAt(0)!);
    if (bytes > budget) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * Limits the size of tool results. A result whose JSON is over `maxSize` bytes (UTF-8) becomes
 * one text block: as much of the result's text (its text blocks, joined by blank lines) as fits,
 * then a note saying it was truncated from how many bytes. `structuredContent` does not survive
 * truncation (a cut value would no longer match the tool's output schema), nor do non-text
 * blocks; the note says so. `isError`, `_meta` and the other fields are kept, and the whole
 * result, note included, fits `maxSize` as it is serialized (unless `maxSize` is smaller than
 * those fields and the note alone: then the result is the note, a little over).
 *
 * Results that are not a tool's content (a task being created, a request for client input)
 * pass unchanged.
 *
 * @example
 * ```ts
 * import { FastMCP, ResponseLimitingMiddleware } from "@denomcp/denomcp";
 * const mcp = new FastMCP({
 *   name: "demo",
 *   middleware: [new ResponseLimitingMiddleware({ maxSize: 100_000, tools: ["search", "fetch_page"] })],
 * });
 * ```
 */
export class ResponseLimitingMiddleware implements Middleware {
  readonly #maxSize: number;
  readonly #suffix?: string;
  readonly #tools?: ReadonlySet<string>;
  #host?: MiddlewareHost;

  /** Creates the middleware; throws a TypeError when `maxSize` is not a positive integer. */
  constructor(options: ResponseLimitingOptions = {}) {
    const maxSize = options.maxSize ?? 1_000_000;
    if (!Number.isInteger(maxSize) || maxSize <= 0) {
      throw new TypeError(`ResponseLimitingMiddleware: maxSize must be a positive integer, got ${maxSize}`);
    }
    this.#maxSize = maxSize;
    this.#suffix = options.truncationSuffix;
    this.#tools = options.tools ? new Set(options.tools) : undefined;
  }

  /** Keeps the server, to log each truncation through its logger. */
  install(host: MiddlewareHost): void {
    this.#host = host;
  }

  /** Limits the result of the rest of the chain. */
  onCallTool(context: MiddlewareContext, next: Next): MaybePromise<JsonObject | undefined> {
    const name = String(context.params.name);
    if (this.#tools && !this.#tools.has(name)) return next(context);
    return then(next(context), (result) => this.#limit(name, result));
  }

  #limit(name: string, result: JsonObject | undefined): JsonObject | undefined {
    if (!result || !Array.isArray(result.content)) return result;
    if (result.resultType !== undefined && result.resultType !== "complete") return result;
    const serialized = JSON.stringify(result);
    // Each UTF-16 unit takes 1 to 3 bytes (a surrogate pair 4 for 2): the length often decides.
    if (serialized.length * 3 <= this.#maxSize) return result;
    const size = utf8Bytes(serialized);
    if (size <= this.#maxSize) return result;

    const { content, structuredContent, ...rest } = result;
    const blocks = content as { type?: unknown; text?: unknown }[];
    const texts = blocks.filter((b) => b?.type === "text" && typeof b.text === "string").map((b) =>
      b.text as string
    );
    const droppedBlocks = blocks.length - texts.length;
    const text = texts.join("\n\n");
    const note = this.#suffix ??
      this.#note(size, structuredContent !== undefined, droppedBlocks, text !== "");
    // The bytes of the result around the text: everything but the kept text itself.
    const frame = utf8Bytes(JSON.stringify({ ...rest, content: [{ type: "text", text: "" }] }));
    const budget = this.#maxSize - frame - stringBytes(note);
    const kept = budget > 0 ? prefixWithin(text, budget) : "";
    this.#host?.log(
      "warning",
      `tool '${name}' answered ${size} bytes, over the limit of ${this.#maxSize}; truncated`,
    );
    return { ...rest, content: [{ type: "text", text: kept + note }] };
  }

  #note(size: number, hadStructured: boolean, droppedBlocks: number, hadText: boolean): string {
    const dropped: string[] = [];
    if (hadStructured) dropped.push("structuredContent was dropped");
    if (droppedBlocks) dropped.push(`${droppedBlocks} non-text content block(s) were dropped`);
    const also = dropped.length ? `; ${dropped.join("; ")}` : "";
    const lead = hadText ? "\n\n" : "";
    return `${lead}[Response truncated from ${size} bytes to the ${this.#maxSize}-byte limit${also}]`;
  }
}

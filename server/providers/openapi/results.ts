/**
 * The API's answer as MCP content: JSON becomes structured content (when the tool has an output
 * schema) and text, text stays text, images and audio become their content blocks, anything else
 * an embedded binary resource. An HTTP error becomes a tool error carrying the status and the
 * start of the body, at most `maxErrorBodyBytes` of it.
 *
 * @module
 */

import type { CallToolResult, ContentBlock, ResourceContents } from "../../../protocol/types.ts";
import { File, toBase64 } from "../../components/content.ts";
import { ResourceError } from "../../errors.ts";
import type { ApiResponse } from "./call.ts";
import { isJsonType } from "./schemas.ts";

const decoder = new TextDecoder();

function mediaTypeOf(response: ApiResponse): string {
  return response.contentType.split(";")[0].trim().toLowerCase();
}

function isText(type: string): boolean {
  return type.startsWith("text/") || /[/+](xml|yaml|csv|javascript|html)$/.test(type) ||
    type === "application/x-www-form-urlencoded";
}

/** The body for an error message: text cut at `limit` bytes (marked), or a note for binary bodies. */
function errorBody(response: ApiResponse, limit: number): string {
  const type = mediaTypeOf(response);
  if (type && !isJsonType(type) && !isText(type)) return `(${response.bytes.byteLength} bytes of ${type})`;
  const cut = response.bytes.byteLength > limit;
  const text = decoder.decode(cut ? response.bytes.subarray(0, limit) : response.bytes);
  return cut ? `${text}… (${response.bytes.byteLength - limit} more bytes)` : text;
}

/** Whether the status is a success. */
export function succeeded(response: ApiResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

/** The message of a failed call: `HTTP 404 Not Found from GET /pets/{id}: <body>`. */
export function errorMessage(response: ApiResponse, what: string, limit: number): string {
  const body = errorBody(response, limit);
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return `${status} from ${what}${body ? `: ${body}` : ""}`;
}

/** How a tool presents its results. */
export interface ResultShape {
  /** Whether the tool has an output schema (so JSON is also structured content). */
  readonly structured: boolean;
  /** Whether structured content is wrapped in `{ result }` (non-object output schemas). */
  readonly wrapped: boolean;
  /** Bytes of an error body kept in the message. */
  readonly maxErrorBodyBytes: number;
}

/** The tool result of `response`. */
export function toolResult(response: ApiResponse, what: string, shape: ResultShape): CallToolResult {
  if (!succeeded(response)) {
    return {
      content: [{ type: "text", text: errorMessage(response, what, shape.maxErrorBodyBytes) }],
      structuredContent: { status: response.status, body: errorBody(response, shape.maxErrorBodyBytes) },
      isError: true,
    };
  }
  const type = mediaTypeOf(response);
  const text = decoder.decode(response.bytes);
  if (isJsonType(type) || (type === "" && shape.structured)) {
    let value: unknown = null;
    try {
      value = text.trim() === "" ? null : JSON.parse(text);
    } catch {
      return { content: [{ type: "text", text }] };
    }
    const result: CallToolResult = { content: [{ type: "text", text: text || "null" }] };
    if (shape.wrapped) result.structuredContent = { result: value };
    else if (shape.structured) result.structuredContent = value as Record<string, unknown>;
    return result;
  }
  if (!type || isText(type)) {
    const result: CallToolResult = { content: [{ type: "text", text }] };
    if (shape.wrapped) result.structuredContent = { result: text };
    return result;
  }
  return { content: [binaryBlock(response.bytes, type)] };
}

function binaryBlock(bytes: Uint8Array, mimeType: string): ContentBlock {
  if (mimeType.startsWith("image/")) return { type: "image", data: toBase64(bytes), mimeType };
  if (mimeType.startsWith("audio/")) return { type: "audio", data: toBase64(bytes), mimeType };
  return new File(bytes, { mimeType }).toContent();
}

/** The contents of a resource read; an HTTP error fails the read with the status and body. */
export function resourceContents(
  response: ApiResponse,
  uri: string,
  what: string,
  maxErrorBodyBytes: number,
): ResourceContents[] {
  if (!succeeded(response)) throw new ResourceError(errorMessage(response, what, maxErrorBodyBytes));
  const type = mediaTypeOf(response);
  if (!type || isJsonType(type) || isText(type)) {
    return [{ uri, mimeType: type || "text/plain", text: decoder.decode(response.bytes) }];
  }
  return [{ uri, mimeType: type, blob: toBase64(response.bytes) }];
}

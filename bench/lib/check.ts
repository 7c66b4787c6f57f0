/**
 * The `tools/call add` requests the HTTP benches send, and the check of one answer: HTTP 200,
 * plain JSON rather than SSE, the same id and the right sum.
 *
 * @module
 */

import type { WrkRequest } from "./wrk.ts";

export const MODERN = "2026-07-28";
export const LEGACY = "2025-11-25";
const ACCEPT = "application/json, text/event-stream";

/** How the client talks to a server. */
export interface CallStyle {
  /** `modern`: stateless 2026-07-28 requests; `legacy`: 2025-era requests. */
  wire: "modern" | "legacy";
  /** Initialize once and send the session id on every call. */
  session: boolean;
  /** The clientInfo name the requests carry (default `denomcp-bench`). */
  client?: string;
  /** A bearer token sent on every request (the auth targets). */
  token?: string;
}

function clientInfo(style: CallStyle): { name: string; version: string } {
  return { name: style.client ?? "denomcp-bench", version: "1.0.0" };
}

/** The tools/call body; `id` may be the wrk placeholder `__ID__`. */
export function callBody(style: CallStyle, id: number | "__ID__", a: number, b: number): string {
  const params: Record<string, unknown> = { name: "add", arguments: { a, b } };
  if (style.wire === "modern") {
    params._meta = {
      "io.modelcontextprotocol/protocolVersion": MODERN,
      "io.modelcontextprotocol/clientInfo": clientInfo(style),
      "io.modelcontextprotocol/clientCapabilities": {},
    };
  }
  const idText = id === "__ID__" ? id : JSON.stringify(id);
  return `{"jsonrpc":"2.0","id":${idText},"method":"tools/call","params":${JSON.stringify(params)}}`;
}

/** The headers of a tools/call. */
export function callHeaders(style: CallStyle, sessionId?: string): Record<string, string> {
  const h: Record<string, string> = { "Content-Type": "application/json", "Accept": ACCEPT };
  if (style.wire === "modern") {
    h["MCP-Protocol-Version"] = MODERN;
    h["Mcp-Method"] = "tools/call";
    h["Mcp-Name"] = "add";
  } else if (style.session) {
    h["MCP-Protocol-Version"] = LEGACY;
  }
  if (sessionId) h["mcp-session-id"] = sessionId;
  if (style.token) h["Authorization"] = `Bearer ${style.token}`;
  return h;
}

/** What wrk sends: `add(1, 2)` with a new id each time. */
export function wrkRequest(style: CallStyle, sessionId?: string): WrkRequest {
  return { body: callBody(style, "__ID__", 1, 2), headers: callHeaders(style, sessionId) };
}

/** initialize + notifications/initialized (2025-11-25); returns the session id. */
export async function openSession(url: string, style: CallStyle): Promise<string> {
  const base = { "Content-Type": "application/json", "Accept": ACCEPT };
  const init = await fetch(url, {
    method: "POST",
    headers: base,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: clientInfo(style) },
    }),
  });
  const text = await init.text();
  const sid = init.headers.get("mcp-session-id");
  const version = (JSON.parse(text) as { result?: { protocolVersion?: string } }).result?.protocolVersion;
  if (init.status !== 200 || !sid || version !== LEGACY) {
    throw new Error(`initialize: HTTP ${init.status}, session ${sid}, body ${text.slice(0, 300)}`);
  }
  const note = await fetch(url, {
    method: "POST",
    headers: { ...base, "MCP-Protocol-Version": LEGACY, "mcp-session-id": sid },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await note.body?.cancel();
  if (note.status !== 202) throw new Error(`notifications/initialized: HTTP ${note.status}`);
  return sid;
}

/**
 * One tools/call with random operands: HTTP 200, `application/json` (not SSE), same id, right
 * sum. Returns the framing of the answer (always `json`; anything else throws).
 */
export async function checkCall(url: string, style: CallStyle, sessionId?: string): Promise<string> {
  const a = Math.floor(Math.random() * 10_000);
  const b = Math.floor(Math.random() * 10_000);
  const id = 1 + Math.floor(Math.random() * 1e6);
  const res = await fetch(url, {
    method: "POST",
    headers: callHeaders(style, sessionId),
    body: callBody(style, id, a, b),
  });
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  const fail = (why: string) => new Error(`${why}: HTTP ${res.status} ${type}: ${text.slice(0, 300)}`);
  if (res.status !== 200) throw fail("status is not 200");
  if (!type.startsWith("application/json")) throw fail("not a plain JSON answer");
  let msg: { id?: unknown; error?: unknown; result?: { content?: { type?: string; text?: string }[] } };
  try {
    msg = JSON.parse(text);
  } catch {
    throw fail("body is not JSON");
  }
  if (msg.error !== undefined) throw fail("JSON-RPC error");
  if (msg.id !== id) throw fail(`id ${JSON.stringify(msg.id)} instead of ${id}`);
  const block = msg.result?.content?.[0];
  if (block?.type !== "text" || block.text !== String(a + b)) throw fail(`wrong sum for ${a}+${b}`);
  return "json";
}

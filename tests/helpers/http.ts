/**
 * Raw HTTP helpers for tests: build MCP POSTs for either wire and read JSON or SSE answers.
 *
 * @module
 */

import { parseSse } from "../../protocol/sse.ts";

/** The base URL `mcp.fetch` tests use (no socket involved). */
export const ENDPOINT = "http://127.0.0.1:8000/mcp";

/** Standard request headers of a spec-conformant client. */
export const CLIENT_HEADERS: Record<string, string> = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** The 2026-07-28 envelope for `params._meta`. */
export function modernMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "test", version: "1.0.0" },
    "io.modelcontextprotocol/clientCapabilities": {},
    ...extra,
  };
}

/**
 * The param each request mirrors in the `Mcp-Name` header, written here from the specification
 * instead of imported from the server, so that a wrong entry in the server's table fails these
 * tests rather than agreeing with them by construction.
 *
 * - `tools/call`, `prompts/get` → `name`, `resources/read` → `uri`: MCP 2026-07-28, Streamable
 *   HTTP, "Standard Request Headers" (SEP-2243): "`Mcp-Name` | `params.name` or `params.uri` |
 *   `tools/call`, `resources/read`, `prompts/get` requests" (modelcontextprotocol/modelcontextprotocol,
 *   docs/specification/2026-07-28/basic/transports/streamable-http.mdx; the draft is the same).
 * - `tasks/get`, `tasks/update`, `tasks/cancel` → `taskId`: the tasks extension (SEP-2663,
 *   seps/2663-tasks-extension.md, "Streamable HTTP: Routing Headers"): the client "MUST set the
 *   `Mcp-Name` header … to the value of `params.taskId`". The conformance suite does the same
 *   (modelcontextprotocol/conformance, src/connection/stateless.ts `mcpNameForRequest`, checked by
 *   src/scenarios/server/tasks/headers.ts).
 *
 * Every other method carries no `Mcp-Name`.
 */
const MCP_NAME_PARAM: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/** A 2026-07-28 POST with matching headers. */
export function modernRequest(
  method: string,
  params: Record<string, unknown> = {},
  id: number | string = 1,
  headers: Record<string, string> = {},
  url: string = ENDPOINT,
): Request {
  const routed = MCP_NAME_PARAM[method];
  const name = routed === undefined ? undefined : params[routed] as string | undefined;
  const routing: Record<string, string> = { "mcp-protocol-version": "2026-07-28", "mcp-method": method };
  if (name !== undefined) routing["mcp-name"] = name;
  return new Request(url, {
    method: "POST",
    headers: { ...CLIENT_HEADERS, ...routing, ...headers },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method,
      params: { ...params, _meta: modernMeta(params._meta as Record<string, unknown>) },
    }),
  });
}

/**
 * A 2026-07-28 notification POST: the version and method headers, and the envelope in `_meta`
 * unless `envelope` is false (to test a notification that lacks it).
 */
export function modernNotification(
  method: string,
  params: Record<string, unknown> = {},
  envelope = true,
): Request {
  return new Request(ENDPOINT, {
    method: "POST",
    headers: { ...CLIENT_HEADERS, "mcp-protocol-version": "2026-07-28", "mcp-method": method },
    body: JSON.stringify({
      jsonrpc: "2.0",
      method,
      params: envelope ? { ...params, _meta: modernMeta(params._meta as Record<string, unknown>) } : params,
    }),
  });
}

/** A 2025-era POST. */
export function legacyRequest(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(ENDPOINT, {
    method: "POST",
    headers: { ...CLIENT_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
}

/** Reads a JSON-RPC answer from a JSON or SSE response; SSE yields every message in order. */
export async function readMessages(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  if ((res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return parseSse(text).filter((e) => e.data.trim()).map((e) => JSON.parse(e.data));
  }
  return text ? [JSON.parse(text)] : [];
}

/**
 * The JSON-RPC answer of a response, JSON or SSE (a 2026 answer that is slow to come is sent as
 * SSE): the message with `result` or `error`.
 */
// deno-lint-ignore no-explicit-any -- tests read into answers freely
export async function readAnswer(res: Response): Promise<any> {
  const messages = await readMessages(res);
  const answer = messages.find((m) => "result" in m || "error" in m);
  if (!answer) throw new Error(`no JSON-RPC answer in ${JSON.stringify(messages)}`);
  return answer;
}

/** Initializes a 2025 session through `fetch` and returns its id. */
export async function openSession(
  fetch: (r: Request) => Response | Promise<Response>,
  version = "2025-11-25",
  capabilities: Record<string, unknown> = {},
): Promise<string> {
  const res = await fetch(legacyRequest({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: version, capabilities, clientInfo: { name: "test", version: "1.0.0" } },
  }));
  await res.body?.cancel();
  const id = res.headers.get("mcp-session-id");
  if (!id) throw new Error(`initialize gave no session (status ${res.status})`);
  const done = await fetch(
    legacyRequest({ jsonrpc: "2.0", method: "notifications/initialized" }, {
      "mcp-session-id": id,
      "mcp-protocol-version": version,
    }),
  );
  await done.body?.cancel();
  return id;
}

/**
 * Sends one raw HTTP/1.1 request over TCP (for headers `fetch` will not forge, such as Host)
 * and returns the status line's code and the body text.
 */
export async function rawHttp(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = new TextEncoder().encode(body);
    const head = Object.entries({
      ...headers,
      "content-length": String(bytes.byteLength),
      connection: "close",
    })
      .map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(new TextEncoder().encode(`${method} ${path} HTTP/1.1\r\n${head}\r\n${body}`));
    let text = "";
    const buf = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    const status = Number(text.slice(9, 12));
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    conn.close();
  }
}

/** A session's GET stream, read through `fetch` as it arrives. */
export interface EventStream {
  /** Everything received so far. */
  text(): string;
  /** Resolves once the stream has carried `needle`. */
  waitFor(needle: string): Promise<void>;
  /** Stops reading (the server sees the client go). */
  close(): Promise<void>;
}

/** Opens the GET stream of a 2025 session and keeps reading it. */
export async function eventStream(
  fetch: (r: Request) => Response | Promise<Response>,
  sessionId: string,
  version = "2025-11-25",
): Promise<EventStream> {
  const res = await fetch(
    new Request(ENDPOINT, {
      headers: { accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": version },
    }),
  );
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const waiters: (() => void)[] = [];
  const pump = (async () => {
    while (true) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += value;
      for (const wake of waiters.splice(0)) wake();
    }
  })();
  return {
    text: () => text,
    async waitFor(needle) {
      while (!text.includes(needle)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      await reader.cancel();
      await pump;
    },
  };
}

/**
 * Drives the exhaustion fixture (`fixtures/exhaust_server.ts`) as a real subprocess over HTTP:
 * start it with limits, post raw JSON-RPC on either wire, and read its memory after a full GC.
 * Shared by the hostile tests and the soak (`bench/soak.ts`).
 *
 * @module
 */

import type { ServerStats } from "../../mod.ts";
import { startDeno, type Started } from "../helpers/process.ts";

const FIXTURE = new URL("./fixtures/exhaust_server.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** What `/debug/memory` reports. */
export interface Memory {
  heapUsed: number;
  /** Heap V8 has reserved (RSS holds it even when the heap is mostly free). */
  heapTotal: number;
  /** Memory of ArrayBuffers and other objects held outside the heap. */
  external: number;
  rss: number;
  /** `mcp.stats()` of the server process. */
  stats: ServerStats;
}

/** A running fixture server. */
export interface Exhaust {
  readonly url: string;
  readonly port: number;
  /** Heap (after a full GC), RSS and `stats()` of the server process. */
  memory(): Promise<Memory>;
  /** What the server printed on stderr so far. */
  stderr(): string;
  /** Stops the server by its process id. */
  stop(): Promise<Deno.CommandStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the fixture with `limits`, bound to 127.0.0.1 on a free port. */
export async function startExhaust(limits: Record<string, number> = {}): Promise<Exhaust> {
  const started: Started = await startDeno(
    ["run", "-A", "--config", CONFIG, "--v8-flags=--expose-gc", FIXTURE],
    /listening (\d+)/,
    { env: { EXHAUST_LIMITS: JSON.stringify(limits) } },
  );
  const port = Number(started.match[1]);
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/mcp`,
    port,
    memory: async () => (await (await fetch(`${base}/debug/memory`)).json()) as Memory,
    stderr: () => started.stderr(),
    stop: () => started.stop(),
    async [Symbol.asyncDispose]() {
      await started.stop();
    },
  };
}

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** The answer of one POST: status, headers and the first JSON-RPC message (JSON or SSE). */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

/** Posts one raw body (a string is sent as is) and reads the first JSON-RPC message of the answer. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  let message: Record<string, unknown> | undefined;
  if ((res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const data = text.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim())
      .filter((d) => d && d.includes('"id"'));
    message = data.length ? JSON.parse(data[data.length - 1]) : undefined;
  } else if (text) message = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: message };
}

/** The 2026-07-28 `_meta` envelope. */
export const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "hostile", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** A 2026-07-28 `tools/call` POST. */
export function callModern(
  url: string,
  name: string,
  args: Record<string, unknown>,
  id: number | string = 1,
  signal?: AbortSignal,
): Promise<Answer> {
  return post(
    url,
    {
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name, arguments: args, _meta: MODERN_META },
    },
    { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": name },
    signal,
  );
}

/** `initialize` on the 2025 wire; the session id, or undefined when refused. */
export async function initialize(
  url: string,
  capabilities: Record<string, unknown> = {},
  complete = true,
): Promise<{ sessionId?: string; answer: Answer }> {
  const answer = await post(url, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities,
      clientInfo: { name: "hostile", version: "1.0.0" },
    },
  });
  const sessionId = answer.headers.get("mcp-session-id") ?? undefined;
  if (sessionId && complete) {
    await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, legacy(sessionId));
  }
  return { sessionId, answer };
}

/** Headers of a 2025 request on a session. */
export function legacy(sessionId: string): Record<string, string> {
  return { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
}

/** Runs `fn` over `items` with at most `width` at once. */
export async function pooled<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** An object nested `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = { v: value };
  return value;
}

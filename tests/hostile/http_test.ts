/**
 * The HTTP edge under abuse: slow and abandoned bodies, foreign origins on any bind, and a
 * session opening more streams than it may.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";
import { initialize, legacy, startExhaust } from "./exhaust.ts";

const encoder = new TextEncoder();

/** Sends a request head and part of its body, then waits; the status line's code, or 0 if closed. */
async function partialPost(port: number, declared: number, sent: string, waitMs: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(encoder.encode(
      `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\n` +
        `accept: application/json, text/event-stream\r\ncontent-length: ${declared}\r\n\r\n${sent}`,
    ));
    const buf = new Uint8Array(4096);
    const read = conn.read(buf);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), waitMs)));
    const n = await Promise.race([read, late]);
    clearTimeout(timer);
    if (!n) return 0;
    return Number(new TextDecoder().decode(buf.subarray(0, n)).slice(9, 12));
  } finally {
    conn.close();
  }
}

Deno.test("a body slower than bodyReadTimeoutMs gets 408 within its deadline, and the server goes on", async () => {
  await using server = await startExhaust({ bodyReadTimeoutMs: 400 });
  const started = performance.now();
  const status = await partialPost(server.port, 200, '{"jsonrpc":"2.0",', 3000);
  const took = performance.now() - started;
  assert.equal(status, 408);
  assert.ok(took >= 350 && took < 1500, `answered after ${took} ms`);
  const { sessionId } = await initialize(server.url);
  assert.ok(sessionId);
});

Deno.test("a client hanging up mid-body is answered by nothing and prints no stack trace", async () => {
  await using server = await startExhaust();
  for (let i = 0; i < 5; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(encoder.encode(
      `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `accept: application/json, text/event-stream\r\ncontent-length: 5000\r\n\r\n{"jsonrpc":`,
    ));
    await new Promise((r) => setTimeout(r, 50));
    conn.close();
  }
  await new Promise((r) => setTimeout(r, 300));
  const memory = await server.memory();
  assert.equal(memory.stats.requestsInFlight, 0);
  assert.equal(server.stderr().replace(/listening \d+\n/, ""), "", "the server printed something");
});

function originServer(allowedOrigins?: string[]): FastMCP {
  return new FastMCP({ name: "origin", logLevel: "error", http: allowedOrigins ? { allowedOrigins } : {} });
}

async function withOrigin(mcp: FastMCP, origin: string, host = "mcp.example.com"): Promise<number> {
  const req = modernRequest("tools/list", {}, 1, { origin, host }, `http://${host}/mcp`);
  const res = await mcp.fetch(req);
  await res.body?.cancel();
  return res.status;
}

Deno.test("Origin is validated on every bind: foreign origins get 403, own, loopback and allowed ones pass", async () => {
  // mcp.fetch without serve() is how `deno serve` and Deno Deploy call the server: no bind at all.
  const mcp = originServer(["https://app.example.org"]);
  try {
    assert.equal(await withOrigin(mcp, "https://evil.example"), 403);
    assert.equal(await withOrigin(mcp, "null"), 403);
    assert.equal(await withOrigin(mcp, "https://mcp.example.com"), 200, "its own origin, behind a TLS proxy");
    assert.equal(await withOrigin(mcp, "http://localhost:6274"), 200, "a loopback origin (the Inspector)");
    assert.equal(await withOrigin(mcp, "https://app.example.org"), 200, "an allowed origin");
    const res = await mcp.fetch(modernRequest("tools/list", {}, 1, { origin: "https://evil.example" }));
    const [body] = await readMessages(res);
    assert.match(
      (body.error as { message: string }).message,
      /origin 'https:\/\/evil\.example' is not allowed/,
    );
  } finally {
    await mcp.close();
  }
  const open = new FastMCP({ name: "open", logLevel: "error", http: { dnsRebindingProtection: false } });
  try {
    assert.equal(await withOrigin(open, "https://evil.example"), 200, "turned off on purpose");
  } finally {
    await open.close();
  }
});

Deno.test("serve() on a public address warns when no Host allow-list is set", async () => {
  const lines: string[] = [];
  const mcp = new FastMCP({
    name: "public",
    logger: (_level, message) => void lines.push(message),
    http: { allowUnauthenticated: true },
  });
  const handle = mcp.serve({ hostname: "0.0.0.0", port: 0, onListen: () => {} });
  try {
    assert.ok(lines.some((l) => /no Host allow-list/.test(l)), lines.join("\n"));
  } finally {
    await mcp.close();
    await handle.finished;
  }
});

Deno.test("maxStreamsPerSession counts streams opened by POST answers too", async () => {
  const mcp = new FastMCP({ name: "streams", logLevel: "error", limits: { maxStreamsPerSession: 2 } });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  mcp.tool("hold", {}, async (_args, ctx) => {
    await ctx.info("streaming");
    await gate;
    return "released";
  });
  try {
    const fetch = (r: Request) => mcp.fetch(r);
    const session = await openSession(fetch);
    const call = (id: number) =>
      fetch(legacyRequest(
        { jsonrpc: "2.0", id, method: "tools/call", params: { name: "hold", arguments: {} } },
        legacy(session),
      ));
    const first = await call(1);
    const second = await call(2);
    assert.equal(first.headers.get("content-type"), "text/event-stream");
    assert.equal(second.headers.get("content-type"), "text/event-stream");
    const third = await call(3);
    assert.equal(third.status, 429);
    const [body] = await readMessages(third);
    assert.equal(body.id, 3);
    assert.match((body.error as { message: string }).message, /maxStreamsPerSession = 2/);
    release();
    await Promise.all([first.body?.cancel(), second.body?.cancel()]);
  } finally {
    release();
    await mcp.close();
  }
});

/**
 * Legacy HTTP+SSE (2024-11-05): a hand-written server of that transport, and the client falling
 * back to it when its Streamable HTTP POST is refused with a 4xx (Streamable HTTP §"Backwards
 * Compatibility").
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, ConnectionError } from "../../client.ts";

interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: number | string;
  method: string;
  params?: Record<string, unknown>;
}

const TOOLS = [{
  name: "echo",
  description: "Echoes its text",
  inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
}];

/** The answer of the legacy server to one request (undefined for notifications). */
function answer(request: JsonRpcRequest): unknown {
  switch (request.method) {
    case "initialize":
      return {
        protocolVersion: "2024-11-05",
        capabilities: { tools: {} },
        serverInfo: { name: "legacy-sse", version: "0.0.1" },
      };
    case "ping":
      return {};
    case "tools/list":
      return { tools: TOOLS };
    case "tools/call": {
      const args = request.params?.arguments as { text?: string } | undefined;
      return { content: [{ type: "text", text: `echo: ${args?.text}` }] };
    }
  }
  return undefined;
}

/** A running legacy server, with a log of what reached it (`METHOD path`). */
interface LegacyServer {
  url: string;
  log: string[];
  /** JSON-RPC methods posted to the message endpoint. */
  methods: string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The 2024-11-05 transport: `GET /sse` opens an event stream whose first event, `endpoint`,
 * names where to POST messages; POSTs are acknowledged with 202 and answered on the stream.
 * A POST to `/sse` (a Streamable HTTP attempt) gets 405.
 */
function startLegacyServer(): LegacyServer {
  const streams = new Map<string, ReadableStreamDefaultController<Uint8Array>>();
  const log: string[] = [];
  const methods: string[] = [];
  const encoder = new TextEncoder();
  const send = (session: string, event: string, data: string) =>
    streams.get(session)?.enqueue(encoder.encode(`event: ${event}\ndata: ${data}\n\n`));

  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    log.push(`${req.method} ${url.pathname}`);
    if (url.pathname === "/sse" && req.method === "GET") {
      const session = crypto.randomUUID();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          streams.set(session, controller);
          send(session, "endpoint", `/messages?sessionId=${session}`);
        },
        cancel() {
          streams.delete(session);
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    }
    if (url.pathname === "/messages" && req.method === "POST") {
      const session = url.searchParams.get("sessionId") ?? "";
      if (!streams.has(session)) return new Response("unknown session", { status: 404 });
      const message = await req.json() as JsonRpcRequest;
      methods.push(message.method);
      if (message.id !== undefined) {
        const result = answer(message);
        const reply = result === undefined
          ? { jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } }
          : { jsonrpc: "2.0", id: message.id, result };
        // Answered on the stream, after the POST's acknowledgement.
        queueMicrotask(() => send(session, "message", JSON.stringify(reply)));
      }
      return new Response("Accepted", { status: 202 });
    }
    return new Response("Method Not Allowed", { status: 405, headers: { allow: "GET" } });
  });

  const close = async () => {
    for (const controller of streams.values()) controller.close();
    streams.clear();
    await http.shutdown();
  };
  return {
    url: `http://127.0.0.1:${http.addr.port}/sse`,
    log,
    methods,
    close,
    [Symbol.asyncDispose]: close,
  };
}

Deno.test("SSE fallback: a 4xx to the Streamable HTTP POST makes the client use legacy HTTP+SSE", async () => {
  await using server = startLegacyServer();
  {
    await using client = new Client(server.url);
    await client.connect();
    assert.equal(client.protocolVersion, "2024-11-05");
    assert.deepEqual(client.serverInfo, { name: "legacy-sse", version: "0.0.1" });
    assert.deepEqual((await client.listTools()).map((t) => t.name), ["echo"]);
    assert.deepEqual(await client.callTool("echo", { text: "hi" }), [{ type: "text", text: "echo: hi" }]);
    await client.ping();
  }
  // The Streamable HTTP attempt came first and was refused; then the stream and its messages.
  assert.equal(server.log[0], "POST /sse");
  assert.ok(server.log.includes("GET /sse"));
  assert.ok(server.log.indexOf("GET /sse") < server.log.indexOf("POST /messages"));
  assert.deepEqual(server.methods, [
    "initialize",
    "notifications/initialized",
    "tools/list",
    "tools/call",
    "ping",
  ]);
});

Deno.test("SSE fallback: legacy negotiation falls back too", async () => {
  await using server = startLegacyServer();
  await using client = new Client(server.url, { negotiation: "legacy" });
  assert.deepEqual(await client.callTool("echo", { text: "again" }), [{ type: "text", text: "echo: again" }]);
  assert.equal(client.protocolVersion, "2024-11-05");
});

Deno.test("SSE fallback: a configuration entry with transport 'sse' goes straight to the stream", async () => {
  await using server = startLegacyServer();
  await using client = new Client({ mcpServers: { old: { url: server.url, transport: "sse" } } });
  assert.deepEqual(await client.callTool("echo", { text: "direct" }), [{
    type: "text",
    text: "echo: direct",
  }]);
  assert.ok(!server.log.includes("POST /sse"), server.log.join(", "));
});

Deno.test("SSE fallback: sseFallback false reports the refused POST", async () => {
  await using server = startLegacyServer();
  const client = new Client(server.url, { sseFallback: false });
  await assert.rejects(client.connect(), ConnectionError);
  await client.close();
  assert.ok(!server.log.includes("GET /sse"), server.log.join(", "));
});

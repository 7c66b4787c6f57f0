/**
 * Legacy HTTP+SSE (2024-11-05): a hand-written server of that transport, and the client falling
 * back to it when its Streamable HTTP POST is refused with a 4xx (Streamable HTTP §"Backwards
 * Compatibility").
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, ConnectionError } from "../../client.ts";
import { startLegacyServer } from "../helpers/legacy_sse_server.ts";

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

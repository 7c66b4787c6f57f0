/**
 * Messages built to hurt: ids past 2^53, deep nesting, a stdio line far over its limit, and a
 * 2026 client that answers input rounds forever.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { modernRequest, readMessages } from "../helpers/http.ts";
import { StdioPeer } from "../helpers/stdio.ts";
import { nested } from "./exhaust.ts";

function server(limits: Record<string, number> = {}): FastMCP {
  return new FastMCP({ name: "protocol", logLevel: "error", runInThread: false, limits });
}

Deno.test("an id beyond 2^53 is refused instead of echoed rounded, on stdio and HTTP alike", async () => {
  const mcp = server();
  const peer = await StdioPeer.open(mcp);
  try {
    for (const id of ["9007199254740993", "1e300", "-9007199254740993"]) {
      await peer.sendLine(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
      const answer = await peer.next((m) => "error" in m);
      assert.equal(answer.id, null);
      assert.match((answer.error as { message: string }).message, /safe integer/);
    }
    const ok = await peer.request(9007199254740991, "ping");
    assert.equal(ok.id, 9007199254740991);
    const res = await mcp.fetch(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: `{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}`,
      }),
    );
    assert.equal(res.status, 400);
    const [body] = await readMessages(res);
    assert.equal(body.id, null);
    assert.match((body.error as { message: string }).message, /safe integer/);
  } finally {
    await peer.close();
    await mcp.close();
  }
});

Deno.test("nesting deeper than maxMessageDepth is -32600 with the request's id, and the server goes on", async () => {
  const mcp = server({ maxMessageDepth: 16 });
  const peer = await StdioPeer.open(mcp);
  try {
    await peer.send({ id: "deep", method: "tools/list", params: { cursor: nested(20) } });
    const answer = await peer.next((m) => m.id === "deep");
    assert.equal((answer.error as { code: number }).code, -32600);
    assert.match((answer.error as { message: string }).message, /deeper than 16 levels/);
    // 100,000 levels: refused the same way, no stack overflow anywhere.
    await peer.sendLine(
      `{"jsonrpc":"2.0","id":"deeper","method":"ping","params":{"x":${"[".repeat(100_000)}${
        "]".repeat(100_000)
      }}}`,
    );
    const deeper = await peer.next((m) => m.id === "deeper");
    assert.equal((deeper.error as { code: number }).code, -32600);
    const ok = await peer.request("after", "ping");
    assert.deepEqual(ok.result, {});
  } finally {
    await peer.close();
    await mcp.close();
  }
});

Deno.test("one stdio line over maxStdioLineBytes is answered once, and the next line is served", async () => {
  const mcp = server({ maxStdioLineBytes: 1024 });
  const peer = await StdioPeer.open(mcp);
  try {
    // 200 KiB arriving in many chunks: one answer, not one per chunk.
    await peer.write(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"`);
    for (let i = 0; i < 50; i++) await peer.write("a".repeat(4096));
    await peer.sendLine(`"}}`);
    const ok = await peer.request(2, "ping");
    assert.deepEqual(ok.result, {});
    const errors = peer.other.filter((m) => "error" in m);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(
      (errors[0].error as { message: string }).message,
      /exceeds limits\.maxStdioLineBytes \(1024\)/,
    );
    // Counted in bytes: 400 three-byte characters are 1200 bytes, over the limit.
    await peer.sendLine(`{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":"${"€".repeat(400)}"}}`);
    const refused = await peer.next((m) => "error" in m && m.id === null);
    assert.match((refused.error as { message: string }).message, /maxStdioLineBytes/);
  } finally {
    await peer.close();
    await mcp.close();
  }
});

Deno.test("2026 input rounds stop at maxInputRounds, counted in the sealed requestState", async () => {
  const mcp = server({ maxInputRounds: 2 });
  mcp.tool("insatiable", {}, async (_args, ctx) => {
    // Asks again on every round, whatever the answers.
    for (let i = 0;; i++) await ctx.elicit(`question ${i}`, { type: "object", properties: {} });
  });
  const capabilities = { elicitation: { form: {} } };
  const meta = { "io.modelcontextprotocol/clientCapabilities": capabilities };
  try {
    let requestState: string | undefined;
    let inputResponses: Record<string, unknown> = {};
    for (let round = 1; round <= 3; round++) {
      const params: Record<string, unknown> = { name: "insatiable", arguments: {}, _meta: meta };
      if (requestState) Object.assign(params, { requestState, inputResponses });
      const [body] = await readMessages(await mcp.fetch(modernRequest("tools/call", params, round)));
      if (round <= 2) {
        const result = body.result as {
          resultType: string;
          requestState: string;
          inputRequests: Record<string, unknown>;
        };
        assert.equal(result.resultType, "input_required", JSON.stringify(body));
        requestState = result.requestState;
        inputResponses = Object.fromEntries(
          Object.keys(result.inputRequests).map((k) => [k, { action: "accept", content: {} }]),
        );
      } else {
        const error = body.error as { code: number; message: string };
        assert.equal(error.code, -32603, JSON.stringify(body));
        assert.match(error.message, /gave up after 2 rounds of client input \(limits\.maxInputRounds\)/);
      }
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("a synchronous main-thread tool that overruns timeoutMs fails as timed out, with a warning", async () => {
  const lines: string[] = [];
  const mcp = new FastMCP({ name: "sync", runInThread: false, logger: (_l, m) => void lines.push(m) });
  mcp.tool("block", { timeoutMs: 20 }, () => {
    const end = Date.now() + 60;
    while (Date.now() < end) { /* blocks the thread: no timer can fire */ }
    return "late";
  });
  try {
    const [body] = await readMessages(
      await mcp.fetch(modernRequest("tools/call", { name: "block", arguments: {} })),
    );
    const result = body.result as { isError: boolean; content: { text: string }[] };
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /timed out after 20 ms/);
    assert.ok(lines.some((l) => /past its timeoutMs/.test(l)), lines.join("\n"));
  } finally {
    await mcp.close();
  }
});

/**
 * One `ProtocolError` under the server's and the client's errors: a stable string `code` from
 * one table, the wire's number as `rpcCode`, and the same class on both sides.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)
import assert from "node:assert/strict";
import {
  ErrorCode,
  FastMCP,
  McpError,
  NotFoundError,
  PromptError,
  ProtocolError,
  ResourceError,
  ToolError,
} from "../../mod.ts";
import {
  ClientError,
  McpError as ClientMcpError,
  ProtocolError as ClientProtocolError,
} from "../../client.ts";
import { Client } from "../../client.ts";

Deno.test("server errors carry a stable string code beside the JSON-RPC number", () => {
  const cases: [ProtocolError, string, number][] = [
    [new McpError(ErrorCode.InvalidParams, "x"), "invalid_params", -32602],
    [new McpError(ErrorCode.MethodNotFound, "x"), "method_not_found", -32601],
    [new McpError(-32000, "x"), "rpc_error", -32000],
    [new NotFoundError("x"), "not_found", -32602],
    [new ResourceError("x"), "resource_error", -32603],
    [new PromptError("x"), "prompt_error", -32603],
  ];
  for (const [error, code, rpcCode] of cases) {
    assert.ok(error instanceof ProtocolError);
    assert.deepEqual([error.code, error.rpcCode], [code, rpcCode], error.name);
  }
  assert.equal(new ToolError("x").code, "tool_error");
});

Deno.test("a ProtocolError round-trips through its JSON-RPC form", () => {
  const error = new McpError(ErrorCode.InvalidParams, "unknown city", { data: { city: "Atlantis" } });
  assert.deepEqual(error.toJsonRpc(), { code: -32602, message: "unknown city", data: { city: "Atlantis" } });
  const back = ProtocolError.fromJsonRpc(error.toJsonRpc());
  assert.deepEqual([back.code, back.rpcCode, back.message, back.data], [
    "invalid_params",
    -32602,
    "unknown city",
    { city: "Atlantis" },
  ]);
});

Deno.test("the client's JSON-RPC errors are the same ProtocolError class as the server's", async () => {
  assert.equal(ClientProtocolError, ProtocolError);
  const mcp = new FastMCP({ name: "errors", logger: () => {} });
  mcp.tool("fail", async () => {
    throw new McpError(-32000, "rate limited", { data: { retryAfterMs: 500 } });
  });
  await using client = new Client(mcp);
  const error = await client.callTool("fail").then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ClientMcpError);
  assert.ok(error instanceof ProtocolError);
  assert.ok(
    !(error instanceof ClientError),
    "the client's own errors are ClientErrors; the server's are not",
  );
  assert.deepEqual([error.code, error.rpcCode, error.data], ["rpc_error", -32000, { retryAfterMs: 500 }]);
  await mcp.close();
});

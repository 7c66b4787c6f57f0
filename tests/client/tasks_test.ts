/**
 * The client's tasks against our server over HTTP on a real socket, on both eras: 2025-11-25
 * `params.task` (polling, `tasks/result` carrying the task's elicitation) and the 2026-07-28
 * tasks extension (declared per request, `tasks/get` inlining input requests and results,
 * answers through `tasks/update`). Status events, results, tool errors, failures, cancellation
 * on abort, and a task-only tool called plainly.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { ErrorCode, FastMCP, McpError as ServerMcpError, ToolError as ServerToolError } from "../../mod.ts";
import { Client, McpError, TaskCancelledError, type TaskState, ToolTask } from "../../client.ts";
import { startServer } from "../helpers/server.ts";
import { pause } from "../helpers/wait.ts";

function taskServer(events: string[]): FastMCP {
  const mcp = new FastMCP({
    name: "tasks",
    logger: () => {},
    runInThread: false,
    limits: { taskPollIntervalMs: 20 },
  });
  mcp.tool("plain", {}, () => "plain answer");
  mcp.tool("slow", { input: z.object({ ms: z.number() }), task: true }, async ({ ms }, ctx) => {
    try {
      await pause(ms, ctx.signal);
    } catch (error) {
      events.push("aborted");
      throw error;
    }
    return { ms };
  });
  mcp.tool("ask", { task: "required" }, async (_args, ctx) => {
    const answer = await ctx.elicit("Your name?", z.object({ name: z.string() }));
    return answer.action === "accept" ? `hello ${answer.data.name}` : "no name";
  });
  mcp.tool("oops", { task: "required" }, () => {
    throw new ServerMcpError(ErrorCode.InvalidParams, "bad things");
  });
  mcp.tool("tool_error", { task: "required" }, () => {
    throw new ServerToolError("the tool failed");
  });
  return mcp;
}

for (const era of ["2025-11-25", "2026-07-28"] as const) {
  const negotiation = era === "2025-11-25" ? "legacy" as const : { pin: era };

  Deno.test(`client tasks (${era}): create, status events, result; input answered by the call's handler`, async () => {
    const events: string[] = [];
    await using server = startServer(taskServer(events));
    await using client = new Client(server.url, {
      negotiation,
      elicitation: () => ({ action: "decline" }), // the client-wide handler; the call's own wins
    });
    await client.connect();
    assert.equal(client.protocolVersion, era);

    const task = await client.callTool("slow", { ms: 150 }, { task: true });
    assert.ok(task instanceof ToolTask);
    assert.equal(typeof task.taskId, "string");
    assert.ok(task.taskId.length > 0);
    assert.equal(task.state.status, "working");
    assert.equal(task.state.pollIntervalMs, 20);
    const seen: TaskState[] = [];
    task.onStatus((s) => seen.push(s));
    const result = await task.result();
    assert.deepEqual(result.structuredContent, { ms: 150 });
    assert.deepEqual(result.content, [{ type: "text", text: '{"ms":150}' }]);
    assert.equal(task.state.status, "completed");
    assert.deepEqual(seen.map((s) => s.status).at(-1), "completed");

    // The task's question goes to the handler of the call that started it.
    const asked: string[] = [];
    const ask = await client.callTool("ask", {}, {
      task: { ttlMs: 60_000 },
      elicitation: (request) => {
        asked.push(request.message);
        return { action: "accept", content: { name: "Ada" } };
      },
    });
    assert.deepEqual((await ask.result()).content, [{ type: "text", text: "hello Ada" }]);
    assert.deepEqual(asked, ["Your name?"]);

    // A tool that does not run as a task answers at once: the handle is already complete.
    if (era === "2026-07-28") {
      const plain = await client.callTool("plain", {}, { task: true });
      assert.equal(plain.state.status, "completed");
      assert.deepEqual((await plain.result()).content, [{ type: "text", text: "plain answer" }]);
    }
  });

  Deno.test(`client tasks (${era}): tool errors, failures, cancellation on abort`, async () => {
    const events: string[] = [];
    await using server = startServer(taskServer(events));
    await using client = new Client(server.url, { negotiation });

    // An isError result is a result.
    const toolError = await client.callTool("tool_error", {}, { task: true });
    const errored = await toolError.result();
    assert.equal(errored.isError, true);
    assert.deepEqual(errored.content, [{ type: "text", text: "the tool failed" }]);

    // A JSON-RPC error of the tool is the result's rejection, with its code.
    const oops = await client.callTool("oops", {}, { task: true });
    await assert.rejects(
      oops.result(),
      (e: unknown) => e instanceof McpError && /bad things/.test(e.message),
    );

    // Aborting the call's signal cancels the task on the server.
    const abort = new AbortController();
    const slow = await client.callTool("slow", { ms: 30_000 }, { task: true, signal: abort.signal });
    abort.abort(new Error("changed my mind"));
    await assert.rejects(slow.result(), /changed my mind/);
    for (let i = 0; i < 100 && !events.includes("aborted"); i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events, ["aborted"]);

    // cancel() on a live task: the result says so.
    const other = await client.callTool("slow", { ms: 30_000 }, { task: true });
    await other.cancel();
    await assert.rejects(
      other.result(),
      (e: unknown) => e instanceof TaskCancelledError && e.taskId === other.taskId,
    );
  });
}

Deno.test("client tasks (2026-07-28): a tool that runs only as a task, called plainly, is run as one", async () => {
  await using server = startServer(taskServer([]));
  await using client = new Client(server.url, {
    negotiation: { pin: "2026-07-28" },
    elicitation: () => ({ action: "accept", content: { name: "Grace" } }),
  });
  assert.deepEqual(await client.callTool("ask"), [{ type: "text", text: "hello Grace" }]);
});

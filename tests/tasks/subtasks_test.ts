/**
 * Sub-tasks from tool code (`ctx.runSubtask`): a task awaiting its children completes on a
 * queue with one slot, the children never exceed the configured concurrency, and cancelling the
 * parent cancels its children. Driven by the official v1 client over HTTP.
 *
 * @module
 */

import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";
import { startServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const created = z.object({ task: z.object({ taskId: z.string() }) }).passthrough();

function server(events: string[]) {
  const mcp = new FastMCP({
    name: "subtasks",
    logger: () => {},
    runInThread: false,
    limits: { taskConcurrency: 1 },
  });
  let running = 0;
  let most = 0;
  mcp.tool("square", { input: z.object({ n: z.number() }), task: true }, async ({ n }) => {
    most = Math.max(most, ++running);
    await sleep(20);
    running--;
    return String(n * n);
  });
  mcp.tool(
    "sum_squares",
    { input: z.object({ ns: z.array(z.number()) }), task: "required" },
    async ({ ns }, ctx) => {
      const results = await Promise.all(ns.map((n) => ctx.runSubtask("square", { n })));
      const sum = results.reduce((total, r) => total + Number((r.content[0] as { text: string }).text), 0);
      return `${sum} (at most ${most} child running at once)`;
    },
  );
  mcp.tool("sleepy", { task: true }, async (_args, ctx) => {
    await new Promise((_, reject) =>
      ctx.signal.addEventListener("abort", () => {
        events.push("child aborted");
        reject(ctx.signal.reason);
      }, { once: true })
    );
  });
  mcp.tool("waits_on_sleepy", { task: "required" }, async (_args, ctx) => {
    events.push("parent started");
    await ctx.runSubtask("sleepy");
  });
  mcp.tool("plain", () => "no tasks here");
  mcp.tool("calls_plain", { task: "required" }, async (_args, ctx) => await ctx.runSubtask("plain"));
  return mcp;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "subtasks", version: "0.0.1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function createTask(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const out = await client.request(
    { method: "tools/call", params: { name, arguments: args, task: {} } },
    created as never,
  ) as unknown as { task: { taskId: string } };
  return out.task.taskId;
}

Deno.test("a task awaiting sub-tasks completes with taskConcurrency 1, children one at a time", async () => {
  const running = startServer(server([]));
  const client = await connect(running.url);
  try {
    const taskId = await createTask(client, "sum_squares", { ns: [1, 2, 3, 4] });
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    assert.deepEqual(result.content, [{ type: "text", text: "30 (at most 1 child running at once)" }]);
    // The children are tasks of the same session, listed beside their parent.
    const { tasks } = await client.experimental.tasks.listTasks();
    assert.equal(tasks.length, 5);
    assert.ok(tasks.every((t) => t.status === "completed"));

    // A tool that does not run as a task cannot be a sub-task: a protocol error, so the task fails.
    const bad = await createTask(client, "calls_plain");
    await assert.rejects(
      client.experimental.tasks.getTaskResult(bad, CallToolResultSchema),
      (e: { code: number; message: string }) =>
        e.code === -32602 && /'plain' does not run as a task/.test(e.message),
    );
  } finally {
    await client.close();
    await running.close();
  }
});

Deno.test("cancelling a task cancels the sub-task it waits on", async () => {
  const events: string[] = [];
  const running = startServer(server(events));
  const client = await connect(running.url);
  try {
    const taskId = await createTask(client, "waits_on_sleepy");
    for (let i = 0; i < 200 && events.length === 0; i++) await sleep(5);
    await sleep(50);
    await client.experimental.tasks.cancelTask(taskId);
    for (let i = 0; i < 200 && !events.includes("child aborted"); i++) await sleep(5);
    assert.deepEqual(events, ["parent started", "child aborted"]);
    const { tasks } = await client.experimental.tasks.listTasks();
    assert.deepEqual(tasks.map((t) => t.status).sort(), ["cancelled", "cancelled"]);
  } finally {
    await client.close();
    await running.close();
  }
});

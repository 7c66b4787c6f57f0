/**
 * 2025-11-25 experimental tasks against the official v1 SDK client (its `experimental.tasks`
 * API) over Streamable HTTP on a real socket: creation, polling, results, elicitation from a
 * task through `tasks/result`, listing, cancellation, and the errors the spec names.
 *
 * @module
 */

import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  TaskStatusNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { ErrorCode, FastMCP, McpError, ToolError } from "../../mod.ts";
import { startServer } from "../helpers/server.ts";
import { pause } from "../helpers/wait.ts";

const RELATED = "io.modelcontextprotocol/related-task";

function taskServer(events: string[]): FastMCP {
  const mcp = new FastMCP({ name: "tasks-2025", logger: () => {}, runInThread: false });
  mcp.tool("plain", { description: "never a task" }, () => "plain");
  mcp.tool("slow", {
    input: z.object({ ms: z.number() }),
    task: true,
  }, async ({ ms }, ctx) => {
    await ctx.reportProgress(1, 2, "halfway");
    try {
      await pause(ms, ctx.signal);
    } catch (error) {
      events.push(`aborted ${ctx.taskId}`);
      throw error;
    }
    return `slept ${ms} in ${ctx.taskId}`;
  });
  mcp.tool("ask", { task: "required" }, async (_args, ctx) => {
    const answer = await ctx.elicit("Your name?", z.object({ name: z.string() }));
    return answer.action === "accept" ? `hello ${answer.data.name}` : "no name";
  });
  mcp.tool("oops", { task: "required" }, () => {
    throw new McpError(ErrorCode.InvalidParams, "bad things");
  });
  mcp.tool("tool_error", { task: "required" }, () => {
    throw new ToolError("the tool failed");
  });
  return mcp;
}

async function connect(url: string, elicited: unknown[] = []): Promise<Client> {
  const client = new Client({ name: "v1-tasks", version: "0.0.1" }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    elicited.push(request.params);
    return { action: "accept", content: { name: "Ada" } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function collect(stream: AsyncIterable<Record<string, unknown>>) {
  const out: Record<string, unknown>[] = [];
  for await (const message of stream) out.push(message);
  return out;
}

Deno.test("2025 tasks: the v1 client creates a task, polls it and gets the result; listing and errors", async () => {
  const events: string[] = [];
  const server = startServer(taskServer(events));
  const client = await connect(server.url);
  const other = await connect(server.url);
  try {
    const caps = client.getServerCapabilities() as Record<string, unknown>;
    assert.deepEqual(caps.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await client.listTools();
    const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
    assert.deepEqual(support, {
      plain: undefined,
      slow: "optional",
      ask: "required",
      oops: "required",
      tool_error: "required",
    });

    // Optional: a plain call without params.task.
    const direct = await client.callTool({ name: "slow", arguments: { ms: 1 } });
    assert.match((direct.content as { text: string }[])[0].text, /^slept 1 in undefined$/);

    const progress: unknown[] = [];
    const messages = await collect(
      client.experimental.tasks.callToolStream(
        { name: "slow", arguments: { ms: 50 } },
        CallToolResultSchema,
        {
          task: { ttl: 120_000 },
          onprogress: (p: unknown) => progress.push(p),
        },
      ) as AsyncIterable<Record<string, unknown>>,
    );
    const created = messages.find((m) => m.type === "taskCreated") as { task: Record<string, unknown> };
    assert.ok(created, JSON.stringify(messages));
    const taskId = created.task.taskId as string;
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    assert.equal(created.task.ttl, 120_000);
    assert.equal(created.task.status, "working");
    assert.match(created.task.createdAt as string, /^\d{4}-\d\d-\d\dT/);
    const last = messages.at(-1) as { type: string; result: { content: { text: string }[] } };
    assert.equal(last.type, "result", JSON.stringify(last));
    assert.equal(last.result.content[0].text, `slept 50 in ${taskId}`);

    // Progress from inside the task reached the client's handler for the original request.
    assert.deepEqual(progress, [{
      progress: 1,
      total: 2,
      message: "halfway",
      _meta: { [RELATED]: { taskId } },
    }]);
    const task = await client.experimental.tasks.getTask(taskId);
    assert.equal(task.status, "completed");
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    assert.deepEqual((result._meta as Record<string, unknown>)[RELATED], { taskId });

    // Listing is per session: the other session sees nothing, nor can it read the task.
    const listed = await client.experimental.tasks.listTasks();
    assert.deepEqual(listed.tasks.map((t) => t.taskId), [taskId]);
    assert.deepEqual((await other.experimental.tasks.listTasks()).tasks, []);
    await assert.rejects(
      other.experimental.tasks.getTask(taskId),
      (e: { code: number }) => e.code === -32602,
    );

    // The errors the spec names.
    await assert.rejects(
      client.experimental.tasks.getTask("no-such-task"),
      (e: { code: number }) => e.code === ErrorCode.InvalidParams,
    );
    await assert.rejects(
      client.experimental.tasks.cancelTask(taskId),
      (e: { code: number; message: string }) =>
        e.code === -32602 && /terminal status 'completed'/.test(e.message),
    );
    // (The v1 client refuses this call itself; the raw request shows the server does too.)
    await assert.rejects(
      client.request({ method: "tools/call", params: { name: "ask", arguments: {} } }, CallToolResultSchema),
      (e: { code: number }) => e.code === ErrorCode.MethodNotFound,
    );
    await assert.rejects(
      client.request(
        { method: "tools/call", params: { name: "plain", arguments: {}, task: {} } },
        CallToolResultSchema,
      ),
      (e: { code: number }) => e.code === ErrorCode.MethodNotFound,
    );
  } finally {
    await client.close();
    await other.close();
    await server.close();
  }
});

Deno.test("2025 tasks: elicitation from a task reaches the client through tasks/result, marked with the task", async () => {
  const server = startServer(taskServer([]));
  const elicited: Record<string, unknown>[] = [];
  const client = await connect(server.url, elicited);
  const statuses: string[] = [];
  client.setNotificationHandler(TaskStatusNotificationSchema, (n) => void statuses.push(n.params.status));
  try {
    const messages = await collect(
      client.experimental.tasks.callToolStream({ name: "ask", arguments: {} }, CallToolResultSchema, {
        task: {},
      }) as AsyncIterable<Record<string, unknown>>,
    );
    const created = messages.find((m) => m.type === "taskCreated") as { task: { taskId: string } };
    const last = messages.at(-1) as { type: string; result: { content: { text: string }[] } };
    assert.equal(last.type, "result", JSON.stringify(last));
    assert.equal(last.result.content[0].text, "hello Ada");
    assert.equal(elicited.length, 1);
    assert.equal(elicited[0].message, "Your name?");
    assert.deepEqual((elicited[0]._meta as Record<string, unknown>)[RELATED], {
      taskId: created.task.taskId,
    });
    // notifications/tasks/status on the session's stream, as the status moved.
    for (let i = 0; i < 100 && !statuses.includes("completed"); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(statuses, ["input_required", "working", "completed"]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("2025 tasks: protocol errors fail the task and come back from tasks/result; tool errors fail it too", async () => {
  const server = startServer(taskServer([]));
  const client = await connect(server.url);
  try {
    const created = await client.request(
      { method: "tools/call", params: { name: "oops", arguments: {}, task: {} } },
      z.object({ task: z.object({ taskId: z.string() }) }).passthrough() as never,
    ) as unknown as { task: { taskId: string } };
    const taskId = created.task.taskId;
    await assert.rejects(
      client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema),
      (e: { code: number; message: string }) =>
        e.code === ErrorCode.InvalidParams && /bad things/.test(e.message),
    );
    const task = await client.experimental.tasks.getTask(taskId);
    assert.equal(task.status, "failed");
    assert.match(task.statusMessage ?? "", /bad things/);

    const toolError = await client.request(
      { method: "tools/call", params: { name: "tool_error", arguments: {}, task: {} } },
      z.object({ task: z.object({ taskId: z.string() }) }).passthrough() as never,
    ) as unknown as { task: { taskId: string } };
    const result = await client.experimental.tasks.getTaskResult(toolError.task.taskId, CallToolResultSchema);
    assert.equal(result.isError, true);
    assert.equal((result.content as { text: string }[])[0].text, "the tool failed");
    // 2025 counts a tool result with isError as a failed task (2026 calls it completed).
    assert.equal((await client.experimental.tasks.getTask(toolError.task.taskId)).status, "failed");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("2025 tasks: cancelling a running task aborts its handler and the task stays cancelled", async () => {
  const events: string[] = [];
  const server = startServer(taskServer(events));
  const client = await connect(server.url);
  try {
    const created = await client.request(
      { method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 }, task: {} } },
      z.object({ task: z.object({ taskId: z.string() }) }).passthrough() as never,
    ) as unknown as { task: { taskId: string } };
    const taskId = created.task.taskId;
    for (let i = 0; i < 100 && (await client.experimental.tasks.getTask(taskId)).status !== "working"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    const cancelled = await client.experimental.tasks.cancelTask(taskId);
    assert.equal(cancelled.status, "cancelled");
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events, [`aborted ${taskId}`]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await client.experimental.tasks.getTask(taskId)).status, "cancelled");
    await assert.rejects(
      client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema),
      (e: { code: number; message: string }) => /cancelled/.test(e.message),
    );
  } finally {
    await client.close();
    await server.close();
  }
});

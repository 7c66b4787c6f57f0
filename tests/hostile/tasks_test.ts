/**
 * The task queue under abuse: one owner flooding it, and tasks whose session has gone.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP, memoryStore } from "../../mod.ts";
import { QueueFullError, TaskQueue } from "../../server/tasks/queue.ts";
import { ENDPOINT, legacyRequest, openSession, readMessages } from "../helpers/http.ts";
import { eventually } from "../helpers/wait.ts";

Deno.test("one quota key cannot fill the queue: its share is refused, others still get in", async () => {
  const store = memoryStore();
  const queue = new TaskQueue(store, { maxQueued: 10, maxQueuedPerQuota: 3, pollMs: 20 });
  try {
    for (let i = 0; i < 3; i++) await queue.submit("work", i, { quotaKey: "greedy" });
    await assert.rejects(
      queue.submit("work", 3, { quotaKey: "greedy" }),
      (e) => e instanceof QueueFullError && /already has 3 tasks waiting/.test(e.message),
    );
    await queue.submit("work", 0, { quotaKey: "polite" });
    assert.equal(await queue.cancelQuota("greedy"), 3);
    // Its share is free again.
    await queue.submit("work", 4, { quotaKey: "greedy" });
  } finally {
    queue.stop();
    store.close();
  }
});

Deno.test("a 2025 session's tasks are cancelled when it ends, freeing the queue", async () => {
  const mcp = new FastMCP({
    name: "tasks",
    logLevel: "error",
    limits: { taskConcurrency: 1, maxQueuedTasks: 8, maxQueuedTasksShare: 0.5 },
  });
  const cancelled: string[] = [];
  mcp.tool("nap", { task: true }, async (_args, ctx) => {
    await new Promise<void>((resolve) => {
      // A task may start just as its session's cancellation lands: an aborted signal fires no event.
      if (ctx.signal.aborted) return resolve();
      const timer = setTimeout(resolve, 10_000);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        cancelled.push("nap");
        resolve();
      });
    });
    return "rested";
  });
  try {
    const fetch = (r: Request) => mcp.fetch(r);
    const capabilities = { tasks: { requests: { tools: { call: {} } } } };
    const session = await openSession(fetch, "2025-11-25", capabilities);
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    const create = async (id: number) => {
      const [body] = await readMessages(
        await fetch(legacyRequest({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { name: "nap", arguments: {}, task: { ttl: 60_000 } },
        }, headers)),
      );
      return body;
    };
    // One runs, four wait: the session's share (half of 8) is full at the fifth waiting one.
    const created = [];
    for (let i = 1; i <= 5; i++) created.push(await create(i));
    for (const body of created) assert.ok((body.result as { task?: unknown }).task, JSON.stringify(body));
    const refused = await create(6);
    assert.equal((refused.error as { code: number }).code, -32603, JSON.stringify(refused));
    assert.match((refused.error as { message: string }).message, /share of the queue/);
    const deleted = await fetch(new Request(ENDPOINT, { method: "DELETE", headers }));
    assert.equal(deleted.status, 200);
    await eventually(() => cancelled.length >= 1 && mcp.stats().tasks.running === 0, {
      message: "the running task of the ended session was not cancelled",
    });
    const other = await openSession(fetch, "2025-11-25", capabilities);
    const [body] = await readMessages(
      await fetch(legacyRequest({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: { name: "nap", arguments: {}, task: {} },
      }, { "mcp-session-id": other, "mcp-protocol-version": "2025-11-25" })),
    );
    assert.ok((body.result as { task?: unknown }).task, JSON.stringify(body));
  } finally {
    await mcp.close();
  }
});

/**
 * Mounting, in process: cycles are refused, lifespans follow the parent, a child's tasks run on
 * the parent's queue, a child's list changes reach the parent's clients, and delegate spans are
 * recorded.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { eventStream, legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

type Json = Record<string, unknown>;
const quiet = { logger: () => {} };

Deno.test("mounting a server into itself, or into a server it contains, throws at mount()", () => {
  const a = new FastMCP({ name: "cycle-a", ...quiet });
  const b = new FastMCP({ name: "cycle-b", ...quiet });
  const c = new FastMCP({ name: "cycle-c", ...quiet });
  assert.throws(() => a.mount(a), /cannot mount server 'cycle-a' into 'cycle-a'/);
  a.mount(b, { namespace: "b" });
  b.mount(c, { namespace: "c" });
  assert.throws(() => c.mount(a), /that would make a cycle/);
  assert.throws(() => b.mount(a), /that would make a cycle/);
  assert.throws(() => a.mount(b), /already mounted here/);
  const d = new FastMCP({ name: "cycle-d", ...quiet });
  assert.throws(() => d.mount(c), /already mounted in another server/);
});

Deno.test("a child's lifespan is entered when the parent starts and left when it stops, after its own work", async () => {
  const events: string[] = [];
  const child = new FastMCP({
    name: "life-child",
    ...quiet,
    lifespan: async function* () {
      events.push("child up");
      yield { db: "open" };
      events.push("child down");
    },
  });
  child.tool("db", async (_args, ctx) => (ctx.lifespan as { db: string }).db);
  const parent = new FastMCP({
    name: "life-parent",
    ...quiet,
    lifespan: async function* () {
      events.push("parent up");
      yield undefined;
      events.push("parent down");
    },
  });
  parent.mount(child, { namespace: "c" });
  await parent.start();
  assert.deepEqual(events, ["parent up", "child up"]);
  const answer = (await readMessages(await parent.fetch(modernRequest("tools/call", { name: "c_db" })))).at(
    -1,
  )!;
  assert.deepEqual((answer.result as Json).content, [{ type: "text", text: "open" }]);
  await parent.close();
  assert.deepEqual(events, ["parent up", "child up", "child down", "parent down"]);
});

Deno.test("a child's task runs on the parent's queue and answers through the parent", async () => {
  const child = new FastMCP({ name: "task-child", ...quiet });
  child.tool("slow", { task: true }, async (_args, ctx) => `ran as ${ctx.taskId ? "a task" : "a call"}`);
  const parent = new FastMCP({ name: "task-parent", ...quiet });
  parent.mount(child, { namespace: "c" });
  const sessionId = await openSession(parent.fetch);
  const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
  const call = async (id: number, method: string, params: Json) =>
    (await readMessages(await parent.fetch(legacyRequest({ jsonrpc: "2.0", id, method, params }, headers))))
      .at(-1)!;
  const created = await call(1, "tools/call", { name: "c_slow", arguments: {}, task: {} });
  const task = (created.result as { task: { taskId: string; status: string } }).task;
  assert.equal(task.status, "working");
  const result = await call(2, "tasks/result", { taskId: task.taskId });
  assert.deepEqual((result.result as Json).content, [{ type: "text", text: "ran as a task" }]);
  const listed = await call(3, "tasks/list", {});
  assert.deepEqual((listed.result as { tasks: { taskId: string }[] }).tasks.map((t) => t.taskId), [
    task.taskId,
  ]);
  await parent.close();
});

Deno.test("a tool added to a child later sends list_changed to the parent's clients", async () => {
  const child = new FastMCP({ name: "late-child", ...quiet });
  const parent = new FastMCP({ name: "late-parent", ...quiet });
  parent.mount(child, { namespace: "c" });
  const sessionId = await openSession(parent.fetch);
  const stream = await eventStream(parent.fetch, sessionId);
  child.tool("late", async () => "here");
  await stream.waitFor("notifications/tools/list_changed");
  await stream.close();
  const listed = (await readMessages(await parent.fetch(modernRequest("tools/list")))).at(-1)!;
  assert.deepEqual((listed.result as { tools: { name: string }[] }).tools.map((t) => t.name), ["c_late"]);
  await parent.close();
});

Deno.test("calls into a child record a delegate span with the child's own name", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("test");
  const child = new FastMCP({ name: "span-child", ...quiet, telemetry: { tracer } });
  child.tool("ping", async () => "pong");
  const parent = new FastMCP({ name: "span-parent", ...quiet, telemetry: { tracer } });
  parent.mount(child, { namespace: "c" });
  await readMessages(await parent.fetch(modernRequest("tools/call", { name: "c_ping" })));
  const names = exporter.getFinishedSpans().map((s) => s.name);
  assert.ok(names.includes("delegate ping"), names.join(", "));
  assert.ok(names.includes("tools/call c_ping"), names.join(", "));
  const delegate = exporter.getFinishedSpans().find((s) => s.name === "delegate ping")!;
  assert.equal(delegate.attributes["denomcp.component.key"], "tool:ping@");
  assert.equal(delegate.attributes["denomcp.server.name"], "span-child");
  await parent.close();
  // The in-memory exporter reports each export on a zero-delay timer.
  await new Promise((resolve) => setTimeout(resolve, 5));
});

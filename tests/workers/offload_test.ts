import assert from "node:assert/strict";
import { CLIENT_HEADERS, modernMeta, modernRequest, readAnswer } from "../helpers/http.ts";
import { startDeno } from "../helpers/process.ts";

const FIXTURE = new URL("./fixture.ts", import.meta.url).pathname;

async function startFixture() {
  const started = await startDeno(["run", "-A", FIXTURE], /listening on (\d+)/);
  return { started, url: `http://127.0.0.1:${started.match[1]}/mcp` };
}

Deno.test("a CPU-bound sync tool in the pool leaves the server responsive; with runInThread: false it blocks it", async () => {
  const { started, url } = await startFixture();
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: "POST", headers: { ...CLIENT_HEADERS, ...headers }, body: JSON.stringify(body) });
  let nextId = 1;
  const tool = async (name: string, args: Record<string, unknown> = {}) => {
    const res = await post(
      {
        jsonrpc: "2.0",
        id: nextId++,
        method: "tools/call",
        params: { name, arguments: args, _meta: modernMeta() },
      },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": name },
    );
    return (await readAnswer(res)).result.content[0].text as string;
  };
  const timed = async <T>(work: () => Promise<T>) => {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
  };
  try {
    const init = await post({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    const sid = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const ping = async () => {
      const res = await post({ jsonrpc: "2.0", id: nextId++, method: "ping" }, { "mcp-session-id": sid });
      return (await readAnswer(res)).result;
    };
    await tool("facts"); // the pool starts lazily: warm it first

    const pooled = tool("spin", { ms: 1000 });
    await new Promise((r) => setTimeout(r, 100));
    const pingWhilePooled = await timed(ping);
    const asyncWhilePooled = await timed(() => tool("bump"));
    assert.deepEqual(pingWhilePooled.value, {});
    assert.ok(pingWhilePooled.ms < 50, `ping took ${pingWhilePooled.ms.toFixed(1)} ms while the pool spun`);
    assert.equal(asyncWhilePooled.value, "1");
    assert.ok(
      asyncWhilePooled.ms < 50,
      `the async tool took ${asyncWhilePooled.ms.toFixed(1)} ms while the pool spun`,
    );
    assert.equal(await pooled, "spun; counter here is 0", "a worker has its own module state");

    assert.equal(await tool("bump"), "2");
    const inline = tool("spin_inline", { ms: 1000 });
    await new Promise((r) => setTimeout(r, 100));
    const pingWhileInline = await timed(ping);
    assert.ok(
      pingWhileInline.ms > 500,
      `ping took only ${pingWhileInline.ms.toFixed(1)} ms: the opt-out did not block`,
    );
    assert.equal(await inline, "spun; counter here is 2", "the opted-out tool sees what async tools changed");
  } finally {
    await started.stop();
  }
});

Deno.test("a synchronous tool runs as a task in the pool: the server answers meanwhile, tasks/get gets the result", async () => {
  const { started, url } = await startFixture();
  let nextId = 1;
  const withTasks = {
    "io.modelcontextprotocol/clientCapabilities": { extensions: { "io.modelcontextprotocol/tasks": {} } },
  };
  const rpc = async (method: string, params: Record<string, unknown>) => {
    const res = await fetch(modernRequest(method, { ...params, _meta: withTasks }, nextId++, {}, url));
    return (await readAnswer(res)).result as Record<string, unknown>;
  };
  try {
    const created = await rpc("tools/call", { name: "spin_task", arguments: { ms: 400 } });
    assert.equal(created.resultType, "task");
    const taskId = created.taskId as string;
    // While a worker spins, the main isolate answers at once.
    const t0 = performance.now();
    const bump = await rpc("tools/call", { name: "bump", arguments: {} });
    assert.equal(bump.resultType, "complete");
    assert.ok(performance.now() - t0 < 200, `answered after ${performance.now() - t0} ms`);
    let task: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      task = await rpc("tasks/get", { taskId });
      if (task.status === "completed") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(task.result, { content: [{ type: "text", text: "spun 400 ms as task #" }] });
  } finally {
    await started.stop();
  }
});

/**
 * `denomcp run` over HTTP with `--path`, `--stateless` and `--watch` (a change to the file
 * restarts the server on the same port), and `denomcp tasks worker` running a server's tasks
 * from a shared store while the instance that took the call runs none.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client } from "../../client.ts";
import { CLIENT_HEADERS } from "../helpers/http.ts";
import { freePort, startDeno } from "../helpers/process.ts";
import { eventually } from "../helpers/wait.ts";

const CLI = new URL("../../cli/main.ts", import.meta.url).pathname;
const SERVER = new URL("./fixtures/cli_server.ts", import.meta.url).pathname;
const WORKER_SERVER = new URL("./fixtures/task_worker_server.ts", import.meta.url).pathname;
const MOD = new URL("../../mod.ts", import.meta.url).href;

Deno.test("run --path --stateless serves the endpoint where asked, without sessions", async () => {
  const started = await startDeno(
    ["run", "-A", CLI, "run", SERVER, "--port", "0", "--path", "/api/mcp", "--stateless"],
    /serving MCP on (http:\/\/\S+)/,
  );
  try {
    const url = new URL(started.match[1]);
    assert.equal(url.pathname, "/api/mcp");
    const init = await fetch(url, {
      method: "POST",
      headers: CLIENT_HEADERS,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    });
    assert.equal(init.status, 200);
    assert.equal(init.headers.get("mcp-session-id"), null, "stateless: no session");
    await init.body?.cancel();
    const old = await fetch(new URL("/mcp", url), { method: "POST", headers: CLIENT_HEADERS, body: "{}" });
    assert.equal(old.status, 404);
    await old.body?.cancel();
  } finally {
    await started.stop();
  }
  const stdio = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "run", SERVER, "--transport", "stdio", "--stateless"],
    stdin: "null",
  }).output();
  assert.equal(stdio.code, 2);
  assert.match(
    new TextDecoder().decode(stdio.stderr),
    /--path, --stateless and --watch are for --transport http/,
  );
});

Deno.test("run --watch restarts the server on the same port when its file changes", async () => {
  // A folder of its own: the watcher follows the server's folder.
  const dir = await Deno.makeTempDir({
    dir: new URL("./fixtures/", import.meta.url).pathname,
    prefix: "watch-",
  });
  const file = `${dir}/server.ts`;
  const source = (tools: string[]) =>
    `import { FastMCP } from "${MOD}";\nconst mcp = new FastMCP({ name: "watched", logger: () => {} });\n` +
    tools.map((t) => `mcp.tool("${t}", { runInThread: false }, () => "${t}");\n`).join("") +
    "export default mcp;\n";
  await Deno.writeTextFile(file, source(["first"]));
  const port = freePort();
  const started = await startDeno(
    ["run", "-A", CLI, "run", file, "--watch", "--port", String(port)],
    /serving MCP on (http:\/\/\S+)/,
  );
  try {
    const url = started.match[1];
    assert.equal(new URL(url).port, String(port));
    const names = async () => {
      await using client = new Client(url);
      return (await client.listTools()).map((t) => t.name);
    };
    assert.deepEqual(await names(), ["first"]);
    await Deno.writeTextFile(file, source(["first", "second"]));
    await eventually(async () => (await names().catch((): string[] => [])).includes("second"), {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: "the server did not restart with the new tool",
    });
    assert.match(started.stderr(), /restarting: .*server\.ts changed/);
  } finally {
    await started.stop();
    await Deno.remove(dir, { recursive: true });
  }
  // The watcher stopped its child: the port is free again.
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  listener.close();
});

Deno.test("tasks worker runs the tasks of a server whose instances run none; a memory store is refused", async () => {
  const dir = await Deno.makeTempDir();
  const store = `${dir}/tasks.sqlite`;
  const instance = await startDeno(
    ["run", "-A", CLI, "run", WORKER_SERVER, "--port", "0"],
    /serving MCP on (http:\/\/\S+)/,
    { env: { STORE: store, TASKS: "0", INSTANCE: "the instance" } },
  );
  const worker = await startDeno(
    ["run", "-A", CLI, "tasks", "worker", WORKER_SERVER],
    /running the tasks of 'task-worker-fixture' from its kv store/,
    { env: { STORE: store, INSTANCE: "the worker" } },
  );
  try {
    await using client = new Client(instance.match[1]);
    const task = await client.callTool("where", {}, { task: true });
    assert.deepEqual((await task.result()).content, [{ type: "text", text: "ran on the worker" }]);
  } finally {
    await worker.stop();
    await instance.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const memory = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "tasks", "worker", SERVER],
    stdin: "null",
  }).output();
  assert.equal(memory.code, 2);
  assert.match(
    new TextDecoder().decode(memory.stderr),
    /its store is in memory, which no other process can see/,
  );
});

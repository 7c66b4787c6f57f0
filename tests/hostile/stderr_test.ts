/**
 * A stdio server's stderr carries only the server's own lines: MCP clients (the MCP Inspector,
 * desktop apps) relay it to users as errors. The documented pattern (README "Quickstart") keeps
 * the default export out of the module `deno run` starts, because Deno 2.9 prints
 * `warning: Detected export default { fetch }, did you mean to run "deno serve"?` whenever the
 * main module's default export has an own `fetch` (runtime/js/99_main.js), and no code can tell
 * `deno run` from `deno serve` before that check. `deno serve` gets the default export from a
 * one-line serve entry instead.
 *
 * "Ours" means a line of the default logger (server/logger.ts): `[<server name>] <level>: …`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { LOG_LEVELS } from "../../protocol/types.ts";
import { CLIENT_HEADERS, modernRequest } from "../helpers/http.ts";
import { startDeno } from "../helpers/process.ts";
import { watchDeclarativeServe } from "../../server/run.ts";
import { JsonLines } from "../helpers/stdio.ts";

const ROOT = new URL("../../", import.meta.url);
const SERVER = "tests/hostile/fixtures/quiet_server.ts";
const SERVE_ENTRY = "tests/hostile/fixtures/quiet_serve.ts";
const ONE_FILE = "tests/hostile/fixtures/one_file_server.ts";
const DENO_HINT = "Detected export default";

/** A line of the default logger of the server called `name`. */
const ours = (name: string) => new RegExp(`^\\[${name}\\] (${LOG_LEVELS.join("|")}): `);

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "stderr-test", version: "1" },
  },
};

/** Runs `deno run -A <file>` as a stdio server: returns a sender, its stdout lines, and its end. */
function spawnStdio(file: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", file],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const stderr = new Response(child.stderr).text();
  const lines = new JsonLines(child.stdout);
  return {
    lines,
    send: (message: unknown) => writer.write(encoder.encode(JSON.stringify(message) + "\n")),
    /** Closes stdin and waits for the exit: the status, all of stderr and the unread rest of stdout. */
    async end() {
      await writer.close().catch(() => {});
      const [status, errText, rest] = await Promise.all([child.status, stderr, lines.rest()]);
      return { status, stderr: errText, stdout: rest };
    },
  };
}

/** POSTs a 2025-11-25 initialize to `url` and returns the JSON-RPC result. */
async function initializeOverHttp(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", headers: CLIENT_HEADERS, body: JSON.stringify(INITIALIZE) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  return (await res.json()).result;
}

Deno.test("deno run of the documented pattern: stdio stderr has only the server's own lines", async () => {
  const server = spawnStdio(SERVER);
  let ended: Awaited<ReturnType<typeof server.end>>;
  try {
    await server.send(INITIALIZE);
    const init = (await server.lines.response(1)).result as Record<string, unknown>;
    assert.deepEqual(init.serverInfo, { name: "quiet", version: "1.0.0" });
    await server.send({ jsonrpc: "2.0", method: "notifications/initialized" });

    await server.send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const { tools } = (await server.lines.response(2)).result as { tools: { name: string }[] };
    assert.deepEqual(tools.map((t) => t.name), ["add", "fail"]);

    await server.send({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "add", arguments: { a: 2, b: 3 } },
    });
    assert.deepEqual((await server.lines.response(3)).result, { content: [{ type: "text", text: "5" }] });

    // The server logs this failure itself: one line of ours that the check below must accept.
    await server.send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "fail", arguments: {} },
    });
    assert.equal(((await server.lines.response(4)).result as { isError: boolean }).isError, true);
  } finally {
    ended = await server.end();
  }
  assert.equal(ended.status.code, 0);
  assert.equal(ended.stdout, "");
  const stderr = ended.stderr;
  assert.ok(!stderr.includes(DENO_HINT), `Deno's hint reached stderr:\n${stderr}`);
  const lines = stderr.split("\n").filter((line) => line !== "");
  const foreign = lines.filter((line) => !ours("quiet").test(line));
  assert.deepEqual(foreign, [], `stderr has lines that are not the server's:\n${stderr}`);
  assert.ok(
    lines.some((line) => line.includes("failing on purpose")),
    `the server's own line is missing:\n${stderr}`,
  );
});

Deno.test("deno serve of the documented serve entry answers an MCP initialize, and SIGTERM ends it", async () => {
  const server = await startDeno(
    ["serve", "-A", "--host", "127.0.0.1", "--port", "0", SERVE_ENTRY],
    /Listening on (http:\/\/\S+?)\/?\s/,
    { cwd: ROOT },
  );
  let status: Deno.CommandStatus | undefined;
  try {
    const url = `${server.match[1]}/mcp`;
    const result = await initializeOverHttp(url);
    assert.equal(result.protocolVersion, "2025-11-25");
    assert.deepEqual(result.serverInfo, { name: "quiet", version: "1.0.0" });
    // `add` is synchronous, so the worker pool starts and stays warm: without the server's own
    // SIGTERM handling it would keep the process alive after Deno's graceful shutdown.
    const res = await fetch(
      modernRequest("tools/call", { name: "add", arguments: { a: 2, b: 3 } }, 2, {}, url),
    );
    assert.match(await res.text(), /"text":"5"/);
    const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
    status = await server.stop("SIGTERM");
    clearTimeout(timer);
  } finally {
    if (!status) await server.stop("SIGKILL");
  }
  assert.equal(status.signal, null, "the process did not end on SIGTERM");
  assert.equal(status.code, 0);
});

Deno.test("the one-file pattern still serves under deno serve, and run() leaves stdio alone", async () => {
  const server = await startDeno(
    ["serve", "-A", "--host", "127.0.0.1", "--port", "0", ONE_FILE],
    /Listening on (http:\/\/\S+?)\/?\s/,
    { cwd: ROOT, stdin: true },
  );
  try {
    const url = `${server.match[1]}/mcp`;
    assert.deepEqual((await initializeOverHttp(url)).serverInfo, { name: "one-file", version: "1.0.0" });
    // Were stdio running, closing stdin would end the process; under deno serve it keeps serving.
    await server.child.stdin.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual((await initializeOverHttp(url)).serverInfo, { name: "one-file", version: "1.0.0" });
  } finally {
    await server.stop();
  }
});

Deno.test("deno run of the one-file pattern still gets Deno's hint (why the pattern has a serve entry)", async () => {
  // Should this fail, Deno no longer warns: the one-file pattern could come back to the README.
  const { status, stderr } = await spawnStdio(ONE_FILE).end();
  assert.equal(status.code, 0);
  assert.deepEqual(stderr.split("\n").filter((line) => line !== "").map((line) => line.includes(DENO_HINT)), [
    true,
  ]);
});

Deno.test("Deno.serve watchers stopped out of order leave Deno.serve as it was", () => {
  // Under deno run the constructor's watch (until the main module is evaluated) and run()'s
  // (until stdio ends) overlap, and the inner one stops first.
  const original = Deno.serve;
  const inner = watchDeclarativeServe();
  const outer = watchDeclarativeServe();
  assert.notEqual(Deno.serve, original);
  inner.stop();
  outer.stop();
  assert.equal(Deno.serve, original);
  const first = watchDeclarativeServe();
  const second = watchDeclarativeServe();
  second.stop();
  first.stop();
  assert.equal(Deno.serve, original);
});

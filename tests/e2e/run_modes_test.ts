import assert from "node:assert/strict";
import { CLIENT_HEADERS, modernMeta, modernRequest, readAnswer } from "../helpers/http.ts";
import { freePort, startDeno } from "../helpers/process.ts";

const ROOT = new URL("../../", import.meta.url);

const start = (args: string[], ready: RegExp, env: Record<string, string> = {}) =>
  startDeno(args, ready, { cwd: ROOT, env, stdin: true });

async function callAdd(url: string) {
  const res = await fetch(
    modernRequest("tools/call", { name: "add", arguments: { a: 2, b: 3 } }, 1, {}, url),
  );
  return (await readAnswer(res)).result.content[0].text;
}

Deno.test("deno run --http serves HTTP and SIGTERM stops it cleanly", async () => {
  const p = await start(
    ["run", "-A", "examples/quickstart.ts", "--http", "--port", "0"],
    /serving MCP on (http:\/\/\S+)/,
  );
  assert.equal(await callAdd(p.match[1]), "5");
  const status = await p.stop();
  assert.equal(status.code, 0);
});

Deno.test("deno serve uses the serve entry's default export, and stdin does not matter to it", async () => {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", "-A", "--host", "127.0.0.1", "--port", String(port), "examples/quickstart_serve.ts"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    // deno serve announces itself on stdout, so readiness is the first answer on the port.
    for (let i = 0; i < 200; i++) {
      try {
        await (await fetch(url)).body?.cancel();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.equal(await callAdd(url), "5");
    // Were stdio running, closing stdin would end the process; under deno serve it keeps serving.
    await child.stdin.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await callAdd(url), "5");
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
});

Deno.test("a Unix socket path serves the same endpoint", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/mcp.sock`;
  const p = await start(["run", "-A", "examples/quickstart.ts", "--unix", path], /serving MCP on unix:/);
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  try {
    const res = await fetch("http://localhost/mcp", {
      client,
      method: "POST",
      headers: { ...CLIENT_HEADERS, "mcp-protocol-version": "2026-07-28", "mcp-method": "server/discover" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "server/discover",
        params: { _meta: modernMeta() },
      }),
    });
    assert.deepEqual((await readAnswer(res)).result.supportedVersions, ["2026-07-28"]);
  } finally {
    client.close();
    await p.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stdio ends when stdin closes, after answering what it was sent", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "examples/quickstart.ts"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      // An async tool: what is tested is the end of input, not how soon the worker pool starts
      // (a worker's start can take longer than limits.shutdownTimeoutMs on a loaded machine).
      params: { name: "forecast", arguments: { city: "Oslo" }, _meta: modernMeta() },
    }) + "\n",
  ));
  await w.close();
  const out = await child.output();
  assert.equal(out.code, 0);
  const line = JSON.parse(new TextDecoder().decode(out.stdout).trim());
  assert.deepEqual(line.result.structuredContent, { city: "Oslo", days: 1, tempC: 21, conditions: "sunny" });
  assert.equal(line.result.resultType, "complete");
});

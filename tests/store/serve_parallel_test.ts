import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CLIENT_HEADERS, readAnswer } from "../helpers/http.ts";
import { freePort } from "../helpers/process.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("deno serve --parallel with 2 isolates and a KV store serves one session from both", async () => {
  const dir = await Deno.makeTempDir();
  const { child, url } = await startServe(dir);
  try {
    // The official client: the core flow.
    const client = new Client({ name: "parallel", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await client.connect(transport);
    assert.deepEqual((await client.listTools()).tools.map((t: { name: string }) => t.name).sort(), [
      "add",
      "forecast",
    ]);
    assert.deepEqual((await client.callTool({ name: "add", arguments: { a: 2, b: 3 } })).content, [{
      type: "text",
      text: "5",
    }]);
    const read = await client.readResource({ uri: "weather://Oslo/current" });
    assert.equal(JSON.parse((read.contents[0] as { text: string }).text).city, "Oslo");
    const prompt = await client.getPrompt({ name: "plan_trip", arguments: { city: "Rome" } });
    assert.match(JSON.stringify(prompt.messages), /Rome/);
    // New connections are spread over the isolates; the session must work on every one.
    const sid = transport.sessionId!;
    for (let i = 0; i < 20; i++) {
      const http = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
      try {
        const res = await fetch(url, {
          client: http,
          method: "POST",
          headers: { ...CLIENT_HEADERS, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 100 + i,
            method: "tools/call",
            params: { name: "add", arguments: { a: i, b: 1 } },
          }),
        });
        assert.equal(res.status, 200, `request ${i}`);
        assert.equal((await readAnswer(res)).result.content[0].text, String(i + 1));
      } finally {
        http.close();
      }
    }
    await transport.terminateSession();
    await client.close();
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Starts `deno serve --parallel` on a free port. Another test may take the port between picking
 * and binding, so a server that exits before answering is started again on a new one.
 */
async function startServe(dir: string): Promise<{ child: Deno.ChildProcess; url: string }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "serve",
        "--parallel",
        "-A",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "examples/quickstart_serve.ts",
      ],
      cwd: ROOT,
      env: { DENO_JOBS: "2", DENOMCP_STORE: `${dir}/kv.sqlite` },
      stdout: "null",
      stderr: "null",
    }).spawn();
    let exited = false;
    child.status.then(() => (exited = true));
    const url = `http://127.0.0.1:${port}/mcp`;
    for (let i = 0; i < 300 && !exited; i++) {
      try {
        await (await fetch(url)).body?.cancel();
        return { child, url };
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!exited) child.kill("SIGKILL");
    await child.status;
  }
  throw new Error("deno serve --parallel did not start");
}

/**
 * MCP configuration files: several servers behind one client, and errors that name the file,
 * the server entry and the problem.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Client, ConfigError, ConnectionError, loadMcpConfig, parseMcpConfig } from "../../client.ts";
import { startServer } from "../helpers/server.ts";

const SDK_V1_SERVER = new URL("fixtures/sdk_v1_stdio_server.ts", import.meta.url).pathname;

async function withConfigFile(
  contents: string | Uint8Array,
  fn: (file: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/mcp.json`;
  try {
    if (typeof contents === "string") await Deno.writeTextFile(file, contents);
    else await Deno.writeFile(file, contents);
    await fn(file, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function configError(target: ConstructorParameters<typeof Client>[0]): Promise<ConfigError> {
  const client = new Client(target);
  try {
    await client.connect();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err;
  } finally {
    await client.close();
  }
  throw new Error("connect succeeded");
}

Deno.test("a config file with two servers: tools and prompts are prefixed, resources routed", async () => {
  await using http = startServer();
  const config = {
    mcpServers: {
      local: { command: Deno.execPath(), args: ["run", "-A", SDK_V1_SERVER] },
      remote: { url: http.url, transport: "http" },
    },
  };
  await withConfigFile(JSON.stringify(config), async (file) => {
    await using client = new Client(file);
    await client.connect();
    assert.deepEqual(client.servers.map((s) => [s.name, s.info?.name]), [
      ["local", "sdk-v1-fixture"],
      ["remote", "denomcp-e2e"],
    ]);
    const tools = (await client.listTools()).map((t) => t.name);
    assert.ok(tools.includes("local_echo") && tools.includes("remote_add"), tools.join());
    assert.deepEqual(await client.callTool("local_echo", { text: "x" }), [{ type: "text", text: "echo: x" }]);
    assert.deepEqual(await client.callTool("remote_add", { a: 1, b: 2 }), [{ type: "text", text: "3" }]);
    assert.deepEqual((await client.listPrompts()).map((p) => p.name), ["local_hello", "remote_review"]);
    const prompt = await client.getPrompt("local_hello", { who: "Bo" });
    assert.deepEqual(prompt.messages[0].content, { type: "text", text: "Say hello to Bo" });
    const uris = (await client.listResources()).map((r) => r.uri);
    assert.deepEqual(uris, ["greeting://world", "config://app"]);
    const [world] = await client.readResource("greeting://world");
    assert.equal("text" in world ? world.text : "", "Hello, world!");
    // A template URI nobody listed is tried on each server in turn.
    const [hello] = await client.readResource("greeting://Ada");
    assert.equal("text" in hello ? hello.text : "", "Hello, Ada!");
    await assert.rejects(client.callTool("echo"), /no server for tool 'echo'/);
    await client.ping();
  });
});

Deno.test("a config object with one server needs no prefix", async () => {
  await using http = startServer();
  await using client = new Client({ mcpServers: { only: { url: http.url } } });
  assert.deepEqual(await client.callTool("add", { a: 2, b: 2 }), [{ type: "text", text: "4" }]);
});

Deno.test("a config file is read as UTF-8 and may start with a byte-order mark", async () => {
  const json = JSON.stringify({ mcpServers: { "météo": { command: "deno", args: ["run", "ü.ts"] } } });
  await withConfigFile("\uFEFF" + json, async (file) => {
    const config = await loadMcpConfig(file);
    assert.deepEqual(config.mcpServers["météo"], {
      transport: "stdio",
      command: "deno",
      args: ["run", "ü.ts"],
      env: undefined,
      cwd: undefined,
    });
  });
});

Deno.test("a relative cwd is resolved against the config file's folder", async () => {
  await withConfigFile(
    JSON.stringify({ mcpServers: { s: { command: "x", cwd: "sub" } } }),
    async (file, dir) => {
      const config = await loadMcpConfig(file);
      assert.equal((config.mcpServers.s as { cwd?: string }).cwd, `${dir}/sub`);
    },
  );
});

Deno.test("malformed JSON: the error names the file", async () => {
  await withConfigFile('{ "mcpServers": { "a": ', async (file) => {
    const err = await configError(file);
    assert.equal(err.file, file);
    assert.equal(err.server, undefined);
    assert.match(err.message, new RegExp(`^${file}: malformed JSON`));
  });
});

Deno.test("a file that is not UTF-8: the error names the file", async () => {
  await withConfigFile(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), async (file) => {
    const err = await configError(file);
    assert.equal(err.message, `${file}: the file is not valid UTF-8`);
  });
});

Deno.test("a missing config file: the error names the file", async () => {
  const err = await configError("/nonexistent/dir/mcp.json");
  assert.equal(err.message, "/nonexistent/dir/mcp.json: cannot read the configuration: file not found");
});

Deno.test("an unknown transport: the error names the file, the entry and the transport", async () => {
  const config = {
    mcpServers: { good: { command: "deno" }, bad: { url: "ws://x", transport: "websocket" } },
  };
  await withConfigFile(JSON.stringify(config), async (file) => {
    const err = await configError(file);
    assert.equal(err.file, file);
    assert.equal(err.server, "bad");
    assert.equal(
      err.message,
      `${file}: server 'bad': unknown transport "websocket" (expected one of stdio, http, streamable-http, sse)`,
    );
  });
});

Deno.test("a missing command: the error names the file and the entry", async () => {
  await withConfigFile(JSON.stringify({ mcpServers: { weather: { args: ["x"] } } }), async (file) => {
    const err = await configError(file);
    assert.equal(err.message, `${file}: server 'weather': has neither 'command' nor 'url'`);
    assert.equal(err.problem, "has neither 'command' nor 'url'");
  });
});

Deno.test("other malformed entries are reported with their entry", () => {
  const cases: [unknown, string][] = [
    [{}, "'mcpServers' must be an object of server entries"],
    [{ mcpServers: {} }, "'mcpServers' is empty"],
    [{ mcpServers: { a: 1 } }, "server 'a': the entry must be an object"],
    [{ mcpServers: { a: { command: 3 } } }, "server 'a': 'command' must be a non-empty string"],
    [{ mcpServers: { a: { command: "x", args: "y" } } }, "server 'a': 'args' must be an array of strings"],
    [
      { mcpServers: { a: { command: "x", env: { N: 1 } } } },
      "server 'a': 'env' must be an object of strings",
    ],
    [
      { mcpServers: { a: { type: "stdio", url: "http://x" } } },
      "server 'a': a stdio server needs a 'command'",
    ],
    [{ mcpServers: { a: { type: "sse" } } }, "server 'a': a sse server needs a 'url' string"],
    [{ mcpServers: { a: { url: "not a url" } } }, `server 'a': 'url' is not a valid URL: "not a url"`],
    [{ mcpServers: { a: { url: "file:///x" } } }, "server 'a': 'url' must be http(s), not file:"],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseMcpConfig(value), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, message);
      return true;
    });
  }
});

Deno.test("a command that does not exist: the error names the command", async () => {
  const client = new Client("definitely-not-a-command-xyz --flag");
  await assert.rejects(client.connect(), (err: unknown) => {
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.message, "cannot start 'definitely-not-a-command-xyz': command not found");
    return true;
  });
  await client.close();
});

Deno.test("a config entry whose command does not exist: the error names the entry", async () => {
  await using http = startServer();
  const client = new Client({
    mcpServers: { ok: { url: http.url }, broken: { command: "no-such-cmd-xyz" } },
  });
  await assert.rejects(client.connect(), /^ConnectionError: server 'broken': cannot start 'no-such-cmd-xyz'/);
  assert.equal(client.connected, false);
  await client.close();
});

Deno.test("an unknown target object is rejected", async () => {
  const err = await configError({ nothing: true } as never);
  assert.match(err.message, /^unknown target/);
});

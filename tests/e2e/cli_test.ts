/**
 * The `denomcp` command line as a user runs it: each command a subprocess, against a real file,
 * a real HTTP server, a real configuration file; exit statuses and messages checked.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createServer } from "./fixtures/cli_server.ts";
import { Client } from "../../client.ts";
import { startServer } from "../helpers/server.ts";
import { startDeno } from "../helpers/process.ts";

const CLI = new URL("../../cli/main.ts", import.meta.url).pathname;
const SERVER = new URL("./fixtures/cli_server.ts", import.meta.url).pathname;

async function denomcp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("cli: version, help, and usage errors exit 2 naming what is wrong", async () => {
  assert.equal((await denomcp("version")).stdout.trim(), "0.1.0");
  const help = await denomcp("--help");
  assert.equal(help.code, 0);
  for (const command of ["run", "dev", "install", "list", "call", "inspect", "tasks", "remote"]) {
    assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  }
  const missing = await denomcp("list", "no-such-file.ts");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file: no-such-file\.ts/);
  // The file is served by the CLI's own `run` in a child, whose message reaches the user.
  const wrongExport = await denomcp("list", `${SERVER}:nope`);
  assert.equal(wrongExport.code, 1);
  assert.match(
    wrongExport.stderr,
    /cli_server\.ts has no FastMCP export 'nope' \(its FastMCP exports: mcp\)/,
  );
  const unknown = await denomcp("frobnicate");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

Deno.test("cli: list and call against a file (served by the CLI's own run over stdio)", async () => {
  const listed = await denomcp("list", SERVER, "--resources", "--prompts");
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /greet\(name: string, times\?: integer\)\s+Greets someone/);
  assert.match(listed.stdout, /config:\/\/app/);
  assert.match(listed.stdout, /files:\/\/\{name\}/);
  assert.match(listed.stdout, /review\(code\)/);
  const called = await denomcp("call", SERVER, "greet", "name=007", "times=2");
  assert.equal(called.code, 0, called.stderr);
  // "007" stays a string: the schema says so; "2" becomes a number.
  assert.equal(called.stdout.trim(), "hello 007 hello 007");
  const json = JSON.parse(
    (await denomcp("call", SERVER, "greet", "--args", '{"name":"Ada"}', "--json")).stdout,
  );
  assert.deepEqual(json.content, [{ type: "text", text: "hello Ada" }]);
  const broken = await denomcp("call", SERVER, "broken");
  assert.equal(broken.code, 1, "a tool error is a failed command");
  assert.match(broken.stdout, /it broke/);
  const resource = await denomcp("call", SERVER, "--resource", "files://notes.txt");
  assert.equal(resource.stdout.trim(), "contents of notes.txt");
  const prompt = await denomcp("call", SERVER, "--prompt", "review", "code=let x");
  assert.match(prompt.stdout, /user: Review let x/);
  const noTool = await denomcp("call", SERVER, "nope");
  assert.equal(noTool.code, 2);
  assert.match(noTool.stderr, /the server has no tool 'nope' \(it has greet, broken\)/);
});

Deno.test("cli: a URL and a config entry; inspect --format json matches the server's own listings", async () => {
  await using server = startServer(createServer());
  const dir = await Deno.makeTempDir();
  try {
    const viaUrl = await denomcp("call", server.url, "greet", "name=web");
    assert.equal(viaUrl.stdout.trim(), "hello web", viaUrl.stderr);
    const config = `${dir}/mcp.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({ mcpServers: { web: { url: server.url }, other: { url: "http://127.0.0.1:1/mcp" } } }),
    );
    const entry = await denomcp("call", `${config}:web`, "greet", "name=entry");
    assert.equal(entry.stdout.trim(), "hello entry", entry.stderr);
    const noEntry = await denomcp("list", `${config}:nope`);
    assert.equal(noEntry.code, 2);
    assert.match(noEntry.stderr, /has no server 'nope' \(it has web, other\)/);

    const report = JSON.parse((await denomcp("inspect", server.url, "--format", "json")).stdout);
    await using direct = new Client(server.url);
    assert.deepEqual(report.tools, await direct.listTools());
    assert.deepEqual(report.resources, await direct.listResources());
    assert.deepEqual(report.resourceTemplates, await direct.listResourceTemplates());
    assert.deepEqual(report.prompts, await direct.listPrompts());
    assert.deepEqual(report.server, { name: "cli-fixture", version: "2.0.0" });
    assert.deepEqual(report.protocolVersions.sort(), ["2025-11-25", "2026-07-28"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: run serves a file over HTTP, and run <URL> proxies it", async () => {
  await using upstream = startServer(createServer());
  const served = await startDeno(
    ["run", "-A", CLI, "run", SERVER, "--transport", "http", "--port", "0"],
    /serving MCP on (http:\/\/\S+)/,
  );
  const proxied = await startDeno(
    ["run", "-A", CLI, "run", upstream.url, "--port", "0"],
    /serving MCP on (http:\/\/\S+)/,
  );
  try {
    for (const url of [served.match[1], proxied.match[1]]) {
      const out = await denomcp("call", url, "greet", "name=over-http");
      assert.equal(out.stdout.trim(), "hello over-http", `${url}: ${out.stderr}`);
    }
  } finally {
    await served.stop();
    await proxied.stop();
  }
});

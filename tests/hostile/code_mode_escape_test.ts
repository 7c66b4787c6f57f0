/**
 * Code Mode under attack: code that tries to leave its sandbox (files, network, environment,
 * processes, native code, the host's name, imports, ending the process, tampering with shared
 * prototypes) or to exhaust it (time, heap, memory outside the heap). Every attempt fails with a
 * clear error, and the server answers other calls during and after each.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { z } from "zod";
import { CodeMode, FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";

type Json = Record<string, unknown>;

async function call(
  mcp: FastMCP,
  name: string,
  args: Json = {},
): Promise<{ isError?: boolean; text: string; structured?: Json }> {
  const { result, error } = await readAnswer(
    await mcp.fetch(modernRequest("tools/call", { name, arguments: args })),
  );
  assert.ok(result, `expected a result, got ${JSON.stringify(error)}`);
  return {
    isError: result.isError as boolean | undefined,
    text: (result.content as { text: string }[]).map((c) => c.text).join("\n"),
    structured: result.structuredContent as Json | undefined,
  };
}

async function refused(mcp: FastMCP, code: string): Promise<string> {
  const answer = await call(mcp, "execute", { code });
  assert.equal(answer.isError, true, `the code was not refused: ${answer.text}`);
  return answer.text;
}

/** A server with a tool to probe its own state, and a local HTTP server counting requests. */
async function setUp() {
  const mcp = new FastMCP({ name: "target", logger: () => {}, runInThread: false });
  mcp.tool("ping", async () => "pong");
  const pids: number[] = [];
  mcp.tool("report", { input: z.object({ pid: z.number() }) }, async ({ pid }) => {
    pids.push(pid);
    return "ok";
  });
  mcp.tool("probe", { input: z.object({ text: z.string() }) }, async ({ text }) => {
    const plain = {} as Json;
    return {
      text,
      polluted: plain.polluted ?? null,
      injected: plain.x ?? null,
      mapWorks: [1, 2].map((n) => n * 2),
    };
  });
  mcp.addTransform(new CodeMode({ timeoutMs: 1_500, memoryLimitMb: 64 }));
  let hits = 0;
  const web = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    hits++;
    return new Response("export default 'remote';", {
      headers: { "content-type": "application/typescript" },
    });
  });
  const dir = await Deno.makeTempDir();
  const secret = `${dir}/secret.ts`;
  await Deno.writeTextFile(secret, "export default 'the secret';");
  return {
    mcp,
    pids,
    url: `http://127.0.0.1:${web.addr.port}/mod.ts`,
    secret,
    dir,
    hits: () => hits,
    async [Symbol.asyncDispose]() {
      await mcp.close();
      await web.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const ESCAPES: [string, (env: { url: string; secret: string; dir: string }) => string, RegExp][] = [
  [
    "reading a file",
    ({ secret }) => `await Deno.readTextFile(${JSON.stringify(secret)})`,
    /NotCapable: Requires read access/,
  ],
  [
    "writing a file",
    ({ dir }) => `await Deno.writeTextFile(${JSON.stringify(`${dir}/x`)}, "x")`,
    /NotCapable: Requires write access/,
  ],
  ["fetching a URL", ({ url }) => `await fetch(${JSON.stringify(url)})`, /NotCapable: Requires net access/],
  [
    "opening a socket",
    () => `await Deno.connect({ hostname: "127.0.0.1", port: 80 })`,
    /NotCapable: Requires net access/,
  ],
  ["reading the environment", () => `Deno.env.get("PATH")`, /NotCapable: Requires env access/],
  [
    "spawning a process",
    () => `await new Deno.Command("/usr/bin/id").output()`,
    /NotCapable: Requires run access/,
  ],
  ["loading native code", () => `Deno.dlopen("libc.so.6", {})`, /NotCapable: Requires ffi access/],
  ["reading system facts", () => `Deno.hostname()`, /NotCapable: Requires sys access/],
  [
    "importing a file",
    ({ secret }) => `(await import(${JSON.stringify(`file://${secret}`)})).default`,
    /Requires read access/,
  ],
  [
    "importing a URL",
    ({ url }) => `(await import(${JSON.stringify(url)})).default`,
    /Requires import access to "127\.0\.0\.1:\d+"/,
  ],
  ["importing an npm package", () => `(await import("npm:zod")).default`, /--no-npm/],
  ["ending the process", () => `Deno.exit(0)`, /Deno\.exit\(\) is not available in the sandbox/],
  ["closing the worker", () => `close()`, /close\(\) is not available in the sandbox/],
  [
    "writing to the sandbox's own channel",
    () => `Deno.stdout.writeSync(new Uint8Array([123, 10]))`,
    /Cannot read properties of undefined \(reading 'writeSync'\)/,
  ],
];

for (const [what, code, expected] of ESCAPES) {
  Deno.test(`code mode refuses ${what}, and the server serves on`, async () => {
    await using env = await setUp();
    assert.match(await refused(env.mcp, code(env)), expected);
    assert.equal(env.hits(), 0);
    assert.equal((await call(env.mcp, "ping")).text, "pong");
  });
}

Deno.test("prototype tampering in the sandbox never reaches the server", async () => {
  await using env = await setUp();
  const { structured } = await call(env.mcp, "execute", {
    code: `
      Object.prototype.polluted = "yes";
      Array.prototype.map = () => "hijacked";
      JSON.stringify = () => "{}";
      const args = JSON.parse('{"text": "a", "__proto__": {"x": "injected"}}');
      await callTool("probe", args)`,
  });
  assert.deepEqual((structured as { result: Json }).result, {
    text: "a",
    polluted: null,
    injected: null,
    mapWorks: [2, 4],
  });
  assert.equal(({} as Json).polluted, undefined);
  assert.equal((await call(env.mcp, "ping")).text, "pong");
});

Deno.test("an infinite loop is killed at the time limit while the server answers other calls", async () => {
  await using env = await setUp();
  const started = performance.now();
  const loop = call(env.mcp, "execute", {
    code: `await callTool("report", { pid: Deno.pid });\nwhile (true) {}`,
  });
  // The loop runs in another process: the server answers meanwhile, and quickly.
  await new Promise((r) => setTimeout(r, 300));
  const pingStarted = performance.now();
  assert.equal((await call(env.mcp, "ping")).text, "pong");
  assert.ok(performance.now() - pingStarted < 500, "ping waited on the loop");
  const answer = await loop;
  const took = performance.now() - started;
  assert.equal(answer.isError, true);
  assert.match(answer.text, /the code ran longer than 1500 ms \(timeoutMs\) and was stopped/);
  assert.ok(took >= 1_500 && took < 4_000, `stopped after ${took} ms`);
  // The answer comes once the process is gone.
  assert.throws(() => Deno.readTextFileSync(`/proc/${env.pids[0]}/stat`), Deno.errors.NotFound);
});

Deno.test("an allocation loop on the heap is killed at the memory limit", async () => {
  await using env = await setUp();
  const answer = await call(env.mcp, "execute", {
    code: "const keep = []; while (true) keep.push(new Array(1e5).fill(keep.length));",
  });
  assert.equal(answer.isError, true);
  assert.match(answer.text, /the code used more than 64 MB of memory \(memoryLimitMb\) and was stopped/);
  assert.equal((await call(env.mcp, "ping")).text, "pong");
});

Deno.test("an allocation loop outside the heap (ArrayBuffers) is killed at the memory limit", async () => {
  await using env = await setUp();
  const answer = await call(env.mcp, "execute", {
    code: "const keep = []; while (true) keep.push(new Uint8Array(1 << 20).fill(1));",
  });
  assert.equal(answer.isError, true);
  assert.match(answer.text, /the code used more than 64 MB of memory \(memoryLimitMb\) and was stopped/);
  assert.equal((await call(env.mcp, "ping")).text, "pong");
});

Deno.test("a sandbox that cannot be started is a clear construction error (no --allow-run)", async () => {
  const fixture = new URL("./fixtures/code_mode_no_run.ts", import.meta.url);
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-read", "--allow-env", fixture.pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  assert.match(
    new TextDecoder().decode(stdout),
    /^CodeMode runs code in a deno subprocess with no permissions; let the server start it with --allow-run=\S+deno/,
  );
});

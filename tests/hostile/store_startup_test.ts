/**
 * A store that cannot open fails loudly at start-up: `deno run` exits non-zero naming the store
 * (and never says it is serving), `serve()` and `start()` reject, and under `deno serve` (where
 * nothing starts the server before its first request) requests get a 503 JSON-RPC error naming
 * the store until it can open, which a later request tries again.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP } from "../../mod.ts";
import { CLIENT_HEADERS } from "../helpers/http.ts";
import { freePort } from "../helpers/process.ts";
import { eventually } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url);
const SERVER = "tests/hostile/fixtures/store_server.ts";
const SERVED = "tests/hostile/fixtures/store_served.ts";
const decoder = new TextDecoder();

/** Runs `deno run` of the fixture server to its end (killed after 30 s); its exit code and stderr. */
async function runServer(args: string[], env: Record<string, string>) {
  const started = Date.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  return {
    code: out.code,
    stderr: decoder.decode(out.stderr),
    stdout: decoder.decode(out.stdout),
    ms: Date.now() - started,
  };
}

/** Asserts the fixture exited 1 within a few seconds, with `line` on stderr and no "serving MCP". */
function assertFailedAtStart(result: Awaited<ReturnType<typeof runServer>>, line: RegExp): void {
  assert.equal(result.code, 1, `exit code; stderr:\n${result.stderr}`);
  assert.match(result.stderr, line);
  assert.doesNotMatch(result.stderr + result.stdout, /serving MCP/);
  assert.ok(result.ms < 15_000, `took ${result.ms} ms`);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

Deno.test("deno run --http with a store in a folder that does not exist exits 1 naming the store", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = `${dir}/missing/x.db`;
    const result = await runServer(["--http", "--port", "0"], { FIXTURE_STORE: store });
    assertFailedAtStart(result, new RegExp(`^cannot open store '${escape(store)}': \\S`, "m"));
    // stdio mode starts the same way.
    const stdio = await runServer([], { FIXTURE_STORE: store });
    assertFailedAtStart(stdio, new RegExp(`^cannot open store '${escape(store)}': `, "m"));
    assert.equal(stdio.stdout, "", "nothing on the protocol channel");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno run --http with a corrupt KV file exits 1 naming the store", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = `${dir}/corrupt.db`;
    await Deno.writeFile(store, crypto.getRandomValues(new Uint8Array(8192)));
    const result = await runServer(["--http", "--port", "0"], { FIXTURE_STORE: store });
    assertFailedAtStart(result, new RegExp(`^cannot open store '${escape(store)}': \\S`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "deno run --http with a store in a read-only folder exits 1 naming the store",
  // root ignores file permissions: a read-only folder cannot stop it, so the case cannot be
  // made under root (it runs for any other user).
  ignore: Deno.build.os === "windows" || Deno.uid() === 0,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/ro`);
      await Deno.chmod(`${dir}/ro`, 0o555);
      const store = `${dir}/ro/x.db`;
      const result = await runServer(["--http", "--port", "0"], { FIXTURE_STORE: store });
      assertFailedAtStart(result, new RegExp(`^cannot open store '${escape(store)}': \\S`, "m"));
    } finally {
      await Deno.chmod(`${dir}/ro`, 0o755).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("deno run --http with a lifespan that throws exits 1 saying so", async () => {
  const result = await runServer(["--http", "--port", "0"], {
    FIXTURE_LIFESPAN_FAIL: "the database is down",
  });
  assertFailedAtStart(result, /^cannot start lifespan of server 'store-startup': the database is down$/m);
});

Deno.test("deno serve: 503 naming the store with Retry-After while it cannot open, then the open is retried", async () => {
  const dir = await Deno.makeTempDir();
  const store = `${dir}/later/x.db`;
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", "-A", "--host", "127.0.0.1", "--port", String(port), SERVED],
    cwd: ROOT,
    env: { FIXTURE_STORE: store },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let logged = "";
  const drain = (async () => {
    while (true) {
      const { value, done } = await stderr.read();
      if (done) break;
      logged += value;
    }
  })();
  const url = `http://127.0.0.1:${port}/mcp`;
  const initialize = () =>
    fetch(url, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    });
  try {
    // deno serve announces itself on stdout, so readiness is the first answer on the port.
    await eventually(async () => {
      try {
        await (await fetch(url)).body?.cancel();
        return true;
      } catch {
        return false;
      }
    }, { timeoutMs: 20_000, intervalMs: 50, message: "deno serve never answered" });
    const refused = await initialize();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("content-type"), "application/json");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1, "Retry-After");
    const body = await refused.json();
    assert.deepEqual(Object.keys(body.error), ["code", "message"]);
    assert.equal(body.jsonrpc, "2.0");
    assert.equal(body.id, null);
    assert.equal(body.error.code, -32603);
    assert.match(body.error.message, new RegExp(`^cannot open store '${escape(store)}': \\S`));
    // The folder appears: after the backoff (a second), a request opens the store.
    await Deno.mkdir(`${dir}/later`);
    let last = 0;
    await eventually(async () => {
      const res = await initialize();
      last = res.status;
      await res.body?.cancel();
      return res.status === 200;
    }, { timeoutMs: 10_000, intervalMs: 250, message: "the store was never opened again" });
    assert.equal(last, 200);
  } finally {
    child.kill("SIGTERM");
    // deno serve shuts down gracefully on SIGTERM, but a pending Deno KV watch (the server's
    // cross-instance events) keeps the process alive afterwards: end it by its PID after a grace.
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, 3_000);
    await child.status;
    clearTimeout(timer);
    await drain;
    await Deno.remove(dir, { recursive: true });
  }
  // The operator sees why in the log, not once per request: at most one attempt a second.
  assert.match(logged, /cannot open store '/);
  assert.ok(logged.split("cannot open store").length - 1 <= 10, logged);
});

Deno.test("serve() and start() in-process: a store that cannot open rejects, closes the port and is tried again later", async () => {
  const dir = await Deno.makeTempDir();
  const store = `${dir}/later/x.db`;
  const logs: string[] = [];
  const mcp = new FastMCP({ name: "inproc", store, logger: (_level, message) => logs.push(message) });
  try {
    let listened = false;
    const handle = mcp.serve({ hostname: "127.0.0.1", port: 0, onListen: () => (listened = true) });
    await assert.rejects(handle.finished, (error: Error) => {
      assert.equal(error.message, `cannot open store '${store}': unable to open database file: ${store}`);
      return true;
    });
    assert.equal(listened, false, "onListen is called only once the store is open");
    assert.ok(!logs.some((line) => line.includes("serving MCP")), logs.join("\n"));
    // The port is closed again.
    await assert.rejects(fetch(handle.url), TypeError);
    // Within the backoff the same failure comes back at once; after it, the open is tried again.
    await assert.rejects(mcp.start(), /^Error: cannot open store '/);
    await Deno.mkdir(`${dir}/later`);
    await eventually(() => mcp.start().then(() => true, () => false), {
      timeoutMs: 5_000,
      intervalMs: 200,
      message: "start() never tried the store again",
    });
  } finally {
    await mcp.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run() on given streams rejects with the store's error instead of exiting", async () => {
  const dir = await Deno.makeTempDir();
  const store = `${dir}/missing/x.db`;
  const mcp = new FastMCP({ name: "embedded", store, logger: () => {} });
  const stdin = new TransformStream<Uint8Array, Uint8Array>();
  const stdout = new TransformStream<Uint8Array, Uint8Array>();
  try {
    await assert.rejects(
      mcp.run({ transport: "stdio", stdin: stdin.readable, stdout: stdout.writable }),
      (error: Error) => error.message.startsWith(`cannot open store '${store}': `),
    );
  } finally {
    await stdin.writable.close();
    await stdout.readable.cancel();
    await mcp.close();
    await Deno.remove(dir, { recursive: true });
  }
});

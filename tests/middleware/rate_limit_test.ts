/**
 * The rate limits: a token bucket and a sliding window in the server's store, keyed by principal
 * (else address), never by session; refusals an agent can act on (-32004 with `retryAfterMs`,
 * HTTP 429 with `Retry-After`); one limit across processes sharing a KV file; fail-open or closed
 * when the store fails.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  FastMCP,
  type Middleware,
  RateLimitingMiddleware,
  SlidingWindowRateLimitingMiddleware,
  StaticTokenVerifier,
} from "../../mod.ts";
import { legacyRequest, modernRequest, readAnswer } from "../helpers/http.ts";
import { startDeno } from "../helpers/process.ts";
import { StdioPeer } from "../helpers/stdio.ts";
import { SHARED_BACKENDS, sharedStore } from "../helpers/redis.ts";

function limited(limit: Middleware, options: { auth?: boolean } = {}): FastMCP {
  const mcp = new FastMCP({
    name: "limited",
    logLevel: "error",
    runInThread: false,
    middleware: [limit],
    auth: options.auth
      ? new StaticTokenVerifier({ tokens: { alice: { subject: "alice" }, bob: { subject: "bob" } } })
      : undefined,
  });
  for (const name of ["echo", "other"]) {
    mcp.tool(name, async () => {
      await Promise.resolve();
      return name;
    });
  }
  return mcp;
}

async function call(mcp: FastMCP, name = "echo", token?: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await mcp.fetch(modernRequest("tools/call", { name, arguments: {} }, 1, headers));
  const retryAfter = res.headers.get("retry-after");
  return { status: res.status, retryAfter, ...(await readAnswer(res)) };
}

Deno.test("token bucket: a burst, then -32004 with retryAfterMs, and HTTP 429 with Retry-After", async () => {
  const mcp = limited(new RateLimitingMiddleware({ maxRequestsPerSecond: 2, burstCapacity: 3 }));
  try {
    for (let i = 0; i < 3; i++) assert.equal((await call(mcp)).status, 200);
    const refused = await call(mcp);
    assert.equal(refused.status, 429);
    assert.equal(refused.retryAfter, "1");
    assert.equal(refused.error.code, -32004);
    assert.match(refused.error.message, /rate limit exceeded \(2\/s, bursts of 3\)/);
    assert.ok(refused.error.data.retryAfterMs > 0 && refused.error.data.retryAfterMs <= 500);
    // After the wait it names, a token is back.
    await new Promise((r) => setTimeout(r, refused.error.data.retryAfterMs + 20));
    assert.equal((await call(mcp)).status, 200);
  } finally {
    await mcp.close();
  }
});

Deno.test("keyed by principal, per tool when asked, and never by session: re-initialising gains nothing", async () => {
  const mcp = limited(
    new RateLimitingMiddleware({ maxRequestsPerSecond: 0.01, burstCapacity: 2, perTool: true }),
    {
      auth: true,
    },
  );
  try {
    assert.equal((await call(mcp, "echo", "alice")).status, 200);
    assert.equal((await call(mcp, "echo", "alice")).status, 200);
    assert.equal((await call(mcp, "echo", "alice")).status, 429);
    // Another tool, another bucket; another principal, another bucket.
    assert.equal((await call(mcp, "other", "alice")).status, 200);
    assert.equal((await call(mcp, "echo", "bob")).status, 200);
    // New 2025 sessions for alice: the same bucket.
    for (let i = 0; i < 2; i++) {
      const headers = { authorization: "Bearer alice" };
      const init = await mcp.fetch(legacyRequest({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }, headers));
      assert.equal(init.status, 200, "initialize is not limited");
      const session = init.headers.get("mcp-session-id")!;
      await init.body?.cancel();
      const res = await mcp.fetch(legacyRequest(
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: {} } },
        { ...headers, "mcp-session-id": session },
      ));
      assert.equal(res.status, 429);
      assert.equal((await readAnswer(res)).error.code, -32004);
    }
  } finally {
    await mcp.close();
  }
});

Deno.test("sliding window: exactly maxRequests in any window; the wait is until the oldest leaves", async () => {
  const mcp = limited(
    new SlidingWindowRateLimitingMiddleware({ maxRequests: 3, windowMs: 1000, globalLimit: true }),
  );
  try {
    const started = Date.now();
    for (let i = 0; i < 3; i++) assert.equal((await call(mcp)).status, 200);
    const refused = await call(mcp, "other");
    assert.equal(refused.status, 429);
    const wait = refused.error.data.retryAfterMs;
    // The oldest request was counted after `started`: the wait is at least what the window has left
    // since then, and never more than the window.
    assert.ok(wait <= 1000 && wait >= 1000 - (Date.now() - started), `waits ${wait} ms`);
    await new Promise((r) => setTimeout(r, wait + 20));
    assert.equal((await call(mcp)).status, 200);
    assert.throws(() => new SlidingWindowRateLimitingMiddleware({ maxRequests: 0 }), TypeError);
  } finally {
    await mcp.close();
  }
});

Deno.test("on stdio a refusal is the same JSON-RPC error", async () => {
  const mcp = limited(new RateLimitingMiddleware({ maxRequestsPerSecond: 0.01, burstCapacity: 1 }));
  const peer = await StdioPeer.open(mcp);
  try {
    await peer.handshake();
    assert.ok((await peer.request(1, "tools/call", { name: "echo", arguments: {} })).result);
    const refused = await peer.request(2, "tools/call", { name: "echo", arguments: {} });
    assert.equal((refused.error as { code: number }).code, -32004);
    assert.ok(((refused.error as { data: { retryAfterMs: number } }).data.retryAfterMs) > 0);
  } finally {
    await peer.close();
    await mcp.close();
  }
});

Deno.test("when the store fails: fail-open lets requests through with one warning, fail-closed refuses", async () => {
  for (const failOpen of [true, false]) {
    const logs: string[] = [];
    const mcp = new FastMCP({
      name: "broken-store",
      runInThread: false,
      logger: (_level, message) => logs.push(message),
      middleware: [new RateLimitingMiddleware({ maxRequestsPerSecond: 1, burstCapacity: 1, failOpen })],
    });
    mcp.tool("echo", async () => await Promise.resolve("echo"));
    try {
      await mcp.start();
      // The store breaks after start: every read fails.
      mcp.store!.getVersioned = () => Promise.reject(new Error("disk on fire"));
      for (let i = 0; i < 3; i++) {
        const answer = await call(mcp);
        assert.equal(answer.status, failOpen ? 200 : 429, `failOpen ${failOpen}`);
      }
      assert.equal(logs.filter((l) => l.includes("disk on fire")).length, 1);
    } finally {
      await mcp.close();
    }
  }
});

for (const backend of SHARED_BACKENDS) {
  Deno.test(`one limit across two processes sharing a store (${backend})`, async () => {
    await using shared = await sharedStore(backend);
    const dir = await Deno.makeTempDir();
    const fixture = new URL("./fixtures/limited_server.ts", import.meta.url).pathname;
    const start = () =>
      startDeno(["run", "-A", fixture], /serving MCP on (http:\/\/127\.0\.0\.1:\d+\/mcp)/, {
        env: { STORE: shared.url },
      });
    const [a, b] = [await start(), await start()];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const url = (i % 2 === 0 ? a : b).match[1];
        const res = await fetch(modernRequest("tools/call", { name: "echo", arguments: {} }, i, {}, url));
        statuses.push(res.status);
        await res.body?.cancel();
      }
      // A burst of 4, whichever instance served them; then both refuse.
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    } finally {
      await a.stop();
      await b.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("concurrent requests on one bucket are decided together, exactly", async () => {
  for (
    const limit of [
      new RateLimitingMiddleware({ maxRequestsPerSecond: 0.01, burstCapacity: 5 }),
      new SlidingWindowRateLimitingMiddleware({ maxRequests: 5, windowMs: 60_000 }),
    ]
  ) {
    const mcp = limited(limit);
    try {
      const statuses = await Promise.all(Array.from({ length: 20 }, () => call(mcp).then((a) => a.status)));
      assert.equal(statuses.filter((s) => s === 200).length, 5);
      assert.equal(statuses.filter((s) => s === 429).length, 15);
    } finally {
      await mcp.close();
    }
  }
});

/**
 * Sessions under abuse: oversized `initialize` floods, a table full of half-open sessions, and
 * what an ended session leaves behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";
import { ENDPOINT, legacyRequest, modernRequest, openSession, readMessages } from "../helpers/http.ts";
import { eventually } from "../helpers/wait.ts";
import { initialize, pooled, startExhaust } from "./exhaust.ts";

const MiB = 1024 * 1024;

Deno.test("a flood of oversized initialize is refused with -32602, keeps nothing, and the heap stays bounded", async () => {
  await using server = await startExhaust();
  const before = await server.memory();
  const capabilities = { experimental: { blob: "x".repeat(MiB) } };
  const statuses = new Set<number>();
  let refused = 0;
  await pooled(Array.from({ length: 200 }, (_, i) => i), 8, async () => {
    const { sessionId, answer } = await initialize(server.url, capabilities, false);
    statuses.add(answer.status);
    const error = answer.body?.error as { code: number; message: string } | undefined;
    if (!sessionId && error?.code === -32602 && /maxSessionRecordBytes/.test(error.message)) refused++;
  });
  assert.deepEqual([...statuses], [400]);
  assert.equal(refused, 200);
  const after = await server.memory();
  assert.equal(after.stats.sessions, 0);
  // 200 MiB went in; what is left after a GC is the server's own working set.
  const grown = after.heapUsed - before.heapUsed;
  assert.ok(grown < 16 * MiB, `heap grew by ${(grown / MiB).toFixed(1)} MiB`);
  const { sessionId } = await initialize(server.url);
  assert.ok(sessionId, "a normal client still gets in");
});

Deno.test("a real client is admitted while the table is full of half-open sessions; the oldest goes", async () => {
  const mcp = new FastMCP({ name: "half-open", logLevel: "error", limits: { maxSessions: 20 } });
  try {
    const fetch = (r: Request) => mcp.fetch(r);
    const halfOpen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(legacyRequest({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "burst", version: "1" },
        },
      }));
      await res.body?.cancel();
      halfOpen.push(res.headers.get("mcp-session-id")!);
    }
    assert.equal(mcp.stats().halfOpenSessions, 20);
    const real = await openSession(fetch);
    assert.ok(real);
    assert.equal(mcp.stats().sessions, 20);
    assert.equal(mcp.stats().halfOpenSessions, 19);
    const ping = (id: string) =>
      fetch(legacyRequest({ jsonrpc: "2.0", id: 1, method: "ping" }, {
        "mcp-session-id": id,
        "mcp-protocol-version": "2025-11-25",
      }));
    assert.equal((await ping(halfOpen[0])).status, 404, "the oldest half-open session was evicted");
    const second = await ping(halfOpen[1]);
    assert.equal(second.status, 200, "only one was");
    await second.body?.cancel();
    const mine = await ping(real);
    assert.equal(mine.status, 200);
    await mine.body?.cancel();
  } finally {
    await mcp.close();
  }
});

Deno.test("a table full of working sessions answers 503 with a Retry-After from the next expiry", async () => {
  const mcp = new FastMCP({
    name: "full",
    logLevel: "error",
    limits: { maxSessions: 3, sessionIdleTimeoutMs: 20_000 },
  });
  try {
    const fetch = (r: Request) => mcp.fetch(r);
    for (let i = 0; i < 3; i++) await openSession(fetch);
    const res = await fetch(legacyRequest({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "late", version: "1" } },
    }));
    assert.equal(res.status, 503);
    const [body] = await readMessages(res);
    assert.match((body.error as { message: string }).message, /limits\.maxSessions/);
    const retryAfter = Number(res.headers.get("retry-after"));
    // Idle expiry in 20 s, found by a sweep at most 5 s later (a quarter of the timeout).
    assert.ok(retryAfter >= 20 && retryAfter <= 26, `Retry-After: ${retryAfter}`);
  } finally {
    await mcp.close();
  }
});

Deno.test("half-open sessions expire after halfOpenSessionTimeoutMs", async () => {
  const mcp = new FastMCP({ name: "expire", logLevel: "error", limits: { halfOpenSessionTimeoutMs: 500 } });
  try {
    const fetch = (r: Request) => mcp.fetch(r);
    const res = await fetch(legacyRequest({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    }));
    await res.body?.cancel();
    const working = await openSession(fetch);
    assert.equal(mcp.stats().sessions, 2);
    await eventually(() => mcp.stats().sessions === 1, {
      timeoutMs: 3000,
      message: "half-open session kept",
    });
    const ping = await fetch(legacyRequest({ jsonrpc: "2.0", id: 1, method: "ping" }, {
      "mcp-session-id": working,
      "mcp-protocol-version": "2025-11-25",
    }));
    assert.equal(ping.status, 200, "the working session stays");
    await ping.body?.cancel();
  } finally {
    await mcp.close();
  }
});

function stateServer(limits: Record<string, number> = {}): FastMCP {
  const mcp = new FastMCP({ name: "state", logLevel: "error", limits });
  mcp.tool(
    "remember",
    { input: z.object({ key: z.string(), value: z.string() }) },
    async ({ key, value }, ctx) => {
      await ctx.setState(key, value);
      return "kept";
    },
  );
  mcp.resource("res://{id}", { mimeType: "text/plain" }, ({ id }) => id);
  return mcp;
}

async function call(
  fetch: (r: Request) => Promise<Response> | Response,
  session: string,
  method: string,
  params: Record<string, unknown>,
) {
  const [body] = await readMessages(
    await fetch(legacyRequest({ jsonrpc: "2.0", id: 7, method, params }, {
      "mcp-session-id": session,
      "mcp-protocol-version": "2025-11-25",
    })),
  );
  return body;
}

Deno.test("a session's state is bounded in bytes, and released with its subscriptions when it ends", async () => {
  const mcp = stateServer({ maxStateBytesPerSession: 1000 });
  try {
    const fetch = (r: Request) => mcp.fetch(r);
    const session = await openSession(fetch);
    const ok = await call(fetch, session, "tools/call", {
      name: "remember",
      arguments: { key: "a", value: "x".repeat(400) },
    });
    assert.equal((ok.result as { isError?: boolean }).isError, undefined);
    // Overwriting a key replaces its bytes instead of adding to them.
    await call(fetch, session, "tools/call", {
      name: "remember",
      arguments: { key: "a", value: "y".repeat(400) },
    });
    const over = await call(fetch, session, "tools/call", {
      name: "remember",
      arguments: { key: "b", value: "z".repeat(700) },
    });
    const result = over.result as { isError: boolean; content: { text: string }[] };
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /maxStateBytesPerSession \(1000\)/);
    await call(fetch, session, "resources/subscribe", { uri: "res://1" });
    assert.ok(mcp.stats().stateBytes >= 400);
    const deleted = await fetch(
      new Request(ENDPOINT, {
        method: "DELETE",
        headers: { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
      }),
    );
    assert.equal(deleted.status, 200);
    assert.equal(mcp.stats().sessions, 0);
    assert.equal(mcp.stats().sessionBytes, 0);
    assert.equal(mcp.stats().stateBytes, 0);
    await eventually(async () => {
      for await (const _ of mcp.store.list(["state"])) return false;
      return true;
    }, { message: "the ended session's state is still in the store" });
  } finally {
    await mcp.close();
  }
});

Deno.test("subscriptions are bounded in count and URI length, on resources/subscribe and on listen", async () => {
  const mcp = stateServer({ maxSubscriptionsPerSession: 2, maxSubscriptionUriBytes: 64 });
  try {
    const fetch = (r: Request) => mcp.fetch(r);
    const session = await openSession(fetch);
    for (const uri of ["res://1", "res://2", "res://2"]) {
      assert.deepEqual((await call(fetch, session, "resources/subscribe", { uri })).result, {});
    }
    const third = await call(fetch, session, "resources/subscribe", { uri: "res://3" });
    assert.equal((third.error as { code: number }).code, -32602);
    assert.match((third.error as { message: string }).message, /maxSubscriptionsPerSession \(2\)/);
    await call(fetch, session, "resources/unsubscribe", { uri: "res://1" });
    const long = await call(fetch, session, "resources/subscribe", { uri: `res://${"a".repeat(100)}` });
    assert.match((long.error as { message: string }).message, /maxSubscriptionUriBytes \(64\)/);
    const listen = await fetch(modernRequest("subscriptions/listen", {
      notifications: { resourceSubscriptions: ["res://1", "res://2", "res://3"] },
    }));
    const [refused] = await readMessages(listen);
    assert.equal((refused.error as { code: number }).code, -32602);
    assert.match((refused.error as { message: string }).message, /maxSubscriptionsPerSession/);
    assert.equal(mcp.stats().subscriptions, 0);
  } finally {
    await mcp.close();
  }
});

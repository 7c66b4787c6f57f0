/**
 * `ResponseCachingMiddleware`: results kept in the server's store and partitioned by caller, so
 * that two principals never see each other's results (listings filtered by component auth
 * included); errors, tasks and oversized results are not kept; 2026 cache hints; listings dropped
 * when a list changes; replicas on one store share entries.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import {
  FastMCP,
  memoryStore,
  requireScopes,
  ResponseCachingMiddleware,
  type ResponseCachingOptions,
  StaticTokenVerifier,
  type Store,
} from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";
import { startRedis } from "../helpers/redis.ts";

function cached(options: ResponseCachingOptions = {}, store?: Store | string) {
  const cache = new ResponseCachingMiddleware(options);
  const mcp = new FastMCP({
    name: "cached",
    logger: () => {},
    runInThread: false,
    store,
    middleware: [cache],
    auth: new StaticTokenVerifier({
      tokens: {
        alice: { subject: "alice", scopes: ["read"] },
        bob: { subject: "bob", scopes: ["read", "write"] },
      },
    }),
  });
  let runs = 0;
  mcp.tool("whoami", { input: z.object({ n: z.number().optional() }) }, async (_args, ctx) => {
    await Promise.resolve();
    return `${ctx.accessToken?.subject} run ${++runs}`;
  });
  mcp.tool("flaky", async () => {
    await Promise.resolve();
    throw new Error(`failure ${++runs}`);
  });
  mcp.tool("big", async () => await Promise.resolve("x".repeat(4096)));
  mcp.tool("write", { auth: requireScopes("write") }, async () => await Promise.resolve("written"));
  return { mcp, cache };
}

async function rpc(mcp: FastMCP, who: string, method: string, params: Record<string, unknown> = {}) {
  const res = await mcp.fetch(modernRequest(method, params, 1, { authorization: `Bearer ${who}` }));
  return await readAnswer(res);
}

const text = (answer: { result: { content: { text: string }[] } }) => answer.result.content[0].text;

Deno.test("#11, §2.6 c (FastMCP #4041): two principals never see each other's cached results, listings filtered by auth included", async () => {
  const { mcp, cache } = cached();
  try {
    assert.equal(
      text(await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} })),
      "alice run 1",
    );
    assert.equal(text(await rpc(mcp, "bob", "tools/call", { name: "whoami", arguments: {} })), "bob run 2");
    assert.equal(
      text(await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} })),
      "alice run 1",
    );
    // Other arguments, another entry (keys are canonical: the order of properties does not matter).
    assert.equal(
      text(await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: { n: 1 } })),
      "alice run 3",
    );
    assert.equal(
      text(await rpc(mcp, "alice", "tools/call", { arguments: { n: 1 }, name: "whoami" })),
      "alice run 3",
    );
    const names = async (who: string) =>
      (await rpc(mcp, who, "tools/list")).result.tools.map((t: { name: string }) => t.name).sort();
    assert.deepEqual(await names("alice"), ["big", "flaky", "whoami"]);
    assert.deepEqual(await names("bob"), ["big", "flaky", "whoami", "write"]);
    assert.deepEqual(await names("alice"), ["big", "flaky", "whoami"]);
    const stats = cache.statistics();
    assert.deepEqual(stats["tools/call"], { hits: 2, misses: 3, stores: 3, tooLarge: 0 });
    assert.deepEqual(stats["tools/list"], { hits: 1, misses: 2, stores: 2, tooLarge: 0 });
  } finally {
    await mcp.close();
  }
});

Deno.test("errors and oversized results are not kept; excluded and not-included tools are not cached", async () => {
  const { mcp, cache } = cached({ maxItemSize: 1024, callToolSettings: { excludedTools: ["whoami"] } });
  try {
    const first = await rpc(mcp, "alice", "tools/call", { name: "flaky", arguments: {} });
    const second = await rpc(mcp, "alice", "tools/call", { name: "flaky", arguments: {} });
    assert.equal(first.result.isError, true);
    assert.notEqual(text(first), text(second));
    await rpc(mcp, "alice", "tools/call", { name: "big", arguments: {} });
    await rpc(mcp, "alice", "tools/call", { name: "big", arguments: {} });
    assert.equal(cache.statistics()["tools/call"].tooLarge, 2);
    assert.equal(cache.statistics()["tools/call"].hits, 0);
    assert.notEqual(
      text(await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} })),
      text(await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} })),
    );
  } finally {
    await mcp.close();
  }
  const only = cached({ callToolSettings: { includedTools: ["big"] } });
  try {
    assert.notEqual(
      text(await rpc(only.mcp, "alice", "tools/call", { name: "whoami", arguments: {} })),
      text(await rpc(only.mcp, "alice", "tools/call", { name: "whoami", arguments: {} })),
    );
  } finally {
    await only.mcp.close();
  }
});

Deno.test("2026 cache hints: the time an entry has left, and private scope for a principal's entry", async () => {
  const { mcp } = cached({ callToolSettings: { ttlMs: 10_000 } });
  try {
    const fresh = await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} });
    assert.equal(fresh.result.ttlMs, 10_000);
    assert.equal(fresh.result.cacheScope, "private");
    await new Promise((r) => setTimeout(r, 30));
    const hit = await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} });
    assert.equal(text(hit), text(fresh));
    assert.ok(hit.result.ttlMs < 10_000 && hit.result.ttlMs > 9_000, `ttlMs ${hit.result.ttlMs}`);
  } finally {
    await mcp.close();
  }
});

Deno.test("entries expire, and a list change drops cached listings", async () => {
  const { mcp } = cached({ callToolSettings: { ttlMs: 50 } });
  try {
    const first = text(await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} }));
    await new Promise((r) => setTimeout(r, 80));
    assert.notEqual(text(await rpc(mcp, "alice", "tools/call", { name: "whoami", arguments: {} })), first);
    const before = (await rpc(mcp, "alice", "tools/list")).result.tools.length;
    mcp.tool("added", async () => await Promise.resolve("new"));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await rpc(mcp, "alice", "tools/list")).result.tools.length, before + 1);
  } finally {
    await mcp.close();
  }
});

Deno.test("two servers on one store share entries (replicas)", async () => {
  const store = memoryStore();
  const a = cached({}, store);
  const b = cached({}, store);
  try {
    const answer = text(await rpc(a.mcp, "alice", "tools/call", { name: "whoami", arguments: {} }));
    assert.equal(text(await rpc(b.mcp, "alice", "tools/call", { name: "whoami", arguments: {} })), answer);
    assert.equal(b.cache.statistics()["tools/call"].hits, 1);
  } finally {
    await a.mcp.close();
    await b.mcp.close();
    store.close();
  }
});

Deno.test("two replicas, each with its own connection to one Redis, share entries", async () => {
  await using redis = await startRedis();
  const a = cached({}, redis.url);
  const b = cached({}, redis.url);
  try {
    const answer = text(await rpc(a.mcp, "alice", "tools/call", { name: "whoami", arguments: {} }));
    assert.equal(text(await rpc(b.mcp, "alice", "tools/call", { name: "whoami", arguments: {} })), answer);
    assert.equal(b.cache.statistics()["tools/call"].hits, 1);
    // Another principal is another partition, on Redis too.
    assert.notEqual(text(await rpc(b.mcp, "bob", "tools/call", { name: "whoami", arguments: {} })), answer);
  } finally {
    await a.mcp.close();
    await b.mcp.close();
  }
});

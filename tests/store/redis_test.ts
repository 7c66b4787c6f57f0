/**
 * What the Redis store adds to the common store tests (tests/store/store_test.ts), against a real
 * `redis-server`: keys of any text, servers kept apart by prefix, the size limit, watches across
 * connections (as across processes), and a Redis that goes away and comes back: operations fail
 * at once naming the store, health says so, and the store reconnects by itself.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FastMCP, redisStore, StoreUnavailableError, ValueTooLargeError } from "../../mod.ts";
import { freePort } from "../helpers/process.ts";
import { startRedis } from "../helpers/redis.ts";
import { eventually } from "../helpers/wait.ts";

Deno.test("redis: keys of any text round-trip and list by prefix; prefixes keep servers apart", async () => {
  await using redis = await startRedis();
  const a = redisStore(redis.url, { prefix: "a" });
  const b = redisStore(redis.url, { prefix: "b" });
  try {
    const odd = ["sessions", "a/b", "100%", "ünï cödé", "", "x\u0000y"];
    await a.set(odd, { deep: [1, "two"] });
    await a.set(["sessions", "plain"], 1);
    await a.set(["sessionsX"], 2);
    await a.set(["sessions"], 3);
    assert.deepEqual(await a.get(odd), { deep: [1, "two"] });
    const listed = [];
    for await (const entry of a.list(["sessions"])) listed.push(entry);
    assert.deepEqual(
      listed.map((e) => e.key).sort(),
      [["sessions", "a/b", "100%", "ünï cödé", "", "x\u0000y"], ["sessions", "plain"]].sort(),
    );
    // Another prefix sees none of it.
    assert.equal(await b.get(odd), undefined);
    const other = [];
    for await (const entry of b.list([])) other.push(entry);
    assert.deepEqual(other, []);
    // A listing longer than one page.
    for (let i = 0; i < 600; i++) await b.set(["many", String(i).padStart(4, "0")], i);
    let count = 0;
    for await (const _ of b.list(["many"])) count++;
    assert.equal(count, 600);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("redis: values up to maxValueBytes are kept whole; larger ones are refused in every write", async () => {
  await using redis = await startRedis();
  const store = redisStore(redis.url, { maxValueBytes: 200_000 });
  try {
    const big = "x".repeat(150_000);
    await store.set(["big"], big);
    assert.equal(await store.get(["big"]), big);
    const huge = "y".repeat(250_000);
    await assert.rejects(store.set(["huge"], huge), ValueTooLargeError);
    await assert.rejects(store.setIf(["huge"], null, huge), ValueTooLargeError);
    await assert.rejects(store.commit([{ key: ["huge"], value: huge }]), ValueTooLargeError);
    assert.equal(await store.get(["huge"]), undefined);
  } finally {
    store.close();
  }
});

Deno.test("redis: a watch hears writes made through another connection, and stops when asked", async () => {
  await using redis = await startRedis();
  const writer = redisStore(redis.url);
  const reader = redisStore(redis.url);
  try {
    const heard: unknown[] = [];
    const stop = reader.watch(["events"], (v) => heard.push(v));
    await eventually(async () => {
      await writer.set(["events"], { n: heard.length });
      return heard.length > 0;
    });
    stop();
    const before = heard.length;
    await writer.set(["events"], { n: "after" });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(heard.length, before);
  } finally {
    writer.close();
    reader.close();
  }
});

Deno.test("redis: a lost server fails operations at once naming the store; health says so; it reconnects", async () => {
  const redis = await startRedis();
  const store = redisStore(`redis://user:secret@127.0.0.1:${redis.port}/0`, {
    maxReconnectDelayMs: 100,
    connectTimeoutMs: 500,
  });
  let restarted: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    // The server refuses the user (no ACL set): the store cannot connect, and says which store.
    const refused = await store.connect().then(() => undefined, (e) => e);
    assert.ok(refused instanceof StoreUnavailableError, String(refused));
    assert.match(
      refused.message,
      /^store 'redis:\/\/127\.0\.0\.1:\d+\/0' is unavailable: .*(WRONGPASS|invalid username-password|AUTH)/i,
    );
  } finally {
    store.close();
  }
  const live = redisStore(redis.url, { maxReconnectDelayMs: 100 });
  try {
    await live.set(["k"], 1);
    assert.deepEqual(live.health!(), { connected: true });
    await redis.stop();
    const started = Date.now();
    const error = await live.get(["k"]).then(() => undefined, (e) => e);
    assert.ok(error instanceof StoreUnavailableError, String(error));
    assert.match(error.message, /^store 'redis:\/\/127\.0\.0\.1:\d+\/0' is unavailable/);
    assert.ok(Date.now() - started < 1_000, "failed at once, not after a queue");
    await eventually(() => live.health!().connected === false);
    restarted = await startRedis(redis.port);
    await eventually(async () => {
      try {
        await live.set(["k"], 2);
        return true;
      } catch {
        return false;
      }
    });
    assert.equal(await live.get(["k"]), 2);
    assert.equal(live.health!().connected, true);
  } finally {
    live.close();
    await redis.stop();
    await restarted?.stop();
  }
});

Deno.test("redis: store: 'redis://…' opens at start-up; stats() reports it; an unreachable one stops start-up naming it without credentials", async () => {
  await using redis = await startRedis();
  const mcp = new FastMCP({ name: "r", logger: () => {}, store: redis.url });
  try {
    await mcp.start();
    assert.deepEqual(mcp.stats().store, { kind: "redis", connected: true });
  } finally {
    await mcp.close();
  }
  const down = new FastMCP({ name: "down", logger: () => {}, store: "redis://ops:hunter2@127.0.0.1:1/0" });
  try {
    const error = await down.start().then(() => undefined, (e) => e);
    assert.ok(error instanceof Error);
    assert.match(
      error.message,
      /^cannot open store 'redis:\/\/127\.0\.0\.1:1\/0': store 'redis:\/\/127\.0\.0\.1:1\/0' is unavailable/,
    );
    assert.ok(!error.message.includes("hunter2"));
  } finally {
    await down.close();
  }
});

Deno.test("redis: rediss:// over TLS, with the CA given; an untrusted server certificate is refused", async () => {
  const fixtures = new URL("../client/fixtures/", import.meta.url).pathname;
  const tls = {
    cert: `${fixtures}tls_cert.pem`,
    key: `${fixtures}tls_key.pem`,
    ca: `${fixtures}tls_ca.pem`,
    port: freePort(),
  };
  await using _redis = await startRedis(undefined, tls);
  const url = `rediss://localhost:${tls.port}/0`;
  const trusting = redisStore(url, { caCerts: [await Deno.readTextFile(tls.ca)] });
  const plain = redisStore(url, { connectTimeoutMs: 2_000 });
  try {
    await trusting.set(["over", "tls"], { ok: true });
    assert.deepEqual(await trusting.get(["over", "tls"]), { ok: true });
    const refused = await plain.connect().then(() => undefined, (e) => e);
    assert.ok(refused instanceof StoreUnavailableError, String(refused));
    assert.match(refused.message, /^store 'rediss:\/\/localhost:\d+\/0' is unavailable/);
  } finally {
    trusting.close();
    plain.close();
  }
});

/**
 * The store under hostile timing and sizes: expired values are never returned (Deno KV keeps them
 * readable long after their expiry), memory refuses values over its size limit as KV does, and
 * memory sweeps expired entries instead of keeping them forever.
 *
 * @module
 */

import assert from "node:assert/strict";
import { kvStore, memoryStore, type Store, ValueTooLargeError } from "../../mod.ts";
import { storedEntryCount } from "../../server/store/memory.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function keys(store: Store, prefix: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.list(prefix)) out.push(entry.key.join("/"));
  return out;
}

/** Runs `fn` on a memory store, then on a KV store in a temporary file (its handle given too). */
async function withStores(fn: (store: Store, name: string, kv?: Deno.Kv) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/store.sqlite`);
  try {
    for (const [name, store] of [["memory", memoryStore()], ["kv", kvStore(kv)]] as const) {
      try {
        await fn(store, name, name === "kv" ? kv : undefined);
      } finally {
        store.close();
      }
    }
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an expired value is gone from get, getVersioned and list, and setIf/commit see it absent", async () => {
  await withStores(async (store, name, kv) => {
    await store.set(["exp", "a"], { n: 1 }, { expireInMs: 50 });
    await store.set(["exp", "b"], "kept");
    const before = await store.getVersioned(["exp", "a"]);
    assert.deepEqual(before.value, { n: 1 }, name);
    await store.set(["exp", "c"], 3, { expireInMs: 50 });
    const { version: cVersion } = await store.getVersioned(["exp", "c"]);
    await store.set(["exp", "d"], 4, { expireInMs: 50 });
    // Waiting for a deadline to pass, not for something to happen: a fixed sleep is right here.
    await sleep(100);
    if (kv) {
      // The point of the test: KV still holds the expired entry (it sweeps about a minute later).
      assert.notEqual((await kv.get(["denomcp", "exp", "a"])).versionstamp, null, "KV swept already");
    }
    assert.equal(await store.get(["exp", "a"]), undefined, `${name}: get`);
    assert.deepEqual(
      await store.getVersioned(["exp", "a"]),
      { value: undefined, version: null },
      `${name}: getVersioned`,
    );
    assert.deepEqual(await keys(store, ["exp"]), ["exp/b"], `${name}: list`);
    // Expired: a version read while it was live no longer matches, and "must not exist" holds.
    assert.equal(await store.setIf(["exp", "a"], before.version, { n: 2 }), false, `${name}: stale version`);
    assert.equal(
      await store.setIf(["exp", "a"], null, { n: 3 }),
      true,
      `${name}: setIf over an expired value`,
    );
    assert.deepEqual(await store.get(["exp", "a"]), { n: 3 }, name);
    assert.equal(await store.setIf(["exp", "a"], null, { n: 4 }), false, `${name}: now it exists`);
    assert.equal(
      await store.commit([{ key: ["exp", "c"], version: cVersion, value: "late" }]),
      false,
      `${name}: commit with the version of an expired value`,
    );
    assert.equal(
      await store.commit([{ key: ["exp", "d"], version: null, value: "fresh" }, {
        key: ["exp", "b"],
        delete: true,
      }]),
      true,
      `${name}: commit over an expired value`,
    );
    assert.equal(await store.get(["exp", "d"]), "fresh", name);
    assert.equal(await store.get(["exp", "b"]), undefined, name);
  });
});

Deno.test("a watch does not deliver a value that expired before it was seen", async () => {
  // Memory: a value written already expired (expireInMs 0) is not news.
  const memory = memoryStore();
  const heard: unknown[] = [];
  const stop = memory.watch(["w"], (v) => heard.push(v));
  await memory.set(["w"], "expired", { expireInMs: 0 });
  await memory.set(["w"], "live", { expireInMs: 60_000 });
  await sleep(10);
  stop();
  memory.close();
  assert.deepEqual(heard, ["live"]);

  // KV: a watch may first see a write long after it (another process's write is seen by polling);
  // by then its expiry may have passed. The entry is written as the store keeps an expiring value
  // (`{ __exp, v }`), with an expiry already past, so that the watch surely sees it expired.
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/w.sqlite`);
  const reader = kvStore(kv, { watchPollMs: 20 });
  try {
    await reader.set(["w"], "before");
    const kvHeard: unknown[] = [];
    const stopKv = reader.watch(["w"], (v) => kvHeard.push(v));
    await sleep(100); // the watch has read the value from before it
    await kv.set(["denomcp", "w"], { __exp: Date.now() - 1, v: "expired" });
    await sleep(100);
    await reader.set(["w"], "live", { expireInMs: 60_000 });
    const deadline = Date.now() + 5_000;
    while (!kvHeard.includes("live") && Date.now() < deadline) await sleep(50);
    stopKv();
    assert.deepEqual(kvHeard, ["live"]);
  } finally {
    reader.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a KV value of many chunks is read back whole, and expires like any other", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/big.sqlite`);
  const store = kvStore(kv);
  try {
    // 400 000 characters: 27 chunks, more than one getMany reads (10).
    const big = "x".repeat(400_000);
    await store.set(["big"], big);
    assert.equal(await store.get(["big"]), big);
    assert.equal((await store.getVersioned<string>(["big"])).value, big);
    await store.set(["big-short"], big, { expireInMs: 50 });
    assert.equal(await store.get(["big-short"]), big);
    await sleep(100);
    assert.equal(await store.get(["big-short"]), undefined);
    assert.deepEqual(await keys(store, []), ["big"]);
    // A value that looks like the store's own wrappers is kept as it is.
    await store.set(["looks"], { __exp: 1, v: "x", __chunks: 2 });
    assert.deepEqual(await store.get(["looks"]), { __exp: 1, v: "x", __chunks: 2 });
  } finally {
    store.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("memory refuses a value over its limit in set, setIf and commit, and a refused commit lands nothing", async () => {
  const store = memoryStore({ maxValueBytes: 1_000 });
  try {
    const big = "é".repeat(600); // 1 202 bytes of JSON: over, though 602 characters
    await assert.rejects(store.set(["a"], big), ValueTooLargeError);
    await assert.rejects(store.setIf(["a"], null, big), ValueTooLargeError);
    await assert.rejects(
      store.commit([{ key: ["small"], value: "fits" }, { key: ["a"], version: null, value: big }]),
      ValueTooLargeError,
    );
    assert.equal(await store.get(["a"]), undefined);
    assert.equal(await store.get(["small"]), undefined, "a refused commit lands nothing");
    await store.set(["a"], "é".repeat(400)); // 802 bytes: fits
    await assert.rejects(store.set(["a"], big), /over the store's limit of 1000 bytes/);
  } finally {
    store.close();
  }
  // The default is KV's: 512 KiB of JSON.
  const byDefault = memoryStore();
  try {
    await byDefault.set(["fits"], "x".repeat(512 * 1024 - 2));
    await assert.rejects(byDefault.set(["over"], "x".repeat(512 * 1024)), ValueTooLargeError);
  } finally {
    byDefault.close();
  }
});

Deno.test("memory sweeps expired entries as writes go on", async () => {
  const store = memoryStore();
  try {
    for (let i = 0; i < 3_000; i++) await store.set(["short", String(i)], i, { expireInMs: 500 });
    await store.set(["kept"], "yes");
    assert.equal(storedEntryCount(store), 3_001, "nothing has expired yet");
    await sleep(550);
    // Nobody reads the expired keys: only the writes that follow may free them.
    for (let i = 0; i < 3_001 && storedEntryCount(store)! > 10; i++) await store.set(["other"], i);
    assert.ok(storedEntryCount(store)! <= 10, `still ${storedEntryCount(store)} entries`);
    assert.equal(await store.get(["kept"]), "yes");
    assert.deepEqual(await keys(store, []), ["kept", "other"]);
  } finally {
    store.close();
  }
});

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { kvStore, memoryStore, redisStore, type Store, ValueTooLargeError } from "../../mod.ts";
import { startRedis } from "../helpers/redis.ts";
import { eventually } from "../helpers/wait.ts";

/** Runs `fn` on a memory store, a KV store kept in the file `kvPath`, then a Redis store on a real redis-server. */
async function withStores(fn: (store: Store, name: string, kvPath: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/store.sqlite`;
  const kv = await Deno.openKv(kvPath);
  const redis = await startRedis();
  try {
    const stores: [string, Store][] = [
      ["memory", memoryStore()],
      ["kv", kvStore(kv)],
      ["redis", redisStore(redis.url)],
    ];
    for (const [name, store] of stores) {
      try {
        await fn(store, name, kvPath);
      } finally {
        store.close();
      }
    }
  } finally {
    kv.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("every store gets, sets, deletes and lists by prefix", async () => {
  await withStores(async (store, name) => {
    await store.set(["a", "1"], { n: 1 });
    await store.set(["a", "2"], { n: 2 });
    await store.set(["b", "1"], "other");
    assert.deepEqual(await store.get(["a", "1"]), { n: 1 }, name);
    const listed = [];
    for await (const entry of store.list(["a"])) listed.push(entry);
    assert.deepEqual(listed.map((e) => e.key).sort(), [["a", "1"], ["a", "2"]], name);
    await store.delete(["a", "1"]);
    assert.equal(await store.get(["a", "1"]), undefined, name);
  });
});

Deno.test("commit writes all or nothing: a moved version leaves every key as it was", async () => {
  await withStores(async (store, name) => {
    await store.set(["rec"], { v: 1 });
    const { version } = await store.getVersioned(["rec"]);
    assert.ok(version, name);
    await store.set(["idx"], "old");
    // Two writers read the same version; only the first commit lands.
    assert.equal(
      await store.commit([{ key: ["rec"], version, value: { v: 2 } }, { key: ["idx"], delete: true }]),
      true,
      name,
    );
    assert.equal(
      await store.commit([{ key: ["rec"], version, value: { v: 3 } }, { key: ["other"], value: "x" }]),
      false,
      name,
    );
    assert.deepEqual(await store.get(["rec"]), { v: 2 }, name);
    assert.equal(await store.get(["idx"]), undefined, name);
    assert.equal(await store.get(["other"]), undefined, name);
    // A null version means "must not exist yet".
    assert.equal(await store.commit([{ key: ["fresh"], version: null, value: 1 }]), true, name);
    assert.equal(await store.commit([{ key: ["fresh"], version: null, value: 2 }]), false, name);
    if (name === "kv") {
      await assert.rejects(
        store.commit([{ key: ["big"], value: "x".repeat(70_000) }]),
        ValueTooLargeError,
      );
    }
  });
});

Deno.test("values expire after expireInMs", async () => {
  await withStores(async (store, name, kvPath) => {
    await store.set(["short"], "x", { expireInMs: 30 });
    await store.set(["long"], "y", { expireInMs: 60_000 });
    assert.equal(await store.get(["short"]), "x", name);
    // Waiting for a deadline to pass, not for something to happen: a fixed sleep is right here.
    await new Promise((r) => setTimeout(r, 60));
    if (name === "kv") {
      // Deno KV promises only that a key is not deleted before its expiry ("the key will be
      // deleted from the database at earliest after the specified number of milliseconds",
      // Deno.Kv.prototype.set), and reads do not hide expired keys. Its local SQLite backend
      // (denoland/denokv, sqlite/lib.rs) sweeps expired keys when a handle opens, then at the
      // earliest expiry it saw at its last sweep or every 60 s (EXPIRY_FALLBACK_INTERVAL): a key
      // written after a sweep can outlive its expiry by a minute, too long for a unit test.
      // Opening a second handle on the same file runs that sweep now, which deletes the key
      // only if expireInMs reached KV.
      const sweeper = await Deno.openKv(kvPath);
      await sweeper.get(["denomcp"]); // served after the opening sweep
      sweeper.close();
    }
    await eventually(async () => await store.get(["short"]) === undefined, {
      timeoutMs: 15_000,
      intervalMs: 50,
      message: `${name}: a value is still readable after its expireInMs`,
    });
    assert.equal(await store.get(["long"]), "y", `${name}: a value went before its expireInMs`);
  });
});

Deno.test("a KV value over one entry is chunked and read back whole; over the limit it is refused", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/store.sqlite`);
  const store = kvStore(kv, { maxValueBytes: 300_000 });
  try {
    const big = { text: "é".repeat(100_000), list: Array.from({ length: 2_000 }, (_, i) => i) };
    await store.set(["big"], big);
    assert.deepEqual(await store.get(["big"]), big);
    const listed = [];
    for await (const entry of store.list([])) listed.push(entry.key.join("/"));
    assert.deepEqual(listed, ["big"], "chunks are not listed as entries");
    await assert.rejects(() => store.set(["huge"], "x".repeat(400_000)), ValueTooLargeError);
    assert.equal(await store.get(["huge"]), undefined, "nothing half-written");
    await store.delete(["big"]);
    assert.equal((await kv.get(["denomcp", "__chunks", "big", 0])).value, null, "chunks go with their value");
  } finally {
    store.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Writes `value(1)`, `value(2)`, … through `writer`, one per 50 ms, until `heard` holds something,
 * and returns what it wrote. A KV watch starts in the background, and the first value it reads
 * counts as the value from before the watch (not news): a write that lands before the watch is
 * ready goes unheard. So rather than sleep and hope the watch is ready, write again until one is
 * heard. The first write waits one interval, so that usually the watch first reads the value from
 * before it, and a watch that wrongly reports that value is caught.
 */
async function writeUntilHeard(
  writer: Store,
  key: string[],
  heard: unknown[],
  value: (n: number) => unknown,
  name: string,
): Promise<unknown[]> {
  const written: unknown[] = [];
  let polls = 0;
  await eventually(async () => {
    if (heard.length > 0) return true;
    if (polls++ > 0) {
      written.push(value(written.length + 1));
      await writer.set(key, written.at(-1));
    }
    return false;
  }, { timeoutMs: 10_000, intervalMs: 50, message: `${name}: the watch heard none of the writes` });
  return written;
}

Deno.test("watch hears later writes", async () => {
  await withStores(async (store, name) => {
    await store.set(["w"], 0);
    const heard: unknown[] = [];
    const stop = store.watch(["w"], (v) => heard.push(v));
    let written: unknown[];
    try {
      written = await writeUntilHeard(store, ["w"], heard, (n) => n, name);
    } finally {
      stop();
    }
    // Only writes made after the watch began, in order and each at most once (KV may coalesce
    // writes close together); never the value from before the watch.
    assert.deepEqual(heard, written.filter((v) => heard.includes(v)), name);
  });
});

Deno.test("a watch asked for the current value hears a write made before it, once", async () => {
  await withStores(async (store, name) => {
    // The answer lands before anyone listens, as when a fast client answers a loaded instance.
    await store.set(["answer"], { id: 1 });
    const heard: unknown[] = [];
    const stop = store.watch(["answer"], (v) => heard.push(v), { current: true });
    try {
      await eventually(() => heard.length > 0, { timeoutMs: 5_000, message: `${name}: current value` });
      await store.set(["answer"], { id: 2 });
      await eventually(() => heard.length > 1, { timeoutMs: 5_000, message: `${name}: later write` });
      await new Promise((r) => setTimeout(r, 150)); // a poll or a second delivery of the same version would show here
    } finally {
      stop();
    }
    assert.deepEqual(heard, [{ id: 1 }, { id: 2 }], name);
    // Without the option, the value from before the watch is not news.
    const quiet: unknown[] = [];
    const stopQuiet = store.watch(["answer"], (v) => quiet.push(v));
    await new Promise((r) => setTimeout(r, 150));
    stopQuiet();
    assert.deepEqual(quiet, [], name);
  });
});

Deno.test("many watches started at once each hear their own key; a key watched again right after is still heard", async () => {
  await withStores(async (store, name) => {
    const keys = Array.from({ length: 40 }, (_, i) => ["burst", String(i)]);
    const heard = new Map<string, unknown[]>();
    const stops = keys.map((key) => {
      heard.set(key[1], []);
      return store.watch(key, (v) => heard.get(key[1])!.push(v), { current: true });
    });
    // Half are written at once, before the watches could be in place; current catches them.
    await Promise.all(keys.slice(0, 20).map((key) => store.set(key, key[1])));
    await eventually(() => keys.slice(0, 20).every((k) => heard.get(k[1])!.length > 0), {
      timeoutMs: 5_000,
      message: `${name}: early writes`,
    });
    await eventually(async () => {
      await Promise.all(keys.slice(20).map((key) => store.set(key, key[1])));
      return keys.slice(20).every((k) => heard.get(k[1])!.length > 0);
    }, { timeoutMs: 5_000, intervalMs: 50, message: `${name}: later writes` });
    for (const stop of stops) stop();
    for (const [k, values] of heard) assert.ok(values.every((v) => v === k), `${name}: ${k} heard ${values}`);
    // Unwatch and watch again before the store has answered the unwatch.
    const again: unknown[] = [];
    store.watch(keys[0], () => {})();
    const stop = store.watch(keys[0], (v) => again.push(v));
    await eventually(async () => {
      await store.set(keys[0], "again");
      return again.length > 0;
    }, { timeoutMs: 5_000, intervalMs: 50, message: `${name}: re-watched key` });
    stop();
  });
});

Deno.test("asking for KV without --unstable-kv fails at start-up naming the flag", async () => {
  const dir = await Deno.makeTempDir();
  const root = new URL("../../", import.meta.url);
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  delete config.unstable;
  delete config.lock; // a frozen lockfile would refuse the copy, which has none
  config.nodeModulesDir = "none";
  await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(config));
  await Deno.writeTextFile(
    `${dir}/server.ts`,
    `import { FastMCP } from "${new URL("mod.ts", root).href}";\nnew FastMCP({ name: "x", store: "kv" });\n`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${dir}/deno.json`, `${dir}/server.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  assert.notEqual(out.code, 0);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /Deno KV is not enabled: run with --unstable-kv, or add "unstable": \["kv"\] to deno.json/,
  );
});

Deno.test("a KV watch hears a write made through another handle on the same file", async () => {
  const dir = await Deno.makeTempDir();
  const a = await Deno.openKv(`${dir}/shared.sqlite`);
  const b = await Deno.openKv(`${dir}/shared.sqlite`);
  const storeA = kvStore(a);
  const storeB = kvStore(b);
  try {
    await storeB.set(["ping"], { from: "b", n: 0 });
    const heard: unknown[] = [];
    const stop = storeA.watch(["ping"], (v) => heard.push(v));
    let written: unknown[];
    try {
      written = await writeUntilHeard(storeB, ["ping"], heard, (n) => ({ from: "b", n }), "kv");
    } finally {
      stop();
    }
    // As in "watch hears later writes": later writes only, in order, each at most once.
    assert.deepEqual(heard, written.filter((w) => heard.some((h) => isDeepStrictEqual(h, w))));
  } finally {
    storeA.close();
    storeB.close();
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

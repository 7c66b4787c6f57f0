import assert from "node:assert/strict";
import { kvStore, memoryStore, type Store, ValueTooLargeError } from "../../mod.ts";

async function withStores(fn: (store: Store, name: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/store.sqlite`);
  try {
    for (const [name, store] of [["memory", memoryStore()], ["kv", kvStore(kv)]] as const) {
      await fn(store, name);
      store.close();
    }
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("both stores get, set, delete and list by prefix", async () => {
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
  await withStores(async (store, name) => {
    await store.set(["short"], "x", { expireInMs: 30 });
    assert.equal(await store.get(["short"]), "x", name);
    await new Promise((r) => setTimeout(r, 60));
    // KV expiry is lazy and may lag; the memory store is exact. Either way the value goes.
    if (name === "memory") assert.equal(await store.get(["short"]), undefined);
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

Deno.test("watch hears later writes", async () => {
  await withStores(async (store, name) => {
    const heard: unknown[] = [];
    const stop = store.watch(["w"], (v) => heard.push(v));
    await new Promise((r) => setTimeout(r, 20));
    await store.set(["w"], 1);
    await new Promise((r) => setTimeout(r, 50));
    stop();
    assert.deepEqual(heard, [1], name);
  });
});

Deno.test("asking for KV without --unstable-kv fails at start-up naming the flag", async () => {
  const dir = await Deno.makeTempDir();
  const root = new URL("../../", import.meta.url);
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  delete config.unstable;
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
    const heard = new Promise<unknown>((resolve) => {
      const stop = storeA.watch(["ping"], (v) => {
        stop();
        resolve(v);
      });
    });
    await new Promise((r) => setTimeout(r, 20));
    await storeB.set(["ping"], { from: "b" });
    assert.deepEqual(await heard, { from: "b" });
  } finally {
    storeA.close();
    storeB.close();
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

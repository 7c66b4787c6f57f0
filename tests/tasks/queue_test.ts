import assert from "node:assert/strict";
import { kvStore, memoryStore, redisStore, type Store, ValueTooLargeError } from "../../mod.ts";
import { QueueFullError, TaskQueue } from "../../server/tasks/queue.ts";
import { startRedis } from "../helpers/redis.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` with a queue on a memory store, then on a Redis store (a real redis-server). */
async function withQueue(
  options: ConstructorParameters<typeof TaskQueue>[1],
  fn: (q: TaskQueue, store: Store) => Promise<void>,
) {
  await using redis = await startRedis();
  const stores: [string, () => Store][] = [["memory", () => memoryStore()], [
    "redis",
    () => redisStore(redis.url),
  ]];
  for (const [name, open] of stores) {
    const store = open();
    const queue = new TaskQueue(store, { pollMs: 20, ...options });
    try {
      await fn(queue, store);
    } catch (error) {
      throw new Error(`on the ${name} store: ${error instanceof Error ? error.message : error}`, {
        cause: error,
      });
    } finally {
      queue.stop();
      await sleep(30);
      store.close();
    }
  }
}

Deno.test("tasks run by priority, then age", async () => {
  await withQueue({ concurrency: 1 }, async (q) => {
    const order: string[] = [];
    q.define("log", (name: string) => void order.push(name));
    const ids = [
      await q.submit("log", "low", { priority: 0 }),
      await q.submit("log", "high", { priority: 5 }),
      await q.submit("log", "mid", { priority: 1 }),
      await q.submit("log", "mid-later", { priority: 1 }),
    ];
    q.start();
    for (const id of ids) await q.settled(id);
    assert.deepEqual(order, ["high", "mid", "mid-later", "low"]);
  });
});

Deno.test("no more than `concurrency` tasks run at once on an instance", async () => {
  await withQueue({ concurrency: 2 }, async (q) => {
    let now = 0;
    let peak = 0;
    q.define("work", async () => {
      peak = Math.max(peak, ++now);
      await sleep(40);
      now--;
    });
    const ids = await Promise.all(Array.from({ length: 6 }, () => q.submit("work", null)));
    q.start();
    for (const id of ids) assert.equal((await q.settled(id)).status, "completed");
    assert.equal(peak, 2);
  });
});

Deno.test("a failing task is retried with backoff, then becomes a dead letter", async () => {
  await withQueue({ backoffMs: 30 }, async (q) => {
    const tries: number[] = [];
    q.define("flaky", (_p: null, ctx) => {
      tries.push(Date.now());
      if (ctx.attempt < 2) throw new Error(`attempt ${ctx.attempt} failed`);
      return "ok";
    });
    q.define("broken", () => {
      throw new Error("always");
    });
    q.start();
    const flaky = await q.settled(await q.submit("flaky", null));
    assert.equal(flaky.status, "completed");
    assert.equal(flaky.result, "ok");
    assert.equal(flaky.attempts, 2);
    assert.ok(tries[1] - tries[0] >= 25, "the retry waited for its backoff");
    const broken = await q.settled(await q.submit("broken", null, { maxAttempts: 3 }));
    assert.deepEqual([broken.status, broken.dead, broken.attempts, broken.error], [
      "failed",
      true,
      3,
      "always",
    ]);
  });
});

Deno.test("cancellation stops a running task and drops a queued one", async () => {
  await withQueue({ concurrency: 1 }, async (q) => {
    let sawAbort = false;
    let ranSecond = false;
    q.define("long", (_p: null, ctx) =>
      new Promise((resolve) =>
        ctx.signal.addEventListener("abort", () => {
          sawAbort = true;
          resolve("stopped");
        })
      ));
    q.define("second", () => void (ranSecond = true));
    const running = await q.submit("long", null, { priority: 1 });
    const queued = await q.submit("second", null);
    q.start();
    await sleep(50);
    assert.equal(await q.cancel(queued), true);
    assert.equal(await q.cancel(running), true);
    assert.equal((await q.settled(running)).status, "cancelled");
    await sleep(100);
    assert.ok(sawAbort, "the handler's signal aborted");
    assert.equal(ranSecond, false);
    assert.equal((await q.get(queued))?.status, "cancelled");
    assert.equal(await q.cancel(running), false, "a finished task cannot be cancelled again");
  });
});

Deno.test("a task that awaits its sub-tasks completes with a single slot (reentrancy)", async () => {
  await withQueue({ concurrency: 1 }, async (q) => {
    q.define("child", (n: number) => n * 2);
    q.define("parent", async (_p: null, ctx) => {
      const ids = [await ctx.submit("child", 1), await ctx.submit("child", 2)];
      const results = [];
      for (const id of ids) results.push(await ctx.wait(id));
      return results;
    });
    q.start();
    const done = await q.settled(await q.submit("parent", null));
    assert.deepEqual([done.status, done.result], ["completed", [2, 4]]);
  });
});

Deno.test("results expire after resultTtlMs; ownership binds reads and cancellation; maxQueued refuses more", async () => {
  await withQueue({ resultTtlMs: 50, maxQueued: 2 }, async (q) => {
    q.define("noop", () => 1);
    const id = await q.submit("noop", null, { ownerKey: "alice" });
    assert.equal(await q.get(id, "mallory"), undefined);
    assert.equal(await q.cancel(id, "mallory"), false);
    await q.submit("noop", null);
    await assert.rejects(() => q.submit("noop", null), QueueFullError);
    q.start();
    assert.equal((await q.settled(id)).status, "completed");
    assert.equal((await q.get(id, "alice"))?.result, 1);
    await sleep(80);
    assert.equal(await q.get(id, "alice"), undefined);
  });
});

/** A handle on a shared store, opened anew for each "instance". */
type Opener = () => Promise<{ store: Store; close(): void }>;

async function restartAndTakeover(open: Opener): Promise<void> {
  // Submitted, then the instance goes away before running it.
  const first = await open();
  const before = await new TaskQueue(first.store).submit("double", 21);
  first.close();
  // The next instance runs it.
  const second = await open();
  const restarted = new TaskQueue(second.store, { pollMs: 20 });
  restarted.define("double", (n: number) => n * 2);
  restarted.start();
  const done = await restarted.settled(before);
  assert.deepEqual([done.status, done.result], ["completed", 42]);
  restarted.stop();

  // An instance claims a task and dies (no completion, no heartbeat); another takes it over.
  const [handleA, handleB] = [await open(), await open()];
  const a = new TaskQueue(handleA.store, { pollMs: 20, leaseMs: 300 });
  let started!: () => void;
  const claimed = new Promise<void>((r) => (started = r));
  a.define("slow", () => {
    started();
    return new Promise(() => {}); // never finishes here
  });
  a.start();
  const id = await a.submit("slow", null);
  await claimed;
  a.stop(); // the crash: its lease is left to expire
  const b = new TaskQueue(handleB.store, { pollMs: 20, leaseMs: 300 });
  b.define("slow", () => "finished elsewhere");
  b.start();
  const t0 = Date.now();
  const taken = await b.settled(id);
  assert.deepEqual([taken.status, taken.result, taken.attempts], ["completed", "finished elsewhere", 2]);
  assert.ok(Date.now() - t0 >= 150, "taken over only after the lease ran out");
  b.stop();
  await sleep(50);
  for (const h of [second, handleA, handleB]) h.close();
}

Deno.test("with KV: a task submitted before a restart completes after it, and a crashed instance's task is taken over after its lease", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await restartAndTakeover(async () => {
      const kv = await Deno.openKv(`${dir}/tasks.sqlite`);
      const store = kvStore(kv);
      return { store, close: () => (store.close(), kv.close()) };
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with Redis: a task submitted before a restart completes after it, and a crashed instance's task is taken over after its lease", async () => {
  await using redis = await startRedis();
  await restartAndTakeover(() => {
    const store = redisStore(redis.url);
    return Promise.resolve({ store, close: () => store.close() });
  });
});

Deno.test("a queued task missing from the ready index (a crash between two writes) is found by the sweep", async () => {
  await withQueue({ leaseMs: 200 }, async (q, store) => {
    q.define("echo", (x: number) => x * 2);
    const id = await q.submit("echo", 21);
    // Simulate the crash: the record is written, its index entry is not.
    await store.delete(["tasks-ready", id]);
    const started = Date.now();
    q.start();
    const done = await q.settled(id);
    assert.equal(done.status, "completed");
    assert.equal(done.result, 42);
    assert.ok(Date.now() - started < 2_000);
    // A stale index entry (its task already finished) is dropped, not run again.
    await store.set(["tasks-ready", id], { kind: "echo", priority: 0, createdAt: 0, notBefore: 0 });
    await sleep(100);
    assert.equal(await store.get(["tasks-ready", id]), undefined);
    assert.equal((await q.get(id))?.attempts, 1);
  });
});

Deno.test("with KV: a result too large for its record is kept apart and read back; one too large for the store fails the task", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/tasks.sqlite`);
  const store = kvStore(kv, { maxValueBytes: 256 * 1024 });
  const queue = new TaskQueue(store, { pollMs: 20 });
  try {
    queue.define("big", (n: number) => "x".repeat(n));
    queue.start();
    const fits = await queue.settled(await queue.submit("big", 100_000));
    assert.equal(fits.status, "completed");
    assert.equal((fits.result as string).length, 100_000);
    const tooBig = await queue.settled(await queue.submit("big", 400_000));
    assert.equal(tooBig.status, "failed");
    assert.match(tooBig.error ?? "", /too large to keep: .*over the store's limit of 262144 bytes/);
    assert.equal(tooBig.attempts, 1, "a result that cannot be kept is not retried");
    // Arguments too large for one record are refused at submission, naming the limit.
    await assert.rejects(queue.submit("big", "y".repeat(70_000)), ValueTooLargeError);
  } finally {
    await queue.close();
    store.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

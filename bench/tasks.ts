/**
 * The task queue on each store, in one run: memory, a local KV file and Redis (a redis-server
 * started for the run, on loopback). Throughput (submit → complete) and submit-to-start latency,
 * within one process and, for the shared stores, across two (a second process runs the queue on
 * the same store).
 *
 *   deno task bench:tasks [--tasks 500] [--concurrency 8] [--samples 40]
 *
 * It reports; it never passes or fails on speed.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { kvStore, memoryStore, redisStore, type Store } from "../mod.ts";
import { TaskQueue } from "../server/tasks/queue.ts";
import { startRedis } from "../tests/helpers/redis.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    tasks: { type: "string", default: "500" },
    concurrency: { type: "string", default: "8" },
    samples: { type: "string", default: "40" },
    worker: { type: "string" },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A store handle and how to let it go. */
interface Handle {
  store: Store;
  close(): void;
}

/** Opens a shared store by its spec: a Redis URL (`#prefix` names the key prefix) or a KV file path. */
async function open(spec: string): Promise<Handle> {
  if (spec.startsWith("redis://")) {
    const [url, prefix] = spec.split("#");
    const store = redisStore(url, { prefix: prefix || "denomcp" });
    await store.connect();
    return { store, close: () => store.close() };
  }
  const kv = await Deno.openKv(spec);
  const store = kvStore(kv);
  return { store, close: () => (store.close(), kv.close()) };
}

// The second process: runs the queue on the store it is given, recording when each task started.
if (values.worker) {
  const { store } = await open(values.worker);
  const queue = new TaskQueue(store, { concurrency: 4, pollMs: 10 });
  queue.define("stamp", () => Date.now());
  queue.start();
  console.log("ready");
  await new Promise(() => {});
}

async function throughput(handle: Handle, n: number): Promise<number> {
  const queue = new TaskQueue(handle.store, { concurrency: Number(values.concurrency), pollMs: 10 });
  queue.define("noop", () => 1);
  const ids: string[] = [];
  const t0 = performance.now();
  queue.start();
  for (let i = 0; i < n; i++) ids.push(await queue.submit("noop", i));
  for (const id of ids) await queue.settled(id);
  const rate = n / ((performance.now() - t0) / 1000);
  await queue.close();
  handle.close();
  return rate;
}

async function localLatency(handle: Handle): Promise<number[]> {
  const queue = new TaskQueue(handle.store, { concurrency: 4, pollMs: 10 });
  queue.define("stamp", () => Date.now());
  queue.start();
  const out: number[] = [];
  for (let i = 0; i < Number(values.samples); i++) {
    const submitted = Date.now();
    const done = await queue.settled(await queue.submit("stamp", null));
    out.push((done.result as number) - submitted);
  }
  await queue.close();
  handle.close();
  return out;
}

async function remoteLatency(spec: string): Promise<number[]> {
  const worker = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--worker", spec],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = worker.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!(await lines.read()).value?.includes("ready")) { /* wait */ }
  const handle = await open(spec);
  const submitter = new TaskQueue(handle.store, { pollMs: 10 }); // submits and watches only
  const out: number[] = [];
  for (let i = 0; i < Number(values.samples); i++) {
    const submitted = Date.now();
    const id = await submitter.submit("stamp", null);
    let record;
    while (!(record = await submitter.get(id)) || record.status !== "completed") {
      await new Promise((r) => setTimeout(r, 2));
    }
    out.push((record.result as number) - submitted);
  }
  worker.kill("SIGTERM");
  await worker.status;
  await lines.cancel();
  handle.close();
  return out;
}

if (import.meta.main && !values.worker) {
  const dir = await Deno.makeTempDir();
  const n = Number(values.tasks);
  const redis = await startRedis();
  const rows: string[] = [];
  const ms = (xs: number[]) => `${median(xs)} ms / ${Math.max(...xs)} ms`;
  try {
    const memory = () => {
      const store = memoryStore();
      return Promise.resolve({ store, close: () => store.close() });
    };
    rows.push(
      `| memory | ${(await throughput(await memory(), n)).toFixed(0)} | ${
        ms(await localLatency(await memory()))
      } | – |`,
    );
    for (const [name, spec] of [["KV file", `${dir}/tasks.sqlite`], ["Redis", redis.url]] as const) {
      // Each measure on a fresh database (a prefix of its own on Redis is as good as a new one).
      const fresh = (tag: string) =>
        spec.startsWith("redis://") ? `${spec}#bench-${tag}` : spec.replace(".sqlite", `-${tag}.sqlite`);
      const rate = await throughput(await open(fresh("t")), n);
      const local = await localLatency(await open(fresh("l")));
      const remote = await remoteLatency(fresh("r"));
      rows.push(`| ${name} | ${rate.toFixed(0)} | ${ms(local)} | ${ms(remote)} |`);
    }
  } finally {
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
  console.log(
    `# task queue by store (${n} tasks, concurrency ${values.concurrency}, ${values.samples} latency samples)`,
  );
  console.log(
    "| store | tasks/s, submit → complete | submit → start, same process (median / max) | submit → start, another process (median / max) |",
  );
  console.log("|---|---:|---:|---:|");
  for (const row of rows) console.log(row);
}

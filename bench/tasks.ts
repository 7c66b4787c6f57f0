/**
 * The task queue on a local KV file: throughput (submit → complete) and submit-to-start latency,
 * within one process and across two (a second process runs the queue on the same file).
 *
 *   deno task bench:tasks [--tasks 500] [--concurrency 8] [--samples 40]
 *
 * It reports; it never passes or fails on speed.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { kvStore } from "../mod.ts";
import { TaskQueue } from "../server/tasks/queue.ts";

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

// The second process: runs the queue on the file it is given, recording when each task started.
if (values.worker) {
  const kv = await Deno.openKv(values.worker);
  const queue = new TaskQueue(kvStore(kv), { concurrency: 4, pollMs: 10 });
  queue.define("stamp", () => Date.now());
  queue.start();
  console.log("ready");
  await new Promise(() => {});
}

if (import.meta.main && !values.worker) {
  const dir = await Deno.makeTempDir();
  const n = Number(values.tasks);

  // 1. Throughput, one process.
  let kv = await Deno.openKv(`${dir}/throughput.sqlite`);
  let queue = new TaskQueue(kvStore(kv), { concurrency: Number(values.concurrency), pollMs: 10 });
  queue.define("noop", () => 1);
  const ids: string[] = [];
  const t0 = performance.now();
  queue.start();
  for (let i = 0; i < n; i++) ids.push(await queue.submit("noop", i));
  for (const id of ids) await queue.settled(id);
  const throughput = n / ((performance.now() - t0) / 1000);
  await queue.close();
  kv.close();

  // 2. Submit-to-start latency, one process.
  kv = await Deno.openKv(`${dir}/latency.sqlite`);
  queue = new TaskQueue(kvStore(kv), { concurrency: 4, pollMs: 10 });
  queue.define("stamp", () => Date.now());
  queue.start();
  const local: number[] = [];
  for (let i = 0; i < Number(values.samples); i++) {
    const submitted = Date.now();
    const done = await queue.settled(await queue.submit("stamp", null));
    local.push((done.result as number) - submitted);
  }
  await queue.close();
  kv.close();

  // 3. Across two processes: this one submits, the other runs.
  const path = `${dir}/cross.sqlite`;
  const worker = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--worker", path],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = worker.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!(await lines.read()).value?.includes("ready")) { /* wait */ }
  kv = await Deno.openKv(path);
  const submitter = new TaskQueue(kvStore(kv), { pollMs: 10 }); // submits and watches only
  const remote: number[] = [];
  for (let i = 0; i < Number(values.samples); i++) {
    const submitted = Date.now();
    const id = await submitter.submit("stamp", null);
    let record;
    while (!(record = await submitter.get(id)) || record.status !== "completed") {
      await new Promise((r) => setTimeout(r, 2));
    }
    remote.push((record.result as number) - submitted);
  }
  worker.kill("SIGTERM");
  await worker.status;
  await lines.cancel();
  kv.close();
  await Deno.remove(dir, { recursive: true });

  console.log(`# task queue on a local KV file (${n} tasks, concurrency ${values.concurrency})`);
  console.log("| measure | value |");
  console.log("|---|---:|");
  console.log(`| throughput, submit → complete | ${throughput.toFixed(0)} tasks/s |`);
  console.log(
    `| submit → start, same process (median / max) | ${median(local)} ms / ${Math.max(...local)} ms |`,
  );
  console.log(
    `| submit → start, another process (median / max) | ${median(remote)} ms / ${Math.max(...remote)} ms |`,
  );
}

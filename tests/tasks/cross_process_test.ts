/**
 * MCP tasks across real processes sharing one store (a KV file, then a real redis-server): a killed instance's task finishes on the
 * other, cancellation on one instance stops the task running on the other, and a task survives
 * its server's restart. Spoken in the 2026-07-28 wire (stateless, so any instance answers).
 *
 * @module
 */

import assert from "node:assert/strict";
import { modernRequest, readAnswer } from "../helpers/http.ts";
import { startDeno, type Started } from "../helpers/process.ts";
import { SHARED_BACKENDS, sharedStore } from "../helpers/redis.ts";

const FIXTURE = new URL("./task_fixture.ts", import.meta.url).pathname;
const TASKS = "io.modelcontextprotocol/tasks";

interface Instance {
  name: string;
  url: string;
  process: Started;
}

async function instance(name: string, store: string, marks: string): Promise<Instance> {
  const process = await startDeno(["run", "-A", FIXTURE], /serving MCP on http:\/\/127\.0\.0\.1:(\d+)/, {
    env: { STORE: store, INSTANCE: name, MARKS: marks },
  });
  return { name, url: `http://127.0.0.1:${process.match[1]}/mcp`, process };
}

let nextId = 0;

const WITH_TASKS = { "io.modelcontextprotocol/clientCapabilities": { extensions: { [TASKS]: {} } } };

/** One 2026-07-28 request declaring the tasks extension; the result, or throws the error. */
async function rpc(
  url: string,
  method: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(modernRequest(method, { ...params, _meta: WITH_TASKS }, ++nextId, {}, url));
  // A 2026 answer slow to come (a loaded machine, a store round trip) arrives as SSE.
  const body = await readAnswer(res);
  if (body.error) throw Object.assign(new Error(body.error.message), body.error);
  return body.result;
}

async function startWork(url: string, ms: number, tag: string): Promise<string> {
  const created = await rpc(url, "tools/call", { name: "work", arguments: { ms, tag } });
  assert.equal(created.resultType, "task");
  return created.taskId as string;
}

/** Waits until the marks file has a line for `what tag` and returns the instance named there. */
async function waitForMark(marks: string, what: string, tag: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(marks).catch(() => "");
    const line = text.split("\n").find((l) => l.startsWith(`${what} ${tag} `));
    if (line) return line.split(" ")[2];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no '${what} ${tag}' mark within ${timeoutMs} ms`);
}

async function waitForStatus(url: string, taskId: string, status: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let task: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    task = await rpc(url, "tasks/get", { taskId });
    if (task.status === status) return task;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `task ${taskId} is ${task.status}, not ${status}, after ${timeoutMs} ms: ${JSON.stringify(task)}`,
  );
}

for (const backend of SHARED_BACKENDS) {
  Deno.test(`tasks across processes: a killed instance's task finishes on the other; cancelling on one stops it on the other (${backend})`, async () => {
    await using shared = await sharedStore(backend);
    const dir = await Deno.makeTempDir();
    const store = shared.url;
    const marks = `${dir}/marks.txt`;
    const a = await instance("A", store, marks);
    const b = await instance("B", store, marks);
    const byName = { A: a, B: b } as Record<string, Instance>;
    try {
      // 1. Kill whichever instance started the task, without a chance to clean up.
      const taskId = await startWork(a.url, 2500, "t1");
      const runner = byName[await waitForMark(marks, "start", "t1")];
      const survivor = runner === a ? b : a;
      await runner.process.stop("SIGKILL");
      const killedAt = Date.now();
      const done = await waitForStatus(survivor.url, taskId, "completed");
      assert.deepEqual(done.result, { content: [{ type: "text", text: `t1 done by ${survivor.name}` }] });
      assert.equal(await waitForMark(marks, "start", `t1`), runner.name);
      // The lease was 1 s and the work 2.5 s: the survivor resumed it soon after the lease ran out.
      assert.ok(Date.now() - killedAt < 8_000, `took ${Date.now() - killedAt} ms`);

      // 2. A task running on one instance is cancelled through another.
      const third = await instance(runner.name === "A" ? "C" : "D", store, marks);
      byName[third.name] = third;
      try {
        const longId = await startWork(third.url, 60_000, "t2");
        const holder = byName[await waitForMark(marks, "start", "t2")];
        const other = holder === third ? survivor : third;
        const ack = await rpc(other.url, "tasks/cancel", { taskId: longId });
        assert.deepEqual(Object.keys(ack).filter((k) => k !== "_meta"), ["resultType"]);
        assert.equal((await rpc(holder.url, "tasks/get", { taskId: longId })).status, "cancelled");
        // The handler on the other process was aborted (its heartbeat checks about once a second).
        assert.equal(await waitForMark(marks, "abort", "t2", 5_000), holder.name);
      } finally {
        await third.process.stop();
      }
    } finally {
      await a.process.stop();
      await b.process.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (const backend of SHARED_BACKENDS) {
  Deno.test(`tasks across processes: a task submitted before a restart completes after it (${backend})`, async () => {
    await using shared = await sharedStore(backend);
    const dir = await Deno.makeTempDir();
    const store = shared.url;
    const marks = `${dir}/marks.txt`;
    const first = await instance("before", store, marks);
    let taskId: string;
    try {
      taskId = await startWork(first.url, 1500, "r1");
      await waitForMark(marks, "start", "r1");
    } finally {
      // A graceful stop: the running task is aborted here and handed back to the queue.
      await first.process.stop();
    }
    const restarted = Date.now();
    const second = await instance("after", store, marks);
    try {
      const done = await waitForStatus(second.url, taskId, "completed");
      assert.deepEqual(done.result, { content: [{ type: "text", text: "r1 done by after" }] });
      const text = await Deno.readTextFile(marks);
      assert.match(text, /start r1 before\n/);
      assert.match(text, /abort r1 before\n/);
      assert.match(text, /start r1 after\n/);
      // Handed back rather than left to its lease: resumed as soon as the new process was up.
      assert.ok(Date.now() - restarted < 6_000, `took ${Date.now() - restarted} ms`);
    } finally {
      await second.process.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/**
 * The worker pool under abuse: a job that cannot be posted, a runaway tool with no timeout of
 * its own, and a 2026 client that hangs up mid-call. Each leaves the pool serving.
 *
 * @module
 */

import assert from "node:assert/strict";
import { callModern, type Exhaust, nested, startExhaust } from "./exhaust.ts";

async function assertServing(server: Exhaust): Promise<void> {
  const answer = await callModern(server.url, "echo_sync", { value: "still here" }, "after");
  assert.equal(answer.status, 200);
  assert.deepEqual((answer.body?.result as { structuredContent: unknown }).structuredContent, {
    value: "still here",
  });
}

Deno.test("the pool keeps serving after a job that cannot be posted (-32602 naming the cause)", async () => {
  // A message depth limit raised far enough that structured clone is what refuses the value.
  await using server = await startExhaust({ workerPoolSize: 1, maxMessageDepth: 100_000 });
  for (let i = 0; i < 3; i++) {
    const poisoned = await callModern(server.url, "echo_sync", { value: nested(20_000) }, i);
    const error = poisoned.body?.error as { code: number; message: string };
    assert.equal(error.code, -32602, JSON.stringify(poisoned.body).slice(0, 300));
    assert.match(error.message, /cannot be passed to a worker/);
  }
  await assertServing(server);
  assert.deepEqual((await server.memory()).stats.pool, { busy: 0, idle: 1, queued: 0 });
});

Deno.test("a message nested deeper than maxMessageDepth is refused before it reaches a tool", async () => {
  await using server = await startExhaust({ workerPoolSize: 1 });
  const deep = await callModern(server.url, "echo_sync", { value: nested(5_000) }, "deep");
  assert.equal(deep.status, 400);
  const error = deep.body?.error as { code: number; message: string };
  assert.equal(error.code, -32600);
  assert.match(error.message, /deeper than 64 levels \(limits\.maxMessageDepth\)/);
  assert.equal(deep.body?.id, "deep");
  await assertServing(server);
});

Deno.test("a runaway synchronous tool is stopped by workerJobTimeoutMs and its worker replaced", async () => {
  await using server = await startExhaust({ workerPoolSize: 1, workerJobTimeoutMs: 300 });
  const started = performance.now();
  const answer = await callModern(server.url, "spin", { ms: 60_000 });
  const took = performance.now() - started;
  const result = answer.body?.result as { isError: boolean; content: { text: string }[] };
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /timed out after 300 ms/);
  assert.ok(took < 3000, `took ${took} ms`);
  await assertServing(server);
});

Deno.test("a 2026 client closing its connection cancels the call and frees its worker within a second", async () => {
  await using server = await startExhaust({ workerPoolSize: 1 });
  const controller = new AbortController();
  const call = callModern(server.url, "spin", { ms: 60_000 }, "hang-up", controller.signal).catch((e) => e);
  // Wait until the worker has the job.
  for (let i = 0; i < 200 && (await server.memory()).stats.pool.busy === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal((await server.memory()).stats.pool.busy, 1);
  controller.abort();
  await call;
  const aborted = performance.now();
  let busy = 1;
  while (busy > 0 && performance.now() - aborted < 1000) {
    busy = (await server.memory()).stats.pool.busy;
  }
  const freed = performance.now() - aborted;
  assert.equal(busy, 0, "the worker is still busy a second after the client left");
  assert.ok(freed < 1000, `freed after ${freed} ms`);
  await assertServing(server);
});

/**
 * The shared-delay timer queue (protocol/delay_queue.ts) that stands in for a `setTimeout` per
 * request: order, cancellation, re-entry, and no timer left behind once nothing waits (the test
 * sanitizer fails a test that leaks one).
 *
 * @module
 */

import assert from "node:assert/strict";
import { DelayQueue } from "../../protocol/delay_queue.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("DelayQueue: callbacks run once, in order, no sooner than the delay; cancelled ones never", async () => {
  const queue = new DelayQueue(40);
  const ran: [number, number][] = [];
  const started = Date.now();
  const handles = [];
  for (let i = 0; i < 6; i++) {
    handles.push(queue.add(() => ran.push([i, Date.now() - started])));
    await sleep(5);
  }
  handles[1].cancel();
  handles[4].cancel();
  handles[4].cancel(); // twice is once
  assert.equal(queue.size, 4);
  await sleep(120);
  assert.deepEqual(ran.map(([i]) => i), [0, 2, 3, 5]);
  for (const [i, at] of ran) assert.ok(at >= 40 + i * 5 - 2, `callback ${i} ran after ${at} ms`);
  assert.equal(queue.size, 0);
  handles[0].cancel(); // after it ran: nothing happens
  assert.equal(queue.size, 0);
});

Deno.test("DelayQueue: cancelling every entry clears the timer (the sanitizer sees none left)", () => {
  const queue = new DelayQueue(60_000);
  const handles = Array.from({ length: 5_000 }, () => queue.add(() => assert.fail("cancelled, yet it ran")));
  // Cancelled from the front, the middle and the back; the list compacts on the way.
  for (let i = 0; i < handles.length; i += 2) handles[i].cancel();
  assert.equal(queue.size, 2_500);
  for (let i = handles.length - 1; i >= 0; i -= 2) handles[i].cancel();
  assert.equal(queue.size, 0);
});

Deno.test("DelayQueue: a callback may add and cancel entries while the queue runs", async () => {
  const queue = new DelayQueue(20);
  const ran: string[] = [];
  const handles: { later?: { cancel(): void } } = {};
  queue.add(() => {
    ran.push("first");
    queue.add(() => ran.push("added by first"));
    handles.later?.cancel();
  });
  handles.later = queue.add(() => ran.push("cancelled by first"));
  // "first" runs at 20 ms and adds an entry due at 40 ms.
  await sleep(30);
  assert.deepEqual(ran, ["first"]);
  await sleep(40);
  assert.deepEqual(ran, ["first", "added by first"]);
  assert.equal(queue.size, 0);
});

Deno.test("DelayQueue: a callback that throws does not keep the others from running", async () => {
  const queue = new DelayQueue(10);
  const ran: number[] = [];
  const errors: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    errors.push(event.error);
    event.preventDefault();
  };
  globalThis.addEventListener("error", onError);
  try {
    queue.add(() => ran.push(1));
    queue.add(() => {
      throw new Error("boom");
    });
    queue.add(() => ran.push(3));
    await sleep(40);
  } finally {
    globalThis.removeEventListener("error", onError);
  }
  assert.deepEqual(ran, [1, 3]);
  assert.equal((errors[0] as Error).message, "boom");
});

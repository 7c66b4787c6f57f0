import assert from "node:assert/strict";
import { encodeSseEvent, parseSse, readSse } from "../../protocol/sse.ts";

Deno.test("events encode with id, retry and single-line data, and parse back", () => {
  const text = new TextDecoder().decode(
    encodeSseEvent({ id: "p1_3", event: "message", retry: 100, data: '{"a":1}' }),
  );
  assert.equal(text, 'id: p1_3\nevent: message\nretry: 100\ndata: {"a":1}\n\n');
  assert.deepEqual(parseSse(text), [{ id: "p1_3", event: "message", retry: 100, data: '{"a":1}' }]);
});

Deno.test("multi-line data is split and rejoined; comments are skipped", () => {
  const text = new TextDecoder().decode(encodeSseEvent({ data: "a\nb" })) + ": keepalive\n\n";
  assert.deepEqual(parseSse(text), [{ data: "a\nb" }]);
});

Deno.test("readSse yields events across chunk boundaries", async () => {
  const whole = "id: 1\ndata: one\n\nid: 2\ndata: two\n\n";
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const part of [whole.slice(0, 7), whole.slice(7, 20), whole.slice(20)]) {
        c.enqueue(new TextEncoder().encode(part));
      }
      c.close();
    },
  });
  const seen = [];
  for await (const e of readSse(body)) seen.push(e.data);
  assert.deepEqual(seen, ["one", "two"]);
});

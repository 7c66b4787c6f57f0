import assert from "node:assert/strict";
import { Audio, File, Image, ToolResult } from "../../mod.ts";
import { toCallToolResult } from "../../server/components/content.ts";

Deno.test("strings become text and plain objects become structured content with their JSON", () => {
  assert.deepEqual(toCallToolResult("hi"), { content: [{ type: "text", text: "hi" }] });
  assert.deepEqual(toCallToolResult({ a: 1 }), {
    content: [{ type: "text", text: '{"a":1}' }],
    structuredContent: { a: 1 },
  });
  assert.deepEqual(toCallToolResult(42), { content: [{ type: "text", text: "42" }] });
  assert.deepEqual(toCallToolResult(undefined), { content: [] });
});

Deno.test("helpers and byte arrays become content blocks; lists are concatenated", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const result = toCallToolResult([
    "see:",
    new Image(bytes, { format: "png" }),
    new Audio(bytes, { format: "wav" }),
  ]);
  assert.deepEqual(result.content, [
    { type: "text", text: "see:" },
    { type: "image", data: "AQID", mimeType: "image/png" },
    { type: "audio", data: "AQID", mimeType: "audio/wav" },
  ]);
  assert.deepEqual(new File("a,b", { name: "t.csv" }).toContent(), {
    type: "resource",
    resource: { uri: "file:///t.csv", mimeType: "text/csv", text: "a,b" },
  });
  assert.deepEqual(toCallToolResult(bytes).content, [{
    type: "resource",
    resource: { uri: "file:///file", mimeType: "application/octet-stream", blob: "AQID" },
  }]);
});

Deno.test("arrays of data become JSON text, and wrapped outputs go under result", () => {
  assert.deepEqual(toCallToolResult([1, 2]), { content: [{ type: "text", text: "[1,2]" }] });
  assert.deepEqual(toCallToolResult([1, 2], true), {
    content: [{ type: "text", text: "[1,2]" }],
    structuredContent: { result: [1, 2] },
  });
});

Deno.test("ToolResult is returned exactly as given", () => {
  const r = new ToolResult({
    content: "partial",
    structuredContent: { n: 1 },
    meta: { trace: "x" },
    isError: true,
  });
  assert.deepEqual(toCallToolResult(r), {
    content: [{ type: "text", text: "partial" }],
    structuredContent: { n: 1 },
    _meta: { trace: "x" },
    isError: true,
  });
});

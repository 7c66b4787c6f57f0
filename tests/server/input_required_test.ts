import assert from "node:assert/strict";
import { RequestStateCodec } from "../../server/engine/input_state.ts";
import { McpError } from "../../mod.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

Deno.test("requestState round-trips answers and user state under its binding", async () => {
  const codec = new RequestStateCodec(SECRET, 60_000);
  const token = await codec.seal({ "elicit-1": { action: "accept" } }, "step-2", "tools/call:x", 1);
  assert.match(token, /^v1\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(await codec.open(token, "tools/call:x"), {
    answers: { "elicit-1": { action: "accept" } },
    userState: "step-2",
    rounds: 1,
  });
});

Deno.test("tampered, re-bound, foreign-key and expired states are one -32602 error", async () => {
  const codec = new RequestStateCodec(SECRET, 60_000);
  const token = await codec.seal({}, "s", "tools/call:x", 1);
  const rejects = (p: Promise<unknown>) =>
    assert.rejects(
      p,
      (e) =>
        e instanceof McpError && e.rpcCode === -32602 && e.code === "invalid_params" &&
        e.message === "Invalid or expired requestState",
    );
  await rejects(codec.open(token + "-TAMPERED", "tools/call:x"));
  await rejects(codec.open(token, "tools/call:y"));
  await rejects(codec.open(42, "tools/call:x"));
  await rejects(
    new RequestStateCodec("fedcba9876543210fedcba9876543210", 60_000).open(token, "tools/call:x"),
  );
  const expired = new RequestStateCodec(SECRET, -1000);
  await rejects(expired.open(await expired.seal({}, undefined, "b", 1), "b"));
});

Deno.test("a secret shorter than 32 bytes is refused", () => {
  assert.throws(() => new RequestStateCodec("short", 60), /at least 32 bytes/);
});

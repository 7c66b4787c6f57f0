import assert from "node:assert/strict";
import { TokenCache, tokenKey } from "../../auth/token_cache.ts";

const token = (value: string, expiresAt?: number) => ({
  token: value,
  clientId: "c",
  scopes: [],
  claims: {},
  expiresAt,
});

Deno.test("a remembered token never outlives its exp, and a hit needs the very same token", async () => {
  const cache = new TokenCache(10, 60_000);
  const now = Math.floor(Date.now() / 1000);
  const soon = token("short-lived", now + 1);
  cache.set(tokenKey("short-lived"), soon);
  assert.equal(cache.get("short-lived"), soon);
  // Same key, different token (as a hash collision would be): not a hit.
  assert.equal(cache.get("another-token", tokenKey("short-lived")), undefined);
  await new Promise((r) => setTimeout(r, (now + 1) * 1000 - Date.now() + 20));
  assert.equal(cache.get("short-lived"), undefined, "kept past its exp");
});

Deno.test("the cache is bounded: the oldest entry goes first", () => {
  const cache = new TokenCache(2, 60_000);
  for (const t of ["a", "b", "c"]) cache.set(tokenKey(t), token(t));
  assert.equal(cache.get("a"), undefined);
  assert.ok(cache.get("b") && cache.get("c"));
});

Deno.test("tokens that share their tail share a key, never an entry", () => {
  const tail = "x".repeat(64);
  const [first, second] = [`first.${tail}`, `other.${tail}`];
  assert.equal(tokenKey(first), tokenKey(second), "the key is the length and the tail");
  const cache = new TokenCache(10, 60_000);
  cache.set(tokenKey(first), token(first));
  assert.equal(cache.get(second), undefined);
  assert.equal(cache.get(first)?.token, first);
});

Deno.test("concurrent verifications of one new token run once; a refusal is not remembered", async () => {
  const cache = new TokenCache(10, 60_000);
  let runs = 0;
  const verify = async (t: string) => {
    runs++;
    await new Promise((r) => setTimeout(r, 10));
    if (t === "bad") throw new Error("refused");
    return token(t);
  };
  const [a, b, c] = await Promise.all([
    cache.verified("fresh", verify),
    cache.verified("fresh", verify),
    cache.verified("fresh", verify),
  ]);
  assert.equal(runs, 1);
  assert.ok(a === b && b === c);
  assert.equal(await cache.verified("fresh", verify), a, "remembered");
  assert.equal(runs, 1);
  await assert.rejects(cache.verified("bad", verify));
  await assert.rejects(cache.verified("bad", verify));
  assert.equal(runs, 3);
});

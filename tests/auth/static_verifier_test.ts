import assert from "node:assert/strict";
import { AuthError, StaticTokenVerifier } from "../../auth/mod.ts";

Deno.test("StaticTokenVerifier accepts its tokens and refuses others and expired ones", async () => {
  const verifier = new StaticTokenVerifier({
    tokens: {
      "mcp-conformance-scope-full": { subject: "full", scopes: ["read", "write"] },
      "old": { subject: "old", expiresAt: Math.floor(Date.now() / 1000) - 1 },
    },
  });
  const token = await verifier.verify("mcp-conformance-scope-full");
  assert.deepEqual([token.subject, token.scopes, token.clientId], ["full", ["read", "write"], "static"]);
  await assert.rejects(
    verifier.verify("mcp-conformance-scope-ful"),
    (e) => e instanceof AuthError && e.status === 401,
  );
  await assert.rejects(verifier.verify("old"), /expired/);
  assert.equal(verifier.allowPublicBind, false);
});

Deno.test("remembered() answers synchronously what verify() would accept, and nothing else", async () => {
  const verifier = new StaticTokenVerifier({
    tokens: { ok: { subject: "s", scopes: ["a"] }, old: { subject: "o", expiresAt: 1 } },
    requiredScopes: ["a"],
  });
  assert.equal(verifier.remembered("ok")?.subject, "s");
  assert.equal(verifier.remembered("old"), undefined);
  assert.equal(verifier.remembered("unknown"), undefined);
  await assert.rejects(verifier.verify("old"), /expired/);
});

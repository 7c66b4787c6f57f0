/**
 * The OAuth proxy's codes and tokens: single-use PKCE-bound codes, reference JWTs for one
 * resource that never carry the upstream tokens (§5 #8, #9), refresh tokens rotated on use, and
 * revocation.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { type Grant, pkceChallenge, TokenError, TokenFactory } from "../../auth/oauth_proxy/tokens.ts";
import { TokenVault } from "../../auth/oauth_proxy/token_vault.ts";
import { ProxyTokenVerifier } from "../../auth/oauth_proxy/proxy_verifier.ts";
import { AuthError, principalOf } from "../../auth/access_token.ts";
import { UpstreamSessions } from "../../auth/oauth_proxy/upstream_session.ts";
import { memoryStore } from "../../server/store/memory.ts";

const SECRET = "a-secret-of-at-least-thirty-two-bytes!!";
const GRANT: Grant = {
  clientId: "mcp_1",
  redirectUri: "https://app.example/cb",
  scopes: ["notes:read"],
  resource: "https://mcp.example/mcp",
  subject: "ada",
};
const UPSTREAM = { accessToken: "upstream-access-secret", refreshToken: "upstream-refresh-secret" };
const VERIFIER = "a-verifier-of-enough-length-to-be-valid-0123456789";

async function setUp(options: { codeExpirySeconds?: number } = {}) {
  const store = memoryStore();
  const factory = new TokenFactory({
    store: () => store,
    vault: await TokenVault.create(SECRET),
    secret: SECRET,
    issuer: "https://auth.example",
    ...options,
  });
  const code = await factory.createCode(GRANT, await pkceChallenge(VERIFIER), UPSTREAM);
  return { store, factory, code };
}

async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(
    promise,
    (e: Error) => e instanceof TokenError && e.code === "invalid_grant" && message.test(e.message),
  );
}

Deno.test("#8, #9: a code gives a reference JWT for its resource that carries no upstream token", async () => {
  const { store, factory, code } = await setUp();
  const tokens = await factory.redeemCode(code, {
    clientId: "mcp_1",
    redirectUri: GRANT.redirectUri,
    codeVerifier: VERIFIER,
  });
  assert.equal(tokens.token_type, "Bearer");
  assert.equal(tokens.expires_in, 3600);
  assert.equal(tokens.scope, "notes:read");
  for (const value of [tokens.access_token, tokens.refresh_token]) {
    assert.doesNotMatch(value, /upstream|secret/);
  }
  assert.equal(decodeProtectedHeader(tokens.access_token).typ, "at+jwt");
  const claims = decodeJwt(tokens.access_token);
  assert.equal(claims.aud, "https://mcp.example/mcp");
  assert.equal(claims.sub, "ada");
  assert.equal(claims.client_id, "mcp_1");
  assert.doesNotMatch(JSON.stringify(claims), /upstream/);
  const verified = await factory.verify(tokens.access_token, "https://mcp.example/mcp");
  assert.deepEqual(verified?.upstream, UPSTREAM);
  assert.equal(
    await factory.verify(tokens.access_token, "https://other.example/mcp"),
    undefined,
    "another audience",
  );
  store.close();
});

Deno.test("a code works once, for its client, redirect URI and PKCE verifier; of two racing redemptions one wins", async () => {
  const { store, factory, code } = await setUp();
  const request = { clientId: "mcp_1", redirectUri: GRANT.redirectUri, codeVerifier: VERIFIER };
  const results = await Promise.allSettled([
    factory.redeemCode(code, request),
    factory.redeemCode(code, request),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  await refused(factory.redeemCode(code, request), /already used/);

  const wrong = await setUp();
  await refused(
    wrong.factory.redeemCode(wrong.code, { ...request, codeVerifier: "x".repeat(50) }),
    /code_verifier/,
  );
  // A failed attempt burns the code.
  await refused(wrong.factory.redeemCode(wrong.code, request), /already used/);
  const other = await setUp();
  await refused(other.factory.redeemCode(other.code, { ...request, clientId: "mcp_2" }), /another client/);
  const lost = await setUp();
  await refused(
    lost.factory.redeemCode(lost.code, { ...request, redirectUri: "https://app.example/other" }),
    /another client or redirect/,
  );
  for (const s of [store, wrong.store, other.store, lost.store]) s.close();
});

Deno.test("an expired code is refused", async () => {
  const { store, factory, code } = await setUp({ codeExpirySeconds: 1 });
  await new Promise((r) => setTimeout(r, 1_100));
  await refused(
    factory.redeemCode(code, { clientId: "mcp_1", redirectUri: GRANT.redirectUri, codeVerifier: VERIFIER }),
    /unknown, expired or already used/,
  );
  store.close();
});

Deno.test("a refresh token works once: the new pair works, the old access token's record is gone", async () => {
  const { store, factory, code } = await setUp();
  const first = await factory.redeemCode(code, {
    clientId: "mcp_1",
    redirectUri: GRANT.redirectUri,
    codeVerifier: VERIFIER,
  });
  await refused(factory.refresh(first.refresh_token, "mcp_2", undefined), /another client's/);
  const second = await factory.refresh(first.refresh_token, "mcp_1", undefined);
  await refused(factory.refresh(first.refresh_token, "mcp_1", undefined), /unknown, expired or already used/);
  assert.equal(await factory.verify(first.access_token, GRANT.resource), undefined);
  assert.deepEqual((await factory.verify(second.access_token, GRANT.resource))?.upstream, UPSTREAM);
  store.close();
});

Deno.test("revocation: an access token ends its grant; a refresh token ends itself and its access token", async () => {
  const request = { clientId: "mcp_1", redirectUri: GRANT.redirectUri, codeVerifier: VERIFIER };
  const a = await setUp();
  const tokens = await a.factory.redeemCode(a.code, request);
  await a.factory.revoke("not-a-token");
  assert.ok(await a.factory.verify(tokens.access_token, GRANT.resource), "an unknown token revokes nothing");
  await a.factory.revoke(tokens.access_token);
  assert.equal(await a.factory.verify(tokens.access_token, GRANT.resource), undefined);
  await refused(
    a.factory.refresh(tokens.refresh_token, "mcp_1", undefined),
    /the grant behind the refresh token is gone/,
  );
  const b = await setUp();
  const other = await b.factory.redeemCode(b.code, request);
  await b.factory.revoke(other.refresh_token);
  assert.equal(await b.factory.verify(other.access_token, GRANT.resource), undefined);
  await refused(b.factory.refresh(other.refresh_token, "mcp_1", undefined), /unknown/);
  a.store.close();
  b.store.close();
});

Deno.test("#10 (FastMCP #3524): a refresh token is no bearer token; a JWT signed with another key, or altered, is not the proxy's", async () => {
  const { store, factory, code } = await setUp();
  const tokens = await factory.redeemCode(code, {
    clientId: "mcp_1",
    redirectUri: GRANT.redirectUri,
    codeVerifier: VERIFIER,
  });
  assert.equal(await factory.verify(tokens.refresh_token, GRANT.resource), undefined);
  const forged = await new SignJWT({ client_id: "mcp_1", jti: "x" })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setIssuer("https://auth.example")
    .setAudience(GRANT.resource)
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode("another-key-another-key-another-key!"));
  assert.equal(await factory.verify(forged, GRANT.resource), undefined);
  const unsigned = `${btoa(JSON.stringify({ alg: "none", typ: "at+jwt" }))}.${
    btoa(JSON.stringify({ jti: "x" }))
  }.`;
  assert.equal(await factory.verify(unsigned, GRANT.resource), undefined);
  store.close();
});

Deno.test("the MCP endpoint's verifier gives the principal of a proxy token for it, and refuses others", async () => {
  const { store, factory, code } = await setUp();
  const tokens = await factory.redeemCode(code, {
    clientId: "mcp_1",
    redirectUri: GRANT.redirectUri,
    codeVerifier: VERIFIER,
  });
  // The upstream token has no expiry here: nothing is refreshed.
  const sessions = new UpstreamSessions(factory.records, {
    refresh: () => Promise.reject(new Error("no refresh expected")),
    thresholdSeconds: 60,
  });
  const verifier = new ProxyTokenVerifier(factory, sessions, GRANT.resource, () => ["notes:read"]);
  const principal = await verifier.verify(tokens.access_token);
  // Tools may call the provider's API with the upstream token; it never travels with the principal.
  assert.equal(principal.upstreamToken, UPSTREAM.accessToken);
  assert.doesNotMatch(JSON.stringify(principalOf(principal)), /upstream-access-secret/);
  assert.equal(principal.clientId, "mcp_1");
  assert.equal(principal.subject, "ada");
  assert.deepEqual(principal.scopes, ["notes:read"]);
  assert.equal(principal.audience, GRANT.resource);
  assert.doesNotMatch(JSON.stringify(principal.claims), /upstream/);
  const elsewhere = new ProxyTokenVerifier(factory, sessions, "https://other.example/mcp");
  await assert.rejects(
    elsewhere.verify(tokens.access_token),
    (e: Error) => e instanceof AuthError && e.error === "invalid_token",
  );
  const stricter = new ProxyTokenVerifier(factory, sessions, GRANT.resource, () => ["notes:write"]);
  await assert.rejects(
    stricter.verify(tokens.access_token),
    (e: Error) => e instanceof AuthError && e.error === "insufficient_scope" && e.status === 403,
  );
  store.close();
});

Deno.test("#8: a resource named at the token endpoint must be the one granted (RFC 8707 §2.2), for codes and refreshes", async () => {
  const request = { clientId: "mcp_1", redirectUri: GRANT.redirectUri, codeVerifier: VERIFIER };
  const elsewhere = await setUp();
  await assert.rejects(
    elsewhere.factory.redeemCode(elsewhere.code, { ...request, resource: "https://other.example/mcp" }),
    (e: Error) => e instanceof TokenError && e.code === "invalid_target",
  );
  elsewhere.store.close();
  const { store, factory, code } = await setUp();
  // The same resource, spelled with a trailing slash and an upper-case host, is the granted one.
  const tokens = await factory.redeemCode(code, { ...request, resource: "https://MCP.example/mcp/" });
  await assert.rejects(
    factory.refresh(tokens.refresh_token, "mcp_1", "https://mcp.example/other"),
    (e: Error) => e instanceof TokenError && e.code === "invalid_target",
  );
  store.close();
});

Deno.test("a grant without an upstream session: a live token with no upstreamToken, no refresh token, revocable", async () => {
  const { store, factory } = await setUp();
  const tokens = await factory.issueWithoutUpstream(GRANT, 300, { id_jag_iss: "https://idp.example" });
  assert.equal(tokens.expires_in, 300);
  assert.equal(tokens.scope, "notes:read");
  assert.equal("refresh_token" in tokens, false);
  const claims = decodeJwt(tokens.access_token);
  assert.equal(claims.exp! - claims.iat!, 300);
  assert.equal(claims.id_jag_iss, "https://idp.example");
  const verified = await factory.verify(tokens.access_token, GRANT.resource);
  assert.equal(verified?.jti, claims.jti);
  assert.equal(verified?.upstream, undefined);
  const sessions = new UpstreamSessions(factory.records, {
    refresh: () => Promise.reject(new Error("no refresh expected")),
    thresholdSeconds: 60,
    verifier: { verify: () => Promise.reject(new Error("no upstream token to verify")) },
  });
  const principal = await new ProxyTokenVerifier(factory, sessions, GRANT.resource).verify(
    tokens.access_token,
  );
  assert.equal(principal.subject, "ada");
  assert.equal(principal.clientId, "mcp_1");
  assert.equal(principal.upstreamToken, undefined);
  assert.equal("upstreamToken" in principal, false);
  assert.equal(await factory.revoke(tokens.access_token), undefined, "nothing to revoke upstream");
  assert.equal(await factory.verify(tokens.access_token, GRANT.resource), undefined, "revoked");
  store.close();
});

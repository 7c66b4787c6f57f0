/**
 * JWTVerifier against keys published by a real JWKS endpoint on 127.0.0.1: every way a token
 * can be wrong is refused with a reason (and never the token), rotation is followed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { AuthError, JWTVerifier } from "../../auth/mod.ts";

const ISSUER = "http://127.0.0.1/idp";
const AUDIENCE = "https://mcp.example.com/mcp";

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

type Key = Awaited<ReturnType<typeof keyPair>>;

/** A JWKS endpoint whose published keys the test can change (rotation). */
function jwksServer(keys: Key[]) {
  let fetches = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    fetches++;
    return Response.json({ keys: keys.map((k) => k.jwk) });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/jwks`,
    get fetches() {
      return fetches;
    },
    publish(next: Key[]) {
      keys = next;
    },
    close: () => server.shutdown(),
  };
}

function sign(key: Key, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "alice",
    iat: now,
    exp: now + 300,
    scope: "read write",
    client_id: "app",
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "at+jwt", ...header })
    .sign(key.privateKey);
}

async function refused(verifier: JWTVerifier, token: string, reason: RegExp, error = "invalid_token") {
  await assert.rejects(verifier.verify(token), (e) => {
    assert.ok(e instanceof AuthError, String(e));
    assert.equal(e.error, error);
    assert.match(e.message, reason);
    assert.ok(!e.message.includes(token), "the message holds the token");
    return true;
  });
}

Deno.test("JWTVerifier accepts a good token and refuses every wrong one, naming why", async () => {
  const key = await keyPair("k1");
  const jwks = jwksServer([key]);
  const verifier = new JWTVerifier({
    jwksUri: jwks.url,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSec: 0,
  });
  try {
    const ok = await verifier.verify(await sign(key));
    assert.deepEqual([ok.subject, ok.clientId, ok.scopes, ok.issuer], [
      "alice",
      "app",
      ["read", "write"],
      ISSUER,
    ]);
    const now = Math.floor(Date.now() / 1000);
    await refused(verifier, await sign(key, { aud: "https://other.example.com/mcp" }), /'aud' claim/);
    await refused(verifier, await sign(key, { iss: "https://evil.example.com" }), /'iss' claim/);
    await refused(verifier, await sign(key, { exp: now - 10 }), /expired/);
    await refused(verifier, await sign(key, { nbf: now + 600 }), /not valid yet/);
    await refused(verifier, await sign(key, {}, { typ: "refresh+jwt" }), /not an access token/);
    await refused(verifier, await sign(key, { token_use: "refresh" }), /not an access token/);
    await refused(verifier, "not.a.token", /malformed/);
    await refused(verifier, "garbage", /malformed/);
    // alg none: an unsecured JWT with a valid-looking payload.
    const b64 = (v: unknown) =>
      btoa(JSON.stringify(v)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
    const none = `${b64({ alg: "none", typ: "at+jwt" })}.${
      b64({ iss: ISSUER, aud: AUDIENCE, sub: "mallory", exp: now + 300 })
    }.`;
    await refused(verifier, none, /algorithm is not accepted|malformed/);
    // HS256 signed with the public key's bytes as the secret (the classic key-confusion attack).
    const confused = await new SignJWT({}).setProtectedHeader({ alg: "HS256", kid: "k1" }).setIssuer(ISSUER)
      .setAudience(AUDIENCE).setExpirationTime(now + 300).sign(
        new TextEncoder().encode(JSON.stringify(key.jwk)),
      );
    await refused(verifier, confused, /algorithm is not accepted/);
    // A signature by a key the issuer never published.
    const stranger = await keyPair("k1");
    await refused(verifier, await sign(stranger), /signature does not verify/);
  } finally {
    await jwks.close();
  }
});

Deno.test("JWTVerifier follows a key rotation on an unknown kid, at most once per cool-down", async () => {
  const old = await keyPair("old");
  const next = await keyPair("new");
  const jwks = jwksServer([old]);
  const verifier = new JWTVerifier({
    jwksUri: jwks.url,
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksCooldownMs: 0,
  });
  try {
    await verifier.verify(await sign(old));
    assert.equal(jwks.fetches, 1);
    await verifier.verify(await sign(old));
    assert.equal(jwks.fetches, 1, "the JWKS is cached");
    jwks.publish([old, next]);
    const rotated = await verifier.verify(await sign(next));
    assert.equal(rotated.subject, "alice");
    assert.equal(jwks.fetches, 2);
    const cooling = new JWTVerifier({ jwksUri: jwks.url, issuer: ISSUER, audience: AUDIENCE });
    await cooling.verify(await sign(old));
    const unknown = await keyPair("unknown");
    for (let i = 0; i < 5; i++) await refused(cooling, await sign(unknown), /no known key/);
    assert.equal(jwks.fetches, 3, "unknown kids within the cool-down do not refetch");
  } finally {
    await jwks.close();
  }
});

Deno.test("JWTVerifier names missing scopes all at once, as insufficient_scope", async () => {
  const key = await keyPair("k");
  const verifier = new JWTVerifier({
    publicKey: key.jwk,
    algorithms: ["ES256"],
    issuer: ISSUER,
    audience: AUDIENCE,
    requiredScopes: ["read", "admin", "billing"],
  });
  await assert.rejects(verifier.verify(await sign(key)), (e) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.error, "insufficient_scope");
    assert.equal(e.status, 403);
    assert.deepEqual(e.scopes, ["read", "admin", "billing"]);
    assert.match(e.message, /lacks the scopes admin billing/);
    return true;
  });
});

Deno.test("JWTVerifier refuses to be built without an issuer or an audience, or with mixed key kinds", () => {
  const base = { jwksUri: "https://idp.example.com/jwks", issuer: ISSUER, audience: AUDIENCE };
  assert.throws(() => new JWTVerifier({ ...base, audience: "" }), /audience is required/);
  assert.throws(() => new JWTVerifier({ ...base, issuer: [] }), /issuer is required/);
  assert.throws(() => new JWTVerifier({ ...base, algorithms: ["HS256"] }), /needs a shared secret/);
  assert.throws(
    () =>
      new JWTVerifier({ secret: "s".repeat(32), issuer: ISSUER, audience: AUDIENCE, algorithms: ["RS256"] }),
    /HS\* algorithms only/,
  );
  assert.throws(() => new JWTVerifier({ ...base, algorithms: ["none"] }), /'none' is never accepted/);
  assert.throws(() => new JWTVerifier({ issuer: ISSUER, audience: AUDIENCE }), /exactly one of/);
});

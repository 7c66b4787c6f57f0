/**
 * MultiAuth over real verifiers: static tokens, a JWTVerifier reading a JWKS served on 127.0.0.1,
 * and an IntrospectionVerifier whose endpoint is down. The first to accept wins, client ids are
 * qualified by the verifier's name, and a refusal tells nothing of who was asked.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  AuthError,
  JWTVerifier,
  principalKey,
  principalOf,
  StaticTokenVerifier,
  type TokenVerifier,
} from "../../auth/mod.ts";
import { IntrospectionVerifier } from "../../auth/introspection_verifier.ts";
import { MultiAuth } from "../../auth/multi_auth.ts";

const ISSUER = "http://127.0.0.1/idp";
const AUDIENCE = "https://mcp.example.com/mcp";

/** Two providers that both have a client called "app", and one token both know. */
function providers() {
  return {
    a: new StaticTokenVerifier({
      tokens: {
        "token-a": { clientId: "app", subject: "alice", scopes: ["read"] },
        "token-both": { clientId: "app", subject: "from-a" },
      },
    }),
    b: new StaticTokenVerifier({
      tokens: {
        "token-b": { clientId: "app", subject: "alice", scopes: ["read"] },
        "token-both": { clientId: "app", subject: "from-b" },
      },
    }),
  };
}

/** A JWT issuer: its key, and its JWKS served on 127.0.0.1. */
async function jwtIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k", alg: "ES256", use: "sig" };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ keys: [jwk] }),
  );
  return {
    jwksUri: `http://127.0.0.1:${server.addr.port}/jwks`,
    sign: (claims: Record<string, unknown>) =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, client_id: "app", sub: "bob", scope: "read", ...claims })
        .setProtectedHeader({ alg: "ES256", kid: "k", typ: "at+jwt" }).setIssuedAt().setExpirationTime("5m")
        .sign(privateKey),
    close: () => server.shutdown(),
  };
}

/** An introspection endpoint that does not answer (its port was closed). */
async function downIntrospection(): Promise<IntrospectionVerifier> {
  const gone = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response());
  const port = gone.addr.port;
  await gone.shutdown();
  return new IntrospectionVerifier({
    endpoint: `http://127.0.0.1:${port}/introspect`,
    clientId: "mcp-server",
    clientSecret: "secret",
    audience: AUDIENCE,
  });
}

Deno.test("MultiAuth: the first verifier to accept wins, and qualifies the client id with its name", async () => {
  const { a, b } = providers();
  const multi = new MultiAuth({ verifiers: { a, b } });
  const fromA = await multi.verify("token-a");
  const fromB = await multi.verify("token-b");
  assert.equal(fromA.clientId, "a:app");
  assert.equal(fromB.clientId, "b:app");
  assert.deepEqual([fromA.subject, fromA.scopes, fromA.token], ["alice", ["read"], "token-a"]);
  // Same client id and subject at both providers, yet two principals: no shared sessions.
  assert.notEqual(principalKey(principalOf(fromA)), principalKey(principalOf(fromB)));
  // The claims are the accepting verifier's, untouched.
  assert.equal(fromA.claims, (await a.verify("token-a")).claims);
  const both = await multi.verify("token-both");
  assert.deepEqual([both.clientId, both.subject], ["a:app", "from-a"]);
  const reversed = await new MultiAuth({ verifiers: { b, a } }).verify("token-both");
  assert.deepEqual([reversed.clientId, reversed.subject], ["b:app", "from-b"]);
  assert.equal(await multi.verify("token-a"), fromA, "one qualified token per verified token");
  // A list names its verifiers by index.
  const listed = new MultiAuth({ verifiers: [a, b] });
  assert.equal((await listed.verify("token-a")).clientId, "0:app");
  assert.equal((await listed.verify("token-b")).clientId, "1:app");
  assert.deepEqual(multi.requiredScopes, []);
});

Deno.test("MultiAuth combines a JWT verifier and static tokens", async () => {
  const issuer = await jwtIssuer();
  try {
    const multi = new MultiAuth({
      verifiers: {
        dev: new StaticTokenVerifier({ tokens: { "dev-token": { clientId: "app" } } }),
        idp: new JWTVerifier({ jwksUri: issuer.jwksUri, issuer: ISSUER, audience: AUDIENCE }),
      },
    });
    const jwt = await multi.verify(await issuer.sign({}));
    assert.deepEqual([jwt.clientId, jwt.subject, jwt.issuer, jwt.claims.client_id], [
      "idp:app",
      "bob",
      ISSUER,
      "app",
    ]);
    assert.equal((await multi.verify("dev-token")).clientId, "dev:app");
  } finally {
    await issuer.close();
  }
});

Deno.test("MultiAuth refuses a token no verifier accepts without saying who was asked", async () => {
  const issuer = await jwtIssuer();
  try {
    const multi = new MultiAuth({
      verifiers: {
        ...providers(),
        corporate: new JWTVerifier({ jwksUri: issuer.jwksUri, issuer: ISSUER, audience: AUDIENCE }),
      },
    });
    const foreign = await issuer.sign({ aud: "https://other.example.com/mcp" });
    for (const token of ["token-c", foreign]) {
      await assert.rejects(multi.verify(token), (e) => {
        assert.ok(e instanceof AuthError, String(e));
        assert.equal(e.error, "invalid_token");
        assert.equal(e.status, 401);
        assert.equal(e.message, "no verifier accepted the token");
        return true;
      });
    }
  } finally {
    await issuer.close();
  }
});

Deno.test("MultiAuth prefers an insufficient_scope refusal, wherever it comes from", async () => {
  const issuer = await jwtIssuer();
  try {
    const strict = new JWTVerifier({
      jwksUri: issuer.jwksUri,
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredScopes: ["admin"],
    });
    const { a } = providers();
    const token = await issuer.sign({ scope: "read" });
    const down = await downIntrospection();
    const orders: Record<string, TokenVerifier>[] = [{ a, strict }, { strict, a }, { down, strict, a }];
    for (const verifiers of orders) {
      await assert.rejects(new MultiAuth({ verifiers }).verify(token), (e) => {
        assert.ok(e instanceof AuthError, String(e));
        assert.equal(e.error, "insufficient_scope");
        assert.equal(e.status, 403);
        assert.deepEqual(e.scopes, ["admin"]);
        return true;
      });
    }
  } finally {
    await issuer.close();
  }
});

Deno.test("MultiAuth rethrows the failure of a verifier that could not answer, when no other accepts", async () => {
  const { a } = providers();
  const multi = new MultiAuth({ verifiers: { remote: await downIntrospection(), a } });
  await assert.rejects(multi.verify("token-unknown"), (e) => {
    assert.ok(e instanceof Error, String(e));
    assert.ok(!(e instanceof AuthError), `a refusal, not the failure: ${e}`);
    assert.match(e.message, /^token introspection at http:\/\/127\.0\.0\.1:\d+\/introspect failed/);
    assert.ok(!e.message.includes("token-unknown"), "the message holds the token");
    return true;
  });
  assert.equal((await multi.verify("token-a")).clientId, "a:app", "another verifier may still accept");
});

Deno.test("MultiAuth refuses to be built without verifiers, or with a name that is empty or holds ':'", () => {
  const { a, b } = providers();
  assert.throws(() => new MultiAuth({ verifiers: [] }), /at least one verifier/);
  assert.throws(() => new MultiAuth({ verifiers: {} }), /at least one verifier/);
  assert.throws(
    () => new MultiAuth({ verifiers: { "idp:a": a, b } }),
    /'idp:a' must be non-empty and hold no ':'/,
  );
  assert.throws(() => new MultiAuth({ verifiers: { "": a } }), TypeError);
});

/**
 * Enterprise-managed authorization at the OAuth proxy (SEP-990): an enterprise identity
 * provider's ID-JAG (draft-ietf-oauth-identity-assertion-authz-grant), presented with the RFC
 * 7523 jwt-bearer grant, becomes a proxy token that calls a tool; every defect the draft and the
 * extension name is refused with its RFC 6749 §5.2 error, never repeating the assertion. The
 * provider's keys are real RSA keys whose JWKS a local server publishes; the MCP server is served
 * over HTTP on 127.0.0.1.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { type IdentityAssertionOptions, OAuthProxy } from "../../auth/mod.ts";
import { FastMCP } from "../../mod.ts";
import { modernRequest, readAnswer } from "../helpers/http.ts";
import { freePort } from "../helpers/process.ts";

const IDP = "https://acme.idp.example";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** The enterprise identity provider: its signing key, and its JWKS served on 127.0.0.1 (fetches counted). */
async function identityProvider() {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...await exportJWK(publicKey), kid: "idp-key-1", alg: "RS256", use: "sig" };
  let fetches = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    fetches++;
    return Response.json({ keys: [jwk] });
  });
  return {
    privateKey,
    jwk,
    jwksUri: `http://127.0.0.1:${server.addr.port}/jwks`,
    fetches: () => fetches,
    stop: () => server.shutdown(),
  };
}

type Idp = Awaited<ReturnType<typeof identityProvider>>;

/** A server with a `whoami` tool behind a proxy that trusts `idp`'s ID-JAGs, served on 127.0.0.1. */
function serveProxy(idp: Idp, extra: Partial<IdentityAssertionOptions> = {}) {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const mcp = new FastMCP({
    name: "notes",
    logger: () => {},
    auth: new OAuthProxy({
      upstreamAuthorizationEndpoint: "https://sso.example.com/authorize",
      upstreamTokenEndpoint: "https://sso.example.com/token",
      upstreamClientId: "proxy-client",
      upstreamClientSecret: "upstream-secret",
      baseUrl: base,
      jwtSigningKey: "proxy-secret-of-at-least-thirty-two-bytes",
      scopesSupported: ["notes:read", "notes:write"],
      identityAssertion: { trustedIssuers: [{ issuer: IDP, jwksUri: idp.jwksUri }], ...extra },
    }),
  });
  mcp.tool(
    "whoami",
    async (_args, ctx) =>
      `${ctx.accessToken?.subject} via ${ctx.accessToken?.clientId}, upstream token: ${
        ctx.accessToken?.upstreamToken ?? "none"
      }`,
  );
  const http = mcp.serve({ hostname: "127.0.0.1", port });
  return {
    base,
    stop: async () => {
      await mcp.close();
      await http.finished.catch(() => {});
    },
  };
}

async function register(base: string): Promise<string> {
  const res = await fetch(`${base}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "AI agent", redirect_uris: ["http://127.0.0.1:5555/callback"] }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).client_id;
}

/**
 * An ID-JAG as the draft's example has it (typ, iss, sub, aud, client_id, jti, exp, iat,
 * resource, scope), signed with `key` (the provider's by default); `claims` and `header` override.
 */
async function idJag(
  idp: Idp,
  base: string,
  clientId: string,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
  key: CryptoKey | Uint8Array = idp.privateKey,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({
    iss: IDP,
    sub: "U019488227",
    aud: base,
    client_id: clientId,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 300,
    resource: `${base}/mcp`,
    scope: "notes:read notes:write admin",
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", typ: "oauth-id-jag+jwt", kid: idp.jwk.kid, ...header })
    .sign(key);
}

async function tokenRequest(
  base: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/token`, { method: "POST", headers, body: new URLSearchParams(params) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function whoami(base: string, accessToken: string): Promise<Response> {
  return await fetch(
    modernRequest("tools/call", { name: "whoami", arguments: {} }, 1, {
      authorization: `Bearer ${accessToken}`,
    }, `${base}/mcp`),
  );
}

Deno.test("a valid ID-JAG gives a proxy token (no refresh token, scopes narrowed) that calls a tool; it works once", async () => {
  const idp = await identityProvider();
  const { base, stop } = serveProxy(idp);
  try {
    const metadata = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    assert.deepEqual(metadata.grant_types_supported, ["authorization_code", "refresh_token", JWT_BEARER]);
    assert.deepEqual(metadata.authorization_grant_profiles_supported, [
      "urn:ietf:params:oauth:grant-profile:id-jag",
    ]);
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ["none"]);
    assert.doesNotMatch(JSON.stringify(metadata), /acme\.idp\.example/, "the trusted issuers stay private");

    const clientId = await register(base);
    const assertion = await idJag(idp, base, clientId);
    const issued = await tokenRequest(base, {
      grant_type: JWT_BEARER,
      assertion,
      client_id: clientId,
      scope: "notes:read admin",
      resource: `${base}/mcp`,
    });
    assert.equal(issued.status, 200);
    assert.equal(issued.headers.get("cache-control"), "no-store");
    assert.equal(issued.body.token_type, "Bearer");
    assert.equal(issued.body.expires_in, 300);
    // The assertion grants notes:read notes:write admin; the request asks notes:read admin; the
    // server supports notes:read notes:write: what all three allow.
    assert.equal(issued.body.scope, "notes:read");
    assert.equal(issued.body.refresh_token, undefined, "no refresh token for an ID-JAG (the draft)");

    const answer = await readAnswer(await whoami(base, issued.body.access_token as string));
    assert.deepEqual(answer.result.content, [{
      type: "text",
      text: `U019488227 via ${clientId}, upstream token: none`,
    }]);

    const replayed = await tokenRequest(base, { grant_type: JWT_BEARER, assertion, client_id: clientId });
    assert.equal(replayed.status, 400);
    assert.equal(replayed.body.error, "invalid_grant");
    assert.match(String(replayed.body.error_description), /used already/);

    await (await fetch(`${base}/revoke`, {
      method: "POST",
      body: new URLSearchParams({ token: issued.body.access_token as string }),
    })).body?.cancel();
    const revoked = await whoami(base, issued.body.access_token as string);
    assert.equal(revoked.status, 401);
    await revoked.body?.cancel();
    assert.equal(idp.fetches(), 1, "the JWKS is fetched once and cached");
  } finally {
    await stop();
    await idp.stop();
  }
});

Deno.test("refused: untrusted issuer, bad signature, alg none or HS256, wrong typ, aud, resource, times, client", async () => {
  const idp = await identityProvider();
  const { base, stop } = serveProxy(idp);
  try {
    const clientId = await register(base);
    const otherClient = await register(base);
    const now = Math.floor(Date.now() / 1000);
    const { privateKey: strangerKey } = await generateKeyPair("RS256");
    const jag = (claims: JWTPayload = {}, header: Record<string, unknown> = {}) =>
      idJag(idp, base, clientId, claims, header);
    const encode = (value: unknown) =>
      btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const unsigned = `${encode({ alg: "none", typ: "oauth-id-jag+jwt" })}.${
      encode({
        iss: IDP,
        sub: "U019488227",
        aud: base,
        client_id: clientId,
        jti: "unsigned",
        iat: now,
        exp: now + 300,
        resource: `${base}/mcp`,
      })
    }.`;
    // The classic confusion: an HMAC "signature" keyed with the provider's public key.
    const hmacWithPublicKey = await new SignJWT({
      iss: IDP,
      sub: "U019488227",
      aud: base,
      client_id: clientId,
      jti: "hmac",
      iat: now,
      exp: now + 300,
      resource: `${base}/mcp`,
    })
      .setProtectedHeader({ alg: "HS256", typ: "oauth-id-jag+jwt", kid: idp.jwk.kid })
      .sign(new TextEncoder().encode(JSON.stringify(idp.jwk)));

    const cases: [string, string, Record<string, string>, number, string, RegExp][] = [
      ["untrusted issuer", await jag({ iss: "https://evil.example" }), {}, 400, "invalid_grant", /trusted/],
      [
        "bad signature (another key, the same kid)",
        await idJag(idp, base, clientId, {}, {}, strangerKey),
        {},
        400,
        "invalid_grant",
        /trusted/,
      ],
      ["alg none", unsigned, {}, 400, "invalid_grant", /trusted/],
      ["HS256 keyed with the JWKS", hmacWithPublicKey, {}, 400, "invalid_grant", /trusted/],
      ["typ JWT", await jag({}, { typ: "JWT" }), {}, 400, "invalid_grant", /typ/],
      ["typ at+jwt", await jag({}, { typ: "at+jwt" }), {}, 400, "invalid_grant", /typ/],
      ["another audience", await jag({ aud: "https://other-as.example" }), {}, 400, "invalid_grant", /aud/],
      [
        "an audience among others",
        await jag({ aud: [base, "https://other-as.example"] }),
        {},
        400,
        "invalid_grant",
        /aud/,
      ],
      [
        "another resource",
        await jag({ resource: "https://other.example/mcp" }),
        {},
        400,
        "invalid_target",
        /resource|not for/,
      ],
      ["no resource", await jag({ resource: undefined }), {}, 400, "invalid_grant", /names no resource/],
      [
        "a request for another resource",
        await jag(),
        { resource: "https://other.example/mcp" },
        400,
        "invalid_target",
        /resource/,
      ],
      ["expired", await jag({ iat: now - 400, exp: now - 100 }), {}, 400, "invalid_grant", /expired/],
      ["too long-lived", await jag({ iat: now, exp: now + 3600 }), {}, 400, "invalid_grant", /longer than/],
      [
        "issued in the future",
        await jag({ iat: now + 120, exp: now + 400 }),
        {},
        400,
        "invalid_grant",
        /future/,
      ],
      ["no jti", await jag({ jti: undefined }), {}, 400, "invalid_grant", /jti/],
      ["no sub", await jag({ sub: undefined }), {}, 400, "invalid_grant", /sub/],
      ["another client's", await jag({ client_id: otherClient }), {}, 400, "invalid_grant", /another client/],
      ["not a JWT", "not-a-jwt", {}, 400, "invalid_grant", /not a JWT/],
      ["no assertion", "", {}, 400, "invalid_request", /missing/],
      [
        "an unregistered client",
        await jag({ client_id: "mcp_unknown" }),
        { client_id: "mcp_unknown" },
        401,
        "invalid_client",
        /not registered/,
      ],
      [
        "a public client sending a secret",
        await jag(),
        { client_secret: "guess" },
        401,
        "invalid_client",
        /public/,
      ],
    ];
    for (const [name, assertion, params, status, error, description] of cases) {
      const refused = await tokenRequest(base, {
        grant_type: JWT_BEARER,
        assertion,
        client_id: clientId,
        ...params,
      });
      assert.equal(refused.status, status, name);
      assert.equal(refused.body.error, error, name);
      assert.match(String(refused.body.error_description), description, name);
      assert.equal(refused.body.access_token, undefined, name);
      const answered = JSON.stringify(refused.body);
      assert.ok(
        !assertion.split(".").some((part) => part.length >= 8 && answered.includes(part)),
        `${name}: the assertion is not echoed`,
      );
    }

    // An assertion shown by the wrong client is not burnt for the right one.
    const theirs = await idJag(idp, base, otherClient);
    const stolen = await tokenRequest(base, {
      grant_type: JWT_BEARER,
      assertion: theirs,
      client_id: clientId,
    });
    assert.equal(stolen.body.error, "invalid_grant");
    const own = await tokenRequest(base, {
      grant_type: JWT_BEARER,
      assertion: theirs,
      client_id: otherClient,
    });
    assert.equal(own.status, 200);
  } finally {
    await stop();
    await idp.stop();
  }
});

Deno.test("confidential clients: only they may present an ID-JAG, by Basic or in the body, with their secret", async () => {
  const idp = await identityProvider();
  const { base, stop } = serveProxy(idp, {
    clients: [{ clientId: "ai-agent", clientSecret: "agent-secret:with+odd chars" }],
  });
  const basic = (id: string, secret: string) =>
    `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret).replaceAll("%20", "+")}`)}`;
  try {
    const metadata = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, [
      "none",
      "client_secret_basic",
      "client_secret_post",
    ]);
    const byBasic = await tokenRequest(
      base,
      { grant_type: JWT_BEARER, assertion: await idJag(idp, base, "ai-agent") },
      { authorization: basic("ai-agent", "agent-secret:with+odd chars") },
    );
    assert.equal(byBasic.status, 200);
    const answer = await readAnswer(await whoami(base, byBasic.body.access_token as string));
    assert.deepEqual(answer.result.content, [{
      type: "text",
      text: "U019488227 via ai-agent, upstream token: none",
    }]);
    const byPost = await tokenRequest(base, {
      grant_type: JWT_BEARER,
      assertion: await idJag(idp, base, "ai-agent"),
      client_id: "ai-agent",
      client_secret: "agent-secret:with+odd chars",
    });
    assert.equal(byPost.status, 200);

    const wrongSecret = await tokenRequest(
      base,
      { grant_type: JWT_BEARER, assertion: await idJag(idp, base, "ai-agent") },
      { authorization: basic("ai-agent", "guess") },
    );
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, "invalid_client");
    assert.equal(wrongSecret.headers.get("www-authenticate"), 'Basic realm="token"');
    const noSecret = await tokenRequest(base, {
      grant_type: JWT_BEARER,
      assertion: await idJag(idp, base, "ai-agent"),
      client_id: "ai-agent",
    });
    assert.equal(noSecret.status, 401);
    assert.equal(noSecret.body.error, "invalid_client");
    const registered = await register(base);
    const publicClient = await tokenRequest(base, {
      grant_type: JWT_BEARER,
      assertion: await idJag(idp, base, registered),
      client_id: registered,
    });
    assert.equal(
      publicClient.status,
      401,
      "a public client may not, once confidential clients are configured",
    );
    assert.equal(publicClient.body.error, "invalid_client");
  } finally {
    await stop();
    await idp.stop();
  }
});

Deno.test("off by default: the grant is unsupported and not in the metadata; settings that cannot work are refused", async () => {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const options = {
    upstreamAuthorizationEndpoint: "https://sso.example.com/authorize",
    upstreamTokenEndpoint: "https://sso.example.com/token",
    upstreamClientId: "proxy-client",
    upstreamClientSecret: "upstream-secret",
    baseUrl: base,
    jwtSigningKey: "proxy-secret-of-at-least-thirty-two-bytes",
  };
  const mcp = new FastMCP({ name: "notes", logger: () => {}, auth: new OAuthProxy(options) });
  const http = mcp.serve({ hostname: "127.0.0.1", port });
  try {
    const metadata = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    assert.deepEqual(metadata.grant_types_supported, ["authorization_code", "refresh_token"]);
    assert.equal(metadata.authorization_grant_profiles_supported, undefined);
    const refused = await tokenRequest(base, { grant_type: JWT_BEARER, assertion: "a.b.c", client_id: "x" });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, "unsupported_grant_type");
  } finally {
    await mcp.close();
    await http.finished.catch(() => {});
  }
  const jwksUri = "https://idp.example.com/jwks";
  assert.throws(
    () => new OAuthProxy({ ...options, identityAssertion: { trustedIssuers: [] } }),
    /at least one/,
  );
  for (const alg of ["HS256", "none"]) {
    assert.throws(
      () =>
        new OAuthProxy({
          ...options,
          identityAssertion: { trustedIssuers: [{ issuer: IDP, jwksUri, algorithms: [alg] }] },
        }),
      new RegExp(`${alg} is never accepted`),
    );
  }
  assert.throws(
    () =>
      new OAuthProxy({
        ...options,
        identityAssertion: { trustedIssuers: [{ issuer: IDP, jwksUri: "not a url" }] },
      }),
    TypeError,
  );
});

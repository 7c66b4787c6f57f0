/**
 * IntrospectionVerifier against a real authorization server: `npm:oidc-provider` on 127.0.0.1
 * issues opaque access tokens (client credentials, RFC 8707 resource indicators), introspects
 * them (RFC 7662) for a second, confidential client that plays this MCP server, and revokes them
 * (RFC 7009). Introspection requests are counted inside the provider, to see the cache and the
 * sharing of concurrent requests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import { AuthError } from "../../auth/mod.ts";
import {
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
} from "../../auth/introspection_verifier.ts";

const MCP_URL = "https://mcp.example.com/mcp";
const OTHER_URL = "https://other.example.com/mcp";
/** A resource whose tokens live 2 seconds, to see expiry. */
const SHORT_URL = "https://short.example.com/mcp";
const SCOPES = "mcp:read mcp:write";

/** The client tokens are issued to, the MCP server's introspection clients (basic and post). */
const APP = { id: "mcp-app", secret: "app-secret-0123456789abcdef" };
const SERVER = { id: "mcp-server", secret: "server secret: 0123456789/+&=" };
const SERVER_POST = { id: "mcp-server-post", secret: "server-post-secret-0123456789" };

/** Runs `fn` with oidc-provider's development-mode notices muted. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const [warn, info] = [console.warn, console.info];
  const mute = (log: (...args: unknown[]) => void) => (...args: unknown[]) => {
    if (!String(args[0]).includes("oidc-provider ")) log(...args);
  };
  console.warn = mute(warn);
  console.info = mute(info);
  try {
    return await fn();
  } finally {
    [console.warn, console.info] = [warn, info];
  }
}

interface Idp {
  issuer: string;
  endpoint: string;
  /** Introspection requests the provider has received. */
  readonly introspections: number;
  /** A client-credentials access token for `resource`. */
  issue(resource?: string, scope?: string): Promise<string>;
  /** Revokes a token (RFC 7009), as the client it was issued to. */
  revoke(token: string): Promise<void>;
  close(): Promise<void>;
}

function basic(client: { id: string; secret: string }): string {
  const form = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${btoa(`${form(client.id)}:${form(client.secret)}`)}`;
}

async function startIdp(): Promise<Idp> {
  const { default: Provider, errors } = await quietly(() =>
    // deno-lint-ignore no-import-prefix -- test-only dependency, pinned here rather than in deno.json
    import("npm:oidc-provider@9.13.3")
  );
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: "ES256", use: "sig", kid: "es" };
  const app: { handler?: (req: unknown, res: unknown) => void } = {};
  const server: Server = createServer((req, res) => app.handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const confidential = (client: { id: string; secret: string }, method: string, grants: string[]) => ({
    client_id: client.id,
    client_secret: client.secret,
    grant_types: grants,
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: method,
    scope: SCOPES,
    id_token_signed_response_alg: "ES256",
  });
  const provider = await quietly(() =>
    Promise.resolve(
      new Provider(issuer, {
        jwks: { keys: [jwk] },
        cookies: { keys: ["denomcp-test-cookie-key"] },
        scopes: ["mcp:read", "mcp:write"],
        clients: [
          confidential(APP, "client_secret_basic", ["client_credentials"]),
          confidential(SERVER, "client_secret_basic", []),
          confidential(SERVER_POST, "client_secret_post", []),
        ],
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          // Confidential clients (the resource servers) may introspect any token.
          introspection: {
            enabled: true,
            allowedPolicy: (_ctx: unknown, client: { clientAuthMethod: string }) =>
              client.clientAuthMethod !== "none",
          },
          revocation: {
            enabled: true,
            allowedPolicy: (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) =>
              token.clientId === client.clientId,
          },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => undefined,
            getResourceServerInfo: (_ctx: unknown, resource: string) => {
              if (![MCP_URL, OTHER_URL, SHORT_URL].includes(resource)) throw new errors.InvalidTarget();
              return {
                scope: SCOPES,
                audience: resource,
                accessTokenTTL: resource === SHORT_URL ? 2 : 300,
                accessTokenFormat: "opaque",
              };
            },
          },
        },
      }),
    )
  );
  let introspections = 0;
  provider.use(async (ctx: { path: string }, next: () => Promise<void>) => {
    if (ctx.path === "/token/introspection") introspections++;
    await next();
  });
  app.handler = provider.callback();
  const post = (path: string, form: Record<string, string>) =>
    quietly(() =>
      fetch(`${issuer}${path}`, {
        method: "POST",
        headers: { authorization: basic(APP), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
      })
    );
  return {
    issuer,
    endpoint: `${issuer}/token/introspection`,
    get introspections() {
      return introspections;
    },
    async issue(resource = MCP_URL, scope = "mcp:read") {
      const res = await post("/token", { grant_type: "client_credentials", resource, scope });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(typeof body.access_token, "string");
      return body.access_token;
    },
    async revoke(token) {
      const res = await post("/token/revocation", { token, token_type_hint: "access_token" });
      await res.body?.cancel();
      assert.equal(res.status, 200);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => err ? reject(err) : resolve());
        server.closeAllConnections();
      }),
  };
}

function verifierFor(idp: Idp, options: Partial<IntrospectionVerifierOptions> = {}): IntrospectionVerifier {
  return new IntrospectionVerifier({
    endpoint: idp.endpoint,
    clientId: SERVER.id,
    clientSecret: SERVER.secret,
    audience: MCP_URL,
    issuer: idp.issuer,
    ...options,
  });
}

/** Verifies, muting the provider's notices (a default policy it warns about, on first use). */
function verify(verifier: IntrospectionVerifier, token: string) {
  return quietly(() => verifier.verify(token));
}

async function refused(
  verifier: IntrospectionVerifier,
  token: string,
  reason: RegExp,
  error = "invalid_token",
) {
  await assert.rejects(verify(verifier, token), (e) => {
    assert.ok(e instanceof AuthError, String(e));
    assert.equal(e.error, error);
    assert.match(e.message, reason);
    assert.ok(!e.message.includes(token), "the message holds the token");
    return true;
  });
}

/** The endpoint could not answer: a plain Error naming it, never an AuthError, never the token. */
async function failed(verifier: IntrospectionVerifier, token: string, reason: RegExp) {
  await assert.rejects(verify(verifier, token), (e) => {
    assert.ok(e instanceof Error, String(e));
    assert.ok(!(e instanceof AuthError), `a refusal, not a failure: ${e}`);
    assert.match(e.message, /^token introspection at http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(e.message, reason);
    assert.ok(!e.message.includes(token), "the message holds the token");
    return true;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("IntrospectionVerifier accepts an active opaque token and maps what the server says of it", async () => {
  const idp = await startIdp();
  try {
    const token = await idp.issue(MCP_URL, "mcp:read mcp:write");
    const now = Math.floor(Date.now() / 1000);
    const verifier = verifierFor(idp, { requiredScopes: ["mcp:read"] });
    assert.deepEqual(verifier.requiredScopes, ["mcp:read"]);
    const ok = await verify(verifier, token);
    assert.equal(ok.token, token);
    assert.equal(ok.clientId, APP.id);
    assert.equal(ok.subject, undefined, "a client-credentials token speaks for no user");
    assert.deepEqual(ok.scopes, ["mcp:read", "mcp:write"]);
    assert.equal(ok.issuer, idp.issuer);
    assert.equal(ok.audience, MCP_URL);
    assert.ok(ok.expiresAt! >= now + 295 && ok.expiresAt! <= now + 302, `exp ${ok.expiresAt} for now ${now}`);
    assert.equal(ok.claims.active, true);
    assert.equal(ok.claims.client_id, APP.id);
    // The same, authenticating with the credentials in the form body.
    const post = verifierFor(idp, {
      clientId: SERVER_POST.id,
      clientSecret: SERVER_POST.secret,
      clientAuthMethod: "client_secret_post",
    });
    assert.deepEqual(post.requiredScopes, []);
    assert.equal((await verify(post, token)).clientId, APP.id);
  } finally {
    await idp.close();
  }
});

Deno.test("IntrospectionVerifier refuses unknown, misdirected, foreign and under-scoped tokens, naming why", async () => {
  const idp = await startIdp();
  try {
    const verifier = verifierFor(idp);
    await refused(verifier, "garbage-0123456789abcdefghijklmnopqrstuvwxyz", /not active/);
    await refused(verifier, await idp.issue(OTHER_URL), /'aud' claim is not accepted/);
    const token = await idp.issue(MCP_URL, "mcp:read");
    await refused(
      verifierFor(idp, { issuer: "https://idp.example.com" }),
      token,
      /'iss' claim is not accepted/,
    );
    await assert.rejects(
      verify(verifierFor(idp, { requiredScopes: ["mcp:read", "mcp:write"] }), token),
      (e) => {
        assert.ok(e instanceof AuthError);
        assert.equal(e.error, "insufficient_scope");
        assert.equal(e.status, 403);
        assert.deepEqual(e.scopes, ["mcp:read", "mcp:write"]);
        assert.match(e.message, /lacks the scopes mcp:write$/);
        return true;
      },
    );
    // An audience list accepts a token for any of its members.
    assert.equal(
      (await verify(verifierFor(idp, { audience: [OTHER_URL, MCP_URL] }), token)).clientId,
      APP.id,
    );
  } finally {
    await idp.close();
  }
});

Deno.test("IntrospectionVerifier caches briefly: a revoked token stays accepted within the TTL, then is refused", async () => {
  const idp = await startIdp();
  try {
    const token = await idp.issue();
    const cached = verifierFor(idp, { cacheTtlMs: 60_000 });
    const short = verifierFor(idp, { cacheTtlMs: 300 });
    const uncached = verifierFor(idp, { cacheTtlMs: 0 });
    const first = await verify(cached, token);
    assert.equal(idp.introspections, 1);
    assert.equal(await verify(cached, token), first, "the cached answer");
    assert.equal(idp.introspections, 1, "a cached token is not introspected again");
    await verify(short, token);
    await verify(uncached, token);
    await verify(uncached, token);
    assert.equal(idp.introspections, 4, "cacheTtlMs 0 asks every time");
    await idp.revoke(token);
    assert.equal(await verify(cached, token), first, "within its TTL the revocation is not seen yet");
    assert.equal(idp.introspections, 4);
    await refused(uncached, token, /not active/);
    assert.equal(idp.introspections, 5);
    await sleep(400);
    await refused(short, token, /not active/);
    assert.equal(idp.introspections, 6, "once its TTL lapsed the token was asked about again");
  } finally {
    await idp.close();
  }
});

Deno.test("IntrospectionVerifier shares one request among concurrent verifications of a token", async () => {
  const idp = await startIdp();
  try {
    const [a, b] = [await idp.issue(), await idp.issue()];
    assert.notEqual(a, b);
    const verifier = verifierFor(idp, { cacheTtlMs: 0 });
    const verified = await quietly(() => Promise.all([a, b, a, b, a, b].map((t) => verifier.verify(t))));
    assert.deepEqual(verified.map((v) => v.token), [a, b, a, b, a, b]);
    assert.equal(idp.introspections, 2, "one request per distinct token");
    await verify(verifier, a);
    assert.equal(idp.introspections, 3, "a request done is not shared with later verifications");
  } finally {
    await idp.close();
  }
});

Deno.test("IntrospectionVerifier never remembers a token past its exp", async () => {
  const idp = await startIdp();
  try {
    const token = await idp.issue(SHORT_URL);
    const verifier = verifierFor(idp, { audience: SHORT_URL, cacheTtlMs: 60_000 });
    const { expiresAt } = await verify(verifier, token);
    assert.ok(expiresAt! <= Date.now() / 1000 + 2, `exp ${expiresAt}`);
    assert.equal(idp.introspections, 1);
    await sleep(expiresAt! * 1000 - Date.now() + 100);
    await refused(verifier, token, /not active/);
    assert.equal(idp.introspections, 2, "the expired entry was not used");
  } finally {
    await idp.close();
  }
});

Deno.test("IntrospectionVerifier reports an endpoint that cannot answer as a plain Error, not as the token's fault", async () => {
  const idp = await startIdp();
  const gone = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response());
  const deadPort = gone.addr.port;
  await gone.shutdown();
  try {
    const token = await idp.issue();
    await failed(
      verifierFor(idp, { endpoint: `http://127.0.0.1:${deadPort}/token/introspection` }),
      token,
      /failed: /,
    );
    await failed(
      verifierFor(idp, { clientSecret: "wrong-secret" }),
      token,
      /answered 401 \(invalid_client\)$/,
    );
    await failed(verifierFor(idp, { endpoint: `${idp.issuer}/no/such/endpoint` }), token, /answered 404$/);
    await failed(verifierFor(idp, { fetch: { maxBytes: 10 } }), token, /10 bytes|cap of 10/);
  } finally {
    await idp.close();
  }
});

Deno.test("IntrospectionVerifier refuses, from a conforming endpoint, refresh tokens, expired ones, and non-JSON", async () => {
  // Answers oidc-provider does not give on demand (it reports an expired token inactive itself,
  // and names no refresh token in `token_type`), from a minimal RFC 7662 endpoint: what other
  // authorization servers (Cognito's token_use, a lagging replica) can say.
  const now = Math.floor(Date.now() / 1000);
  const base = { active: true, client_id: "app", aud: MCP_URL, scope: "mcp:read", exp: now + 300 };
  const answers: Record<string, unknown> = {
    refresh: { ...base, token_type: "refresh_token" },
    cognito: { ...base, token_use: "refresh" },
    idToken: { ...base, token_use: "id" },
    expired: { ...base, exp: now - 60 },
    skewed: { ...base, exp: now - 5 },
    early: { ...base, nbf: now + 600 },
    stringly: { ...base, active: "true" },
    noAudience: { ...base, aud: undefined },
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const form = new URLSearchParams(await req.text());
    if (form.get("token_type_hint") !== "access_token") return new Response("no hint", { status: 400 });
    const token = form.get("token")!;
    if (token === "html") return new Response("<html>maintenance</html>", { status: 200 });
    if (token === "array") return Response.json([]);
    return Response.json(token === "inactive" ? { active: false } : answers[token.split("-")[0]]);
  });
  const endpoint = `http://127.0.0.1:${server.addr.port}/introspect`;
  const verifier = new IntrospectionVerifier({
    endpoint,
    clientId: "s",
    clientSecret: "t",
    audience: MCP_URL,
  });
  try {
    await refused(verifier, "refresh-token-value", /refresh token is not an access token/);
    await refused(verifier, "cognito-token-value", /refresh token is not an access token/);
    await refused(verifier, "idToken-token-value", /'token_use' is not 'access'/);
    await refused(verifier, "expired-token-value", /expired/);
    assert.equal((await verifier.verify("skewed-token-value")).clientId, "app", "within the 30 s tolerance");
    await refused(
      new IntrospectionVerifier({
        endpoint,
        clientId: "s",
        clientSecret: "t",
        audience: MCP_URL,
        clockToleranceSec: 0,
      }),
      "skewed-token-value",
      /expired/,
    );
    await refused(verifier, "early-token-value", /not valid yet/);
    await refused(verifier, "inactive", /not active/);
    await refused(verifier, "stringly-token-value", /not active/);
    await refused(verifier, "noAudience-token-value", /'aud' claim/);
    for (const token of ["html", "array"]) {
      await assert.rejects(verifier.verify(token), (e) => {
        assert.ok(!(e instanceof AuthError), String(e));
        assert.match((e as Error).message, /answered 200 without a JSON object$/);
        return true;
      });
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("IntrospectionVerifier refuses to be built without an audience, client credentials or a safe endpoint", () => {
  const base = {
    endpoint: "https://idp.example.com/introspect",
    clientId: "mcp-server",
    clientSecret: "secret",
    audience: MCP_URL,
  };
  assert.ok(new IntrospectionVerifier(base));
  assert.ok(new IntrospectionVerifier({ ...base, endpoint: "http://localhost:8080/introspect" }));
  assert.ok(new IntrospectionVerifier({ ...base, endpoint: "http://[::1]:8080/introspect" }));
  assert.throws(() => new IntrospectionVerifier({ ...base, audience: "" }), TypeError);
  assert.throws(() => new IntrospectionVerifier({ ...base, audience: [] }), /audience is required/);
  assert.throws(() => new IntrospectionVerifier({ ...base, clientId: "" }), /clientId and clientSecret/);
  assert.throws(() => new IntrospectionVerifier({ ...base, clientSecret: "" }), /clientId and clientSecret/);
  assert.throws(() => new IntrospectionVerifier({ ...base, endpoint: "" }), /endpoint is required/);
  assert.throws(() => new IntrospectionVerifier({ ...base, endpoint: "not a url" }), /not a URL/);
  for (
    const endpoint of [
      "http://idp.example.com/introspect",
      "http://10.0.0.1/introspect",
      "ftp://idp.example.com/",
    ]
  ) {
    assert.throws(() => new IntrospectionVerifier({ ...base, endpoint }), /must be https/, endpoint);
  }
  assert.throws(
    () => new IntrospectionVerifier({ ...base, endpoint: "https://u:p@idp.example.com/introspect" }),
    /must not hold credentials/,
  );
});

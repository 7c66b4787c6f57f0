/**
 * The protected resource end to end against a real authorization server: `npm:oidc-provider` on
 * 127.0.0.1 issues the tokens (tests/helpers/idp.ts), a FastMCP on `Deno.serve` guards its MCP
 * endpoint with `RemoteAuthProvider` + `JWTVerifier` (the IdP's JWKS, fetched through the guarded
 * fetcher). Our client and the official v2 client each run the whole flow (401, RFC 9728
 * discovery, authorization server metadata, dynamic registration, PKCE login and consent, token)
 * and call a tool that names the user; the metadata and the challenges are checked header by
 * header (../shared/research/auth.md §1.2); and every kind of bad token is refused with 401 and
 * an `invalid_token` challenge that never echoes it.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  Client as SdkClient,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import * as jose from "jose";
import {
  FastMCP,
  JWTVerifier,
  type JWTVerifierOptions,
  RemoteAuthProvider,
  requireScopes,
} from "../../mod.ts";
import { Client, MemoryTokenStore, OAuth } from "../../client.ts";
import { driveBrowser, forge, type Idp, startIdp } from "../helpers/idp.ts";

const REDIRECT_URI = "http://127.0.0.1:8932/callback";
const SCOPES = ["mcp:read", "mcp:write"];

/** The protected MCP server on a real socket. */
interface ResourceServer {
  /** `http://127.0.0.1:<port>`: the RemoteAuthProvider's base URL. */
  origin: string;
  /** The MCP endpoint: the protected resource, the tokens' audience. */
  url: string;
  /** The path-inserted metadata URL (RFC 9728 §3.1), as challenges name it. */
  prmUrl: string;
  /** The root metadata URL. */
  rootPrmUrl: string;
  close(): Promise<void>;
}

/** The IdP, the server, and what happened between them. */
interface Setup {
  idp: Idp;
  rs: ResourceServer;
  /** `idp GET /path` and `rs POST /path <status>`, in order. */
  timeline: string[];
  close(): Promise<void>;
}

/** `whoami` answers with the verified token's subject and client. */
function protectedMcp(idp: Idp, origin: string, verifier: Partial<JWTVerifierOptions> = {}): FastMCP {
  const auth = new RemoteAuthProvider({
    tokenVerifier: new JWTVerifier({
      jwksUri: idp.jwksUri,
      issuer: idp.issuer,
      audience: `${origin}/mcp`,
      algorithms: ["ES256"],
      ...verifier,
    }),
    authorizationServers: [idp.issuer],
    baseUrl: origin,
    scopesSupported: SCOPES,
  });
  const mcp = new FastMCP({ name: "oidc-e2e", logger: () => {}, runInThread: false, auth });
  mcp.tool("whoami", { description: "Who the token speaks for" }, (_args, ctx) =>
    JSON.stringify({
      subject: ctx.accessToken?.subject,
      clientId: ctx.accessToken?.clientId,
    }));
  return mcp;
}

/**
 * Listens first (the resource URL needs the port), then builds the server for that origin; the
 * socket answers 503 in between.
 */
async function serveProtected(
  build: (origin: string) => FastMCP | Promise<FastMCP>,
  timeline: string[] = [],
): Promise<ResourceServer> {
  let mcp: FastMCP | undefined;
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const res = mcp ? await mcp.fetch(req) : new Response(null, { status: 503 });
    timeline.push(`rs ${req.method} ${new URL(req.url).pathname} ${res.status}`);
    return res;
  });
  const origin = `http://127.0.0.1:${http.addr.port}`;
  try {
    mcp = await build(origin);
  } catch (error) {
    await http.shutdown();
    throw error;
  }
  const built = mcp;
  return {
    origin,
    url: `${origin}/mcp`,
    prmUrl: `${origin}/.well-known/oauth-protected-resource/mcp`,
    rootPrmUrl: `${origin}/.well-known/oauth-protected-resource`,
    close: async () => {
      await built.close();
      await http.shutdown();
    },
  };
}

/** One IdP and one protected server naming each other; `configure` adds to the server. */
async function setUp(
  options: { verifier?: Partial<JWTVerifierOptions>; configure?: (mcp: FastMCP) => void } = {},
): Promise<Setup> {
  const timeline: string[] = [];
  let idp: Idp | undefined;
  const rs = await serveProtected(async (origin) => {
    idp = await startIdp({
      resource: () => `${origin}/mcp`,
      onRequest: (method, path) => timeline.push(`idp ${method} ${path}`),
    });
    try {
      const mcp = protectedMcp(idp, origin, options.verifier);
      options.configure?.(mcp);
      return mcp;
    } catch (error) {
      await idp.close();
      throw error;
    }
  }, timeline);
  const started = idp!;
  return {
    idp: started,
    rs,
    timeline,
    close: async () => {
      await rs.close();
      await started.close();
    },
  };
}

/** Each of `steps` occurs in `timeline`, in this order (other entries may come between). */
function assertInOrder(timeline: string[], steps: string[]): void {
  let at = -1;
  for (const step of steps) {
    const next = timeline.indexOf(step, at + 1);
    assert.ok(next > at, `"${step}" does not follow step ${at} in:\n${timeline.join("\n")}`);
    at = next;
  }
}

/** A raw 2025-era initialize POST, with `authorization` when given. */
async function post(url: string, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (authorization !== undefined) headers.authorization = authorization;
  return await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
}

/** The status of an initialize with `token` (the body is dropped). */
async function statusWith(url: string, token: string): Promise<number> {
  const res = await post(url, `Bearer ${token}`);
  await res.body?.cancel();
  return res.status;
}

/** The `Bearer error="invalid_token"` challenge our server sends for `description`. */
function invalidToken(rs: ResourceServer, description: string): string {
  return `Bearer error="invalid_token", error_description="${description}", scope="${SCOPES.join(" ")}", ` +
    `resource_metadata="${rs.prmUrl}"`;
}

/** Runs our client's flow as `login`; returns the whoami answer, the store and the authorization URLs. */
async function flowWithOurClient(rs: ResourceServer, login: string) {
  const store = new MemoryTokenStore();
  const authorizations: URL[] = [];
  const callbacks: URL[] = [];
  const oauth = new OAuth({
    store,
    redirectUrl: REDIRECT_URI,
    clientName: "oidc-e2e",
    authorize: async (url) => {
      authorizations.push(url);
      const callback = await driveBrowser(url, REDIRECT_URI, login);
      callbacks.push(callback);
      return callback;
    },
  });
  let answer: unknown;
  {
    await using client = new Client(rs.url, { auth: oauth });
    answer = await client.callTool("whoami");
  }
  return { answer, store, authorizations, callbacks };
}

Deno.test("our client: 401, discovery, registration, PKCE login and consent, token, then whoami", async () => {
  const { idp, rs, timeline, close } = await setUp();
  try {
    const { answer, store, authorizations, callbacks } = await flowWithOurClient(rs, "grace");

    // The steps, in order: refused, resource metadata, AS metadata, registration, the browser, the
    // code exchange, the server fetching the keys to verify the token, and the call let through.
    assertInOrder(timeline, [
      "rs POST /mcp 401",
      "rs GET /.well-known/oauth-protected-resource/mcp 200",
      "idp GET /.well-known/oauth-authorization-server",
      "idp POST /reg",
      "idp GET /auth",
      "idp POST /token",
      "idp GET /jwks",
      "rs POST /mcp 200",
    ]);
    assert.equal(authorizations.length, 1);
    const request = authorizations[0].searchParams;
    assert.equal(authorizations[0].origin, idp.issuer);
    assert.equal(request.get("response_type"), "code");
    assert.equal(request.get("code_challenge_method"), "S256");
    assert.ok(request.get("code_challenge"));
    assert.equal(request.get("resource"), rs.url);
    assert.equal(request.get("redirect_uri"), REDIRECT_URI);
    // The challenged scopes, plus offline_access as the authorization server offers it.
    assert.deepEqual(request.get("scope")?.split(" ").sort(), ["mcp:read", "mcp:write", "offline_access"]);
    assert.equal(callbacks[0].searchParams.get("state"), request.get("state"));
    assert.equal(callbacks[0].searchParams.get("iss"), idp.issuer);

    const stored = await store.get(new URL(rs.url).href);
    const clientId = stored?.clients?.[idp.issuer]?.client_id as string;
    assert.equal(typeof clientId, "string");
    assert.equal(request.get("client_id"), clientId);
    const accessToken = stored?.tokens?.[idp.issuer]?.access_token as string;
    assert.equal(jose.decodeProtectedHeader(accessToken).typ, "at+jwt");
    assert.equal(jose.decodeProtectedHeader(accessToken).alg, "ES256");
    const claims = jose.decodeJwt(accessToken);
    assert.equal(claims.aud, rs.url);
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.sub, "grace");
    assert.equal(claims.scope, "mcp:read mcp:write");

    // The tool saw the logged-in user and the registered client.
    assert.deepEqual(answer, [{ type: "text", text: JSON.stringify({ subject: "grace", clientId }) }]);
  } finally {
    await close();
  }
});

/** A minimal in-memory OAuth client provider for the official client. */
class MemoryProvider implements OAuthClientProvider {
  #client?: StoredOAuthClientInformation;
  #tokens?: StoredOAuthTokens;
  #verifier?: string;
  #discovery?: OAuthDiscoveryState;
  /** The URL the user was sent to, and the state it carries. */
  authorizationUrl?: URL;
  lastState?: string;
  redirects = 0;

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "sdk-v2-oidc-e2e",
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state(): string {
    return this.lastState = crypto.randomUUID();
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#client;
  }

  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.#client = info;
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.#tokens = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.redirects++;
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.#verifier) throw new Error("no code verifier saved");
    return this.#verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }
}

Deno.test("official v2 client: UnauthorizedError, browser, finishAuth, reconnect, list and call whoami", async () => {
  const { idp, rs, timeline, close } = await setUp();
  try {
    const provider = new MemoryProvider();
    const info = { name: "sdk-v2-oidc-e2e", version: "0.0.1" };

    // First connection: refused, discovery and registration run, the user is sent to the IdP.
    const first = new SdkClient(info);
    const firstTransport = new StreamableHTTPClientTransport(new URL(rs.url), { authProvider: provider });
    await assert.rejects(first.connect(firstTransport), (error) => error instanceof UnauthorizedError);
    assert.equal(provider.redirects, 1);
    const authorizationUrl = provider.authorizationUrl!;
    assert.equal(authorizationUrl.origin, idp.issuer);
    assert.equal(authorizationUrl.searchParams.get("resource"), rs.url);
    assert.equal(authorizationUrl.searchParams.get("code_challenge_method"), "S256");
    assertInOrder(timeline, [
      "rs POST /mcp 401",
      "rs GET /.well-known/oauth-protected-resource/mcp 200",
      "idp GET /.well-known/oauth-authorization-server",
      "idp POST /reg",
    ]);

    // The user logs in and consents; the app checks state and hands the callback to the transport.
    const callback = await driveBrowser(authorizationUrl, REDIRECT_URI, "linus");
    assert.equal(callback.searchParams.get("state"), provider.lastState);
    await firstTransport.finishAuth(callback.searchParams);
    await firstTransport.close();
    const accessToken = provider.tokens()?.access_token;
    assert.equal(typeof accessToken, "string");
    assert.equal(jose.decodeJwt(accessToken!).aud, rs.url);

    // Second connection with the token.
    const client = new SdkClient(info);
    await client.connect(new StreamableHTTPClientTransport(new URL(rs.url), { authProvider: provider }));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["whoami"]);
      const result = await client.callTool({ name: "whoami", arguments: {} });
      const clientId = provider.clientInformation()?.client_id;
      assert.equal(typeof clientId, "string");
      assert.deepEqual(result.content, [{
        type: "text",
        text: JSON.stringify({ subject: "linus", clientId }),
      }]);
    } finally {
      await client.close();
    }
    assert.equal(provider.redirects, 1, "the token was used, no second authorization");
  } finally {
    await close();
  }
});

Deno.test("protected resource metadata at both well-known URLs, and the challenges header by header", async () => {
  const { idp, rs, close } = await setUp();
  try {
    for (const url of [rs.prmUrl, rs.rootPrmUrl]) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.deepEqual(await res.json(), {
        resource: rs.url,
        authorization_servers: [idp.issuer],
        scopes_supported: SCOPES,
        bearer_methods_supported: ["header"],
      });
    }
    // The authorization server it names is discoverable and publishes the keys the verifier uses.
    const asMeta = await (await fetch(`${idp.issuer}/.well-known/oauth-authorization-server`)).json();
    assert.equal(asMeta.issuer, idp.issuer);
    assert.equal(asMeta.jwks_uri, idp.jwksUri);

    // No token: scope and resource_metadata, no error (RFC 6750 §3.1).
    const none = await post(rs.url);
    assert.equal(none.status, 401);
    assert.equal(
      none.headers.get("www-authenticate"),
      `Bearer scope="mcp:read mcp:write", resource_metadata="${rs.prmUrl}"`,
    );
    assert.deepEqual(await none.json(), {
      error: "unauthorized",
      error_description: "a bearer token is required",
    });
    // The same for a GET (stream) and a DELETE (session end): authentication comes first.
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(rs.url, { method, headers: { accept: "text/event-stream" } });
      await res.body?.cancel();
      assert.equal(res.status, 401, method);
      assert.equal(
        res.headers.get("www-authenticate"),
        `Bearer scope="mcp:read mcp:write", resource_metadata="${rs.prmUrl}"`,
      );
    }

    // A bad token: invalid_token with a description, the scope and resource_metadata.
    const bad = await post(rs.url, "Bearer not-a-jwt");
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get("www-authenticate"), invalidToken(rs, "the token is malformed"));
    assert.deepEqual(await bad.json(), {
      error: "invalid_token",
      error_description: "the token is malformed",
    });

    // Not a Bearer credential at all.
    const basic = await post(rs.url, "Basic YWRhOnNlY3JldA==");
    assert.equal(basic.status, 401);
    assert.equal(
      basic.headers.get("www-authenticate"),
      invalidToken(rs, "the Authorization header is not a Bearer token"),
    );
    await basic.body?.cancel();
  } finally {
    await close();
  }
});

/** `{"alg":"none"}` + payload + empty signature, by hand. */
function unsigned(claims: Record<string, unknown>): string {
  const part = (value: unknown) => jose.base64url.encode(JSON.stringify(value));
  return `${part({ alg: "none", typ: "at+jwt" })}.${part(claims)}.`;
}

Deno.test("every refusal against the IdP's real JWKS: 401, an invalid_token challenge, the token never echoed", async () => {
  const { idp, rs, close } = await setUp();
  const extra: ResourceServer[] = [];
  try {
    // The real tokens, through the flow with offline_access.
    const { store } = await flowWithOurClient(rs, "ada");
    const tokens = (await store.get(new URL(rs.url).href))?.tokens?.[idp.issuer];
    const accessToken = tokens?.access_token as string;
    const refreshToken = tokens?.refresh_token as string;
    assert.equal(typeof refreshToken, "string", "offline_access was granted");
    assert.equal(await statusWith(rs.url, accessToken), 200, "the real access token passes");
    assert.equal(await statusWith(rs.url, await forge(idp, {})), 200, "the forging itself is sound");

    const now = Math.floor(Date.now() / 1000);
    const stranger = await jose.generateKeyPair("ES256");
    const cases: [string, string, string][] = [
      [
        "wrong audience",
        await forge(idp, { aud: "http://127.0.0.1:1/mcp" }),
        "the token's 'aud' claim is not accepted",
      ],
      [
        "wrong issuer",
        await forge(idp, { iss: "http://127.0.0.1:1" }),
        "the token's 'iss' claim is not accepted",
      ],
      ["expired", await forge(idp, { iat: now - 600, exp: now - 120 }), "the token has expired"],
      ["not yet valid", await forge(idp, { nbf: now + 120 }), "the token is not valid yet"],
      [
        "RS256 with the IdP's own published key",
        await forge(idp, {}, { alg: "RS256", kid: "rs" }),
        "the token's algorithm is not accepted",
      ],
      [
        "alg none",
        unsigned({ iss: idp.issuer, aud: rs.url, sub: "ada", exp: now + 300, scope: "mcp:read" }),
        "the token's algorithm is not accepted",
      ],
      [
        "unknown kid",
        await forge(idp, {}, { kid: "not-published" }, stranger.privateKey),
        "no known key signed the token",
      ],
      ["the IdP's refresh token", refreshToken, "the token is malformed"],
      [
        "a refresh JWT by typ",
        await forge(idp, {}, { typ: "refresh+jwt" }),
        "a token of type 'refresh+jwt' is not an access token",
      ],
      [
        "a refresh JWT by token_use",
        await forge(idp, { token_use: "refresh" }),
        "a refresh token is not an access token",
      ],
      ["garbage", "garbage.garbage.garbage", "the token is malformed"],
      ["garbage, not even dotted", "xyzzy", "the token is malformed"],
    ];
    for (const [label, token, description] of cases) {
      const res = await post(rs.url, `Bearer ${token}`);
      const body = await res.text();
      assert.equal(res.status, 401, label);
      const challenge = res.headers.get("www-authenticate") ?? "";
      assert.ok(challenge.startsWith('Bearer error="invalid_token"'), `${label}: ${challenge}`);
      assert.ok(challenge.includes(`resource_metadata="${rs.prmUrl}"`), `${label}: ${challenge}`);
      assert.equal(challenge, invalidToken(rs, description), label);
      assert.deepEqual(JSON.parse(body), { error: "invalid_token", error_description: description }, label);
      assert.ok(!body.includes(token), `${label}: the body echoes the token`);
      for (const [name, value] of res.headers) {
        assert.ok(!value.includes(token), `${label}: header ${name} echoes the token`);
      }
    }

    // An unknown kid with a fresh JWKS (fetched during the flow, within the 30 s cool-down): a flood
    // of them does not refetch the keys more than once.
    const unknownKid = cases.find(([label]) => label === "unknown kid")![1];
    let before = idp.jwksRequests;
    for (let i = 0; i < 3; i++) assert.equal(await statusWith(rs.url, unknownKid), 401);
    assert.ok(idp.jwksRequests - before <= 1, `${idp.jwksRequests - before} JWKS fetches for an unknown kid`);

    // Past the cool-down (0 here), an unknown kid refetches the keys once (rotation), not in a loop.
    const eager = await serveProtected((origin) => protectedMcp(idp, origin, { jwksCooldownMs: 0 }));
    extra.push(eager);
    assert.equal(await statusWith(eager.url, await forge(idp, { aud: eager.url })), 200);
    const rotated = await forge(idp, { aud: eager.url }, { kid: "not-published" }, stranger.privateKey);
    before = idp.jwksRequests;
    assert.equal(await statusWith(eager.url, rotated), 401);
    assert.equal(idp.jwksRequests - before, 1, "one refetch for an unknown kid");
  } finally {
    for (const server of extra) await server.close();
    await close();
  }
});

Deno.test("SEP-2350 step-up: a tool needing mcp:write is hidden, then 403, and our client re-authorizes for the union", async () => {
  const { idp, rs, timeline, close } = await setUp({
    // Every token needs mcp:read, so that is what the first challenge asks for.
    verifier: { requiredScopes: ["mcp:read"] },
    configure: (mcp) =>
      mcp.tool(
        "edit",
        { auth: requireScopes("mcp:write") },
        (_args, ctx) => `edited by ${ctx.accessToken?.subject}`,
      ),
  });
  try {
    const store = new MemoryTokenStore();
    const authorizations: URL[] = [];
    const oauth = new OAuth({
      store,
      redirectUrl: REDIRECT_URI,
      clientName: "step-up",
      authorize: (url) => {
        authorizations.push(url);
        return driveBrowser(url, REDIRECT_URI, "hedy");
      },
    });
    await using client = new Client(rs.url, { auth: oauth });
    // Read access first: the edit tool is not listed for it.
    assert.deepEqual((await client.listTools()).map((t) => t.name), ["whoami"]);
    assert.equal(authorizations.length, 1);
    assert.deepEqual(authorizations[0].searchParams.get("scope")?.split(" ").sort(), [
      "mcp:read",
      "offline_access",
    ]);
    const first = (await store.get(new URL(rs.url).href))?.tokens?.[idp.issuer]?.access_token as string;
    assert.equal(jose.decodeJwt(first).scope, "mcp:read");

    // Calling it: 403 insufficient_scope naming mcp:read and mcp:write; the client asks for the union.
    assert.deepEqual(await client.callTool("edit"), [{ type: "text", text: "edited by hedy" }]);
    assert.ok(timeline.some((line) => /^rs POST \/mcp 403$/.test(line)), timeline.join("\n"));
    assert.equal(authorizations.length, 2);
    // It registered for mcp:read at first; the authorization server holds a client to that, so
    // the client registered again for the wider set.
    assert.equal(timeline.filter((line) => line === "idp POST /reg").length, 2);
    assert.deepEqual(authorizations[1].searchParams.get("scope")?.split(" ").sort(), [
      "mcp:read",
      "mcp:write",
      "offline_access",
    ]);
    const second = (await store.get(new URL(rs.url).href))?.tokens?.[idp.issuer]?.access_token as string;
    assert.equal(jose.decodeJwt(second).scope, "mcp:read mcp:write");
    assert.deepEqual((await client.listTools()).map((t) => t.name).sort(), ["edit", "whoami"]);

    // The challenge itself, header by header, for the first token.
    const res = await fetch(rs.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${first}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "edit",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: {
          name: "edit",
          arguments: {},
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    });
    assert.equal(res.status, 403);
    assert.equal(
      res.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Tool 'edit' needs the scopes mcp:write", ` +
        `scope="mcp:read mcp:write", resource_metadata="${rs.prmUrl}"`,
    );
    const body = await res.json();
    assert.equal(body.error.code, -32003);
    assert.ok(!JSON.stringify(body).includes(first));
  } finally {
    await close();
  }
});

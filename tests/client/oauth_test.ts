/**
 * OAuth end to end: `npm:oidc-provider` on 127.0.0.1 is the authorization server, a FastMCP
 * behind a bearer gate is the protected resource (RFC 9728 metadata, `WWW-Authenticate`
 * challenge, JWT access tokens checked with jose against the provider's JWKS). The client
 * discovers, registers dynamically, authorizes with PKCE headlessly (driving the provider's login
 * and consent forms), exchanges the code, keeps the token in its store and calls a tool.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
// deno-lint-ignore no-import-prefix -- test-only dependency, pinned here rather than in deno.json
import * as jose from "npm:jose@6.2.17";
import { z } from "zod";
import { FastMCP } from "../../mod.ts";
import { Client, MemoryTokenStore, OAuth } from "../../client.ts";

const REDIRECT_URI = "http://127.0.0.1:8932/callback";
const SCOPE = "mcp:read";

/** The authorization server: oidc-provider on `node:http`, in-process. */
interface Idp {
  issuer: string;
  /** The ES256 private key access tokens are signed with (to forge bad tokens in tests). */
  signingKey: CryptoKey;
  signingKid: string;
  close(): Promise<void>;
}

/** Runs `fn` with oidc-provider's development-mode warnings (in-memory adapter, dev interactions) muted. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes("oidc-provider WARNING")) warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

async function startIdp(resource: () => string): Promise<Idp> {
  const { default: Provider, errors } = await quietly(() =>
    // deno-lint-ignore no-import-prefix -- test-only dependency, pinned here rather than in deno.json
    import("npm:oidc-provider@9.13.3")
  );
  const rsa = await jose.generateKeyPair("RS256", { extractable: true });
  const ec = await jose.generateKeyPair("ES256", { extractable: true });
  const rsaJwk = { ...(await jose.exportJWK(rsa.privateKey)), alg: "RS256", use: "sig", kid: "rs" };
  const ecJwk = { ...(await jose.exportJWK(ec.privateKey)), alg: "ES256", use: "sig", kid: "es" };
  // The issuer needs the port, so the server listens before the provider exists.
  const app: { handler?: (req: unknown, res: unknown) => void } = {};
  const server: Server = createServer((req, res) => app.handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = await quietly(() =>
    Promise.resolve(
      new Provider(issuer, {
        jwks: { keys: [rsaJwk, ecJwk] },
        cookies: { keys: ["denomcp-test-cookie-key"] },
        pkce: { required: () => true },
        scopes: ["openid", "offline_access", SCOPE],
        ttl: { AccessToken: 300, Grant: 600, Interaction: 600, Session: 600, RefreshToken: 600 },
        findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
        features: {
          devInteractions: { enabled: true },
          registration: { enabled: true },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => resource(),
            useGrantedResource: () => true,
            getResourceServerInfo: (_ctx: unknown, requested: string) => {
              if (requested !== resource()) throw new errors.InvalidTarget();
              return {
                scope: SCOPE,
                audience: resource(),
                accessTokenTTL: 300,
                accessTokenFormat: "jwt",
                jwt: { sign: { alg: "ES256" } },
              };
            },
          },
        },
      }),
    )
  );
  app.handler = provider.callback();
  return {
    issuer,
    signingKey: ec.privateKey,
    signingKid: "es",
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => err ? reject(err) : resolve());
        server.closeAllConnections();
      }),
  };
}

/** The protected MCP server: a bearer gate in front of a FastMCP, with its RFC 9728 metadata. */
interface ResourceServer {
  url: string;
  prmUrl: string;
  /** Requests the gate let through. */
  passed: number;
  close(): Promise<void>;
}

function startResourceServer(issuer: () => string): ResourceServer {
  const mcp = new FastMCP({ name: "protected", logger: () => {} });
  mcp.tool("whoami", { input: z.object({}), runInThread: false }, () => "a protected answer");
  let jwks: ReturnType<typeof jose.createLocalJWKSet> | undefined;
  const state = { passed: 0 };
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req): Promise<Response> => {
      const url = new URL(req.url);
      if (url.pathname === "/.well-known/oauth-protected-resource/mcp") {
        return Response.json({
          resource: base + "/mcp",
          authorization_servers: [issuer()],
          scopes_supported: [SCOPE],
        });
      }
      if (url.pathname !== "/mcp") return new Response("not found", { status: 404 });
      const challenge = () =>
        new Response("unauthorized", {
          status: 401,
          headers: {
            "www-authenticate": `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
          },
        });
      const token = /^Bearer (.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
      if (!token) return challenge();
      try {
        if (!jwks) {
          const meta = await (await fetch(`${issuer()}/.well-known/oauth-authorization-server`)).json();
          jwks = jose.createLocalJWKSet(await (await fetch(meta.jwks_uri)).json() as jose.JSONWebKeySet);
        }
        await jose.jwtVerify(token, jwks, {
          issuer: issuer(),
          audience: base + "/mcp",
          algorithms: ["ES256"],
          typ: "at+jwt",
        });
      } catch {
        return challenge();
      }
      state.passed++;
      return await mcp.fetch(req);
    },
  );
  const base: string = `http://127.0.0.1:${http.addr.port}`;
  return {
    url: base + "/mcp",
    prmUrl: `${base}/.well-known/oauth-protected-resource/mcp`,
    get passed() {
      return state.passed;
    },
    close: async () => {
      await mcp.close();
      await http.shutdown();
    },
  };
}

/**
 * Plays the user in a browser: follows redirects with a cookie jar and submits oidc-provider's
 * dev login and consent forms, until the redirect to the client's callback.
 */
async function driveBrowser(authorizationUrl: URL): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(";")[0];
      const eq = pair.indexOf("=");
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.href.startsWith(REDIRECT_URI)) return next;
      url = next;
      init = {};
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, `unexpected ${res.status} at ${url}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
    assert.ok(action, `no form at ${url}`);
    const form = new URLSearchParams();
    for (
      const [, name, value] of html.matchAll(
        /<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi,
      )
    ) {
      form.set(name, value);
    }
    if (/name="login"/.test(html)) {
      form.set("login", "ada");
      form.set("password", "anything");
    }
    url = new URL(action, url);
    init = { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } };
  }
  throw new Error("the authorization did not reach the callback in 20 hops");
}

/** An access token signed with the provider's key, with chosen claims (to try bad tokens). */
async function forge(idp: Idp, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new jose.SignJWT({ scope: SCOPE, client_id: "forged", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: idp.signingKid, typ: "at+jwt" })
    .setIssuer(idp.issuer)
    .setSubject("ada")
    .setIssuedAt(now - 120)
    .setExpirationTime((claims.exp as number | undefined) ?? now + 300)
    .sign(idp.signingKey);
}

async function statusWith(url: string, token: string): Promise<[number, string | null]> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  await res.body?.cancel();
  return [res.status, res.headers.get("www-authenticate")];
}

Deno.test("OAuth: discovery, registration, PKCE with oidc-provider, token store, then calls", async () => {
  // Each server names the other: the resource is the audience, the issuer is in the metadata.
  const idpRef: { issuer?: string } = {};
  const rs = startResourceServer(() => idpRef.issuer!);
  const idp = await startIdp(() => rs.url).catch(async (err) => {
    await rs.close();
    throw err;
  });
  idpRef.issuer = idp.issuer;
  try {
    const store = new MemoryTokenStore();
    const authorizations: URL[] = [];
    const callbacks: URL[] = [];
    const authorize = async (url: URL) => {
      authorizations.push(url);
      const callback = await driveBrowser(url);
      callbacks.push(callback);
      return callback;
    };
    const oauth = () => new OAuth({ store, authorize, redirectUrl: REDIRECT_URI, clientName: "oauth-test" });

    // First run: 401 → metadata discovery → dynamic registration → login and consent → code → token.
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
    }
    assert.equal(authorizations.length, 1);
    const request = authorizations[0].searchParams;
    assert.equal(authorizations[0].origin, idp.issuer);
    assert.equal(request.get("code_challenge_method"), "S256");
    assert.ok(request.get("code_challenge"));
    assert.equal(request.get("resource"), rs.url);
    // The scope from the protected-resource metadata, plus offline_access as the server offers it.
    assert.deepEqual(request.get("scope")?.split(" ").sort(), ["mcp:read", "offline_access"]);
    assert.equal(request.get("redirect_uri"), REDIRECT_URI);
    assert.equal(request.get("response_type"), "code");
    // The redirect carried the code, the request's state and the issuer (RFC 9207).
    assert.ok(callbacks[0].searchParams.get("code"));
    assert.equal(callbacks[0].searchParams.get("state"), request.get("state"));
    assert.equal(callbacks[0].searchParams.get("iss"), idp.issuer);

    // The store holds the registration and the token set, under the issuer.
    const stored = await store.get(new URL(rs.url).href);
    assert.equal(stored?.lastIssuer, idp.issuer);
    const clientId = stored?.clients?.[idp.issuer]?.client_id;
    assert.equal(typeof clientId, "string");
    assert.equal(request.get("client_id"), clientId);
    const accessToken = stored?.tokens?.[idp.issuer]?.access_token;
    assert.equal(typeof accessToken, "string");
    // A JWT for the MCP resource, as the resource server checks it.
    const claims = jose.decodeJwt(accessToken as string);
    assert.equal(claims.aud, rs.url);
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.client_id, clientId);
    assert.equal(claims.scope, SCOPE);

    // A second client with the same store reuses the token: no new authorization.
    const passedBefore = rs.passed;
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
      assert.equal((await client.listTools()).length, 1);
    }
    assert.equal(authorizations.length, 1);
    assert.ok(rs.passed > passedBefore);

    // The server refuses a token for another audience, an expired one and none at all, with the challenge.
    assert.equal((await statusWith(rs.url, accessToken as string))[0], 200);
    const wrongAudience = await forge(idp, { aud: "http://127.0.0.1:1/other" });
    const expired = await forge(idp, { aud: rs.url, exp: Math.floor(Date.now() / 1000) - 60 });
    const sound = await forge(idp, { aud: rs.url });
    assert.equal((await statusWith(rs.url, sound))[0], 200, "the forging itself is sound");
    for (const token of [wrongAudience, expired, "not-a-jwt"]) {
      const [status, challenge] = await statusWith(rs.url, token);
      assert.equal(status, 401);
      assert.equal(challenge, `Bearer resource_metadata="${rs.prmUrl}"`);
    }

    // A client whose stored token has expired is refused and renews it with the refresh token
    // (offline_access was granted), without asking the user again.
    const key = new URL(rs.url).href;
    const expire = async (dropRefresh: boolean) => {
      const state = (await store.get(key))!;
      const tokens: Record<string, unknown> = { ...state.tokens![idp.issuer], access_token: expired };
      if (dropRefresh) delete tokens.refresh_token;
      state.tokens![idp.issuer] = tokens;
      await store.set(key, state);
    };
    assert.equal(typeof stored?.tokens?.[idp.issuer]?.refresh_token, "string");
    await expire(false);
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
    }
    assert.equal(authorizations.length, 1);
    const refreshed = (await store.get(key))?.tokens?.[idp.issuer]?.access_token as string;
    assert.notEqual(refreshed, expired);
    assert.equal((await statusWith(rs.url, refreshed))[0], 200);

    // Without a refresh token, the refused client runs the authorization again.
    await expire(true);
    {
      await using client = new Client(rs.url, { auth: oauth() });
      assert.deepEqual(await client.callTool("whoami"), [{ type: "text", text: "a protected answer" }]);
    }
    assert.equal(authorizations.length, 2);
    const renewed = (await store.get(key))?.tokens?.[idp.issuer]?.access_token as string;
    assert.notEqual(renewed, expired);
    assert.equal((await statusWith(rs.url, renewed))[0], 200);
  } finally {
    await rs.close();
    await idp.close();
  }
});

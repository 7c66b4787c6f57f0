/**
 * The OAuth proxy end to end with real clients: `npm:oidc-provider` upstream WITHOUT dynamic
 * registration (one static confidential client, the proxy's, as GitHub or Google would have it),
 * issuing two-second JWT access tokens that the proxy checks against its JWKS; the official v2
 * client and our client each register with the proxy, once by dynamic registration and once by a
 * client ID metadata document, pass consent and the provider's sign-in in headless Chromium, get
 * the proxy's tokens, call a tool, keep calling after the upstream token expires (the proxy
 * refreshes it) and after the proxy's own token expires (the client refreshes it), and are
 * refused after revocation.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

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
import { type Browser, chromium } from "playwright-core";
import { guardedFetch, JWTVerifier, OAuthProxy } from "../../auth/mod.ts";
import { Client, MemoryTokenStore, OAuth } from "../../client.ts";
import { FastMCP } from "../../mod.ts";
import { type Idp, startIdp } from "../helpers/idp.ts";
import { freePort } from "../helpers/process.ts";

const UPSTREAM_TTL = 2;
const DOCUMENTS = "https://client.example";
const PROXY_TTL = 5;

interface Setup {
  base: string;
  mcpUrl: string;
  idp: Idp;
  /** The proxy's refresh grants reaching the provider so far. */
  upstreamTokenRequests: () => number;
  /** A client ID metadata document's https URL (served locally; see `clientMetadataFetch`). */
  metadataDocument: (redirectUri: string) => string;
  /** The status of a tool call with `token`, straight over HTTP. */
  rawCall: (token: string) => Promise<number>;
  chromium: Browser;
  close(): Promise<void>;
}

async function setUp(): Promise<Setup> {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const secret = "upstream-secret-of-the-proxy";
  let tokenRequests = 0;
  // Clients name their documents by https URLs (both SDKs insist); the proxy fetches them from
  // this local server instead, with the guarded fetcher's limits.
  const documents = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    return Response.json({
      client_id: `${DOCUMENTS}${url.pathname}${url.search}`,
      client_name: "Notes (metadata document)",
      redirect_uris: [url.searchParams.get("redirect")],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    });
  });
  const idp = await startIdp({
    resource: () => `${base}/mcp`,
    registration: false,
    accessTokenTtl: UPSTREAM_TTL,
    onRequest: (method, path) => {
      if (method === "POST" && path === "/token") tokenRequests++;
    },
    clients: [{
      client_id: "mcp-proxy",
      client_secret: secret,
      redirect_uris: [`${base}/auth/callback`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    }],
  });
  const mcp = new FastMCP({
    name: "notes",
    logger: () => {},
    auth: new OAuthProxy({
      upstreamAuthorizationEndpoint: `${idp.issuer}/auth`,
      upstreamTokenEndpoint: `${idp.issuer}/token`,
      upstreamClientId: "mcp-proxy",
      upstreamClientSecret: secret,
      // oidc-provider issues refresh tokens for offline_access, granted on its consent prompt.
      upstreamScopes: ["openid", "offline_access"],
      extraAuthorizeParams: { prompt: "consent" },
      tokenVerifier: new JWTVerifier({ jwksUri: idp.jwksUri, issuer: idp.issuer, audience: `${base}/mcp` }),
      tokenExpiryThresholdSeconds: 0,
      accessTokenExpirySeconds: PROXY_TTL,
      baseUrl: base,
      jwtSigningKey: "proxy-secret-of-at-least-thirty-two-bytes",
      clientMetadataFetch: async (url, { maxBytes, timeoutMs, headers }) => {
        assert.ok(url.startsWith(DOCUMENTS), url);
        const local = url.replace(DOCUMENTS, `http://127.0.0.1:${documents.addr.port}`);
        return await guardedFetch(local, { maxBytes, timeoutMs, headers });
      },
    }),
  });
  mcp.tool("whoami", async (_args, ctx) => `${ctx.accessToken?.subject} via ${ctx.accessToken?.clientId}`);
  const http = mcp.serve({ hostname: "127.0.0.1", port });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  return {
    base,
    mcpUrl: `${base}/mcp`,
    idp,
    upstreamTokenRequests: () => tokenRequests,
    metadataDocument: (redirect) => `${DOCUMENTS}/client.json?redirect=${encodeURIComponent(redirect)}`,
    rawCall: async (token) => {
      const res = await fetch(`${base}/mcp`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
      await res.body?.cancel();
      return res.status;
    },
    chromium: browser,
    async close() {
      await browser.close();
      await mcp.close();
      await http.finished.catch(() => {});
      await documents.shutdown();
      await idp.close();
    },
  };
}

/**
 * The user in Chromium: the proxy's consent page (Allow), the provider's sign-in and consent, and
 * the landing on the client's redirect URI, whose URL is returned.
 */
async function consentInChromium(browser: Browser, authorizationUrl: URL, redirectUri: string): Promise<URL> {
  const page = await browser.newPage();
  try {
    let landed: URL | undefined;
    await page.route(`${new URL(redirectUri).origin}/**`, (route) => {
      landed = new URL(route.request().url());
      return route.fulfill({ body: "signed in", contentType: "text/plain" });
    });
    await page.goto(authorizationUrl.href);
    assert.match(
      await page.locator("h1").textContent() ?? "",
      / wants to use http:\/\/127\.0\.0\.1:\d+\/mcp$/,
    );
    await page.getByRole("button", { name: "Allow" }).click();
    await page.locator("input[name=login]").fill("ada", { timeout: 20_000 });
    await page.locator("input[name=password]").fill("anything");
    await page.locator("button[type=submit]").click();
    await page.locator("button[type=submit]").click({ timeout: 20_000 });
    await page.waitForURL((url) => url.href.startsWith(redirectUri), { timeout: 20_000 });
    assert.ok(landed, "the browser reached the client's redirect URI");
    return landed;
  } finally {
    await page.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A minimal in-memory OAuth client provider for the official client. */
class SdkProvider implements OAuthClientProvider {
  #client?: StoredOAuthClientInformation;
  #tokens?: StoredOAuthTokens;
  #verifier?: string;
  #discovery?: OAuthDiscoveryState;
  authorizationUrl?: URL;
  redirects = 0;

  constructor(readonly redirectUrl: string, readonly clientMetadataUrl?: string) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "sdk-v2 through the proxy",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation = () => this.#client;
  saveClientInformation = (info: StoredOAuthClientInformation) => void (this.#client = info);
  tokens = () => this.#tokens;
  saveTokens = (tokens: StoredOAuthTokens) => void (this.#tokens = tokens);
  redirectToAuthorization(url: URL): void {
    this.redirects++;
    this.authorizationUrl = url;
  }
  saveCodeVerifier = (verifier: string) => void (this.#verifier = verifier);
  codeVerifier = () => this.#verifier!;
  saveDiscoveryState = (state: OAuthDiscoveryState) => void (this.#discovery = state);
  discoveryState = () => this.#discovery;
}

async function revoke(base: string, token: string): Promise<void> {
  const res = await fetch(`${base}/revoke`, { method: "POST", body: new URLSearchParams({ token }) });
  assert.equal(res.status, 200);
  await res.body?.cancel();
}

for (const registration of ["dynamic registration", "a client ID metadata document"] as const) {
  Deno.test({
    name:
      `official v2 client through the proxy (${registration}): Chromium consent, calls across both expiries, refused after revocation`,
    sanitizeOps: false,
    sanitizeResources: false,
  }, async () => {
    const setup = await setUp();
    try {
      const redirect = `http://127.0.0.1:${freePort()}/callback`;
      const provider = new SdkProvider(
        redirect,
        registration === "dynamic registration" ? undefined : setup.metadataDocument(redirect),
      );
      const info = { name: "sdk-v2-proxy", version: "0.0.1" };
      const first = new StreamableHTTPClientTransport(new URL(setup.mcpUrl), { authProvider: provider });
      await assert.rejects(new SdkClient(info).connect(first), (e) => e instanceof UnauthorizedError);
      const clientId = new URL(provider.authorizationUrl!).searchParams.get("client_id")!;
      if (registration === "dynamic registration") assert.match(clientId, /^mcp_/);
      else assert.equal(clientId, provider.clientMetadataUrl);
      const callback = await consentInChromium(setup.chromium, provider.authorizationUrl!, redirect);
      assert.equal(callback.searchParams.get("iss"), setup.base);
      await first.finishAuth(callback.searchParams);
      await first.close();

      const client = new SdkClient(info);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(setup.mcpUrl), { authProvider: provider }),
      );
      const whoami = async () => (await client.callTool({ name: "whoami", arguments: {} })).content;
      const expected = [{ type: "text", text: `ada via ${clientId}` }];
      try {
        assert.deepEqual(await whoami(), expected);
        const proxyToken = provider.tokens()!.access_token;
        // The upstream token (2 s) expires: the proxy refreshes it behind the same proxy token.
        const before = setup.upstreamTokenRequests();
        await sleep(UPSTREAM_TTL * 1000 + 300);
        assert.deepEqual(await whoami(), expected);
        assert.equal(
          setup.upstreamTokenRequests(),
          before + 1,
          `one upstream refresh (before ${before}, now ${setup.upstreamTokenRequests()})`,
        );
        assert.equal(provider.tokens()!.access_token, proxyToken);
        // The proxy's token (5 s) expires: the client refreshes it, and carries on.
        await sleep(PROXY_TTL * 1000);
        assert.deepEqual(await whoami(), expected);
        assert.notEqual(provider.tokens()!.access_token, proxyToken);
        assert.equal(provider.redirects, 1, "no second sign-in");
        // Revoked (the refresh token, then the access token): the token is refused, and so is the
        // client's attempt to refresh it.
        const revoked = provider.tokens()!;
        await revoke(setup.base, revoked.refresh_token!);
        await revoke(setup.base, revoked.access_token);
        assert.equal(await setup.rawCall(revoked.access_token), 401);
        await assert.rejects(whoami(), /the refresh token is unknown, expired or already used/);
      } finally {
        await client.close();
      }
    } finally {
      await setup.close();
    }
  });
}

for (const registration of ["dynamic registration", "a client ID metadata document"] as const) {
  Deno.test({
    name:
      `our client through the proxy (${registration}): Chromium consent, calls across both expiries, refused after revocation`,
    sanitizeOps: false,
    sanitizeResources: false,
  }, async () => {
    const setup = await setUp();
    try {
      const redirect = `http://127.0.0.1:${freePort()}/callback`;
      const store = new MemoryTokenStore();
      let signIns = 0;
      const oauth = new OAuth({
        store,
        redirectUrl: redirect,
        clientName: "denomcp through the proxy",
        ...(registration === "dynamic registration"
          ? {}
          : { clientMetadataUrl: setup.metadataDocument(redirect) }),
        authorize: async (url) => {
          signIns++;
          if (signIns > 1) throw new Error("asked to sign in again");
          return await consentInChromium(setup.chromium, url, redirect);
        },
      });
      const client = new Client(setup.mcpUrl, { auth: oauth });
      const whoami = async () => await client.callTool("whoami");
      try {
        const [answer] = await whoami() as { text: string }[];
        const clientId = answer.text.replace(/^ada via /, "");
        if (registration === "dynamic registration") assert.match(clientId, /^mcp_/);
        else assert.equal(clientId, setup.metadataDocument(redirect));
        const tokensOf = async () => (await store.get(setup.mcpUrl))?.tokens?.[setup.base];
        const proxyToken = (await tokensOf())?.access_token;
        assert.equal(typeof proxyToken, "string");
        const before = setup.upstreamTokenRequests();
        await sleep(UPSTREAM_TTL * 1000 + 300);
        assert.deepEqual(await whoami(), [answer]);
        assert.equal(
          setup.upstreamTokenRequests(),
          before + 1,
          `one upstream refresh (before ${before}, now ${setup.upstreamTokenRequests()})`,
        );
        await sleep(PROXY_TTL * 1000);
        assert.deepEqual(await whoami(), [answer]);
        const renewed = await tokensOf();
        assert.notEqual(renewed?.access_token, proxyToken);
        assert.equal(signIns, 1, "no second sign-in");
        await revoke(setup.base, String(renewed?.refresh_token));
        await revoke(setup.base, String(renewed?.access_token));
        assert.equal(await setup.rawCall(String(renewed?.access_token)), 401);
        await assert.rejects(whoami(), /asked to sign in again|sign in|authoriz/i);
        assert.equal(signIns, 2);
      } finally {
        await client.close();
      }
    } finally {
      await setup.close();
    }
  });
}

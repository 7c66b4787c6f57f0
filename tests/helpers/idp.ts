/**
 * A real OAuth 2.1 / OpenID authorization server for tests: `npm:oidc-provider` on `node:http`,
 * in-process, on 127.0.0.1 (../shared/research/auth.md §3.1). It registers clients dynamically,
 * requires PKCE, answers with the issuer in the callback (RFC 9207), and issues ES256 JWT access
 * tokens (`typ: at+jwt`) for one resource (RFC 8707), whose audience is that resource. Its dev
 * login and consent forms are driven headlessly by {@link driveBrowser}; {@link forge} signs
 * tokens of one's choosing with its key.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as jose from "jose";

/** Options of {@link startIdp}. */
export interface IdpOptions {
  /**
   * The resource (the MCP endpoint URL) tokens are issued for: the default `resource`, the
   * audience, and the only one accepted (any other is `invalid_target`). A getter, so that the
   * resource server may start after the IdP, or before it.
   */
  resource: () => string;
  /** The scopes the resource grants, space-separated. Default `"mcp:read mcp:write"`. */
  resourceScopes?: string;
  /** Dynamic client registration at `/reg`. Default on. */
  registration?: boolean;
  /** Statically registered clients (oidc-provider client metadata), e.g. when registration is off. */
  clients?: Record<string, unknown>[];
  /** Called with every request's method and path, as it arrives. */
  onRequest?: (method: string, path: string) => void;
  /** Lifetime of access tokens, in seconds. Default 300. */
  accessTokenTtl?: number;
}

/** A running {@link startIdp}. */
export interface Idp {
  /** The issuer: `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** Where its signing keys are published (RFC 7517). */
  readonly jwksUri: string;
  /** The ES256 private key access tokens are signed with (to forge tokens in tests). */
  readonly signingKey: CryptoKey;
  /** The `kid` of {@link signingKey}. */
  readonly signingKid: string;
  /** An RS256 private key, kid `"rs"`, also published in the JWKS (oidc-provider signs id_tokens with it). */
  readonly rsaKey: CryptoKey;
  /** The resource tokens are issued for (the getter of the options). */
  readonly resource: () => string;
  /** How many requests reached the JWKS path so far. */
  readonly jwksRequests: number;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

/** The scopes the IdP knows. */
export const IDP_SCOPES = ["openid", "offline_access", "mcp:read", "mcp:write"] as const;

/** Runs `fn` with oidc-provider's development-mode warnings (in-memory adapter, dev interactions) muted. */
export async function quietly<T>(fn: () => T | Promise<T>): Promise<T> {
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

/** Starts the authorization server on 127.0.0.1, on a free port. */
export async function startIdp(options: IdpOptions): Promise<Idp> {
  const { resource, resourceScopes = "mcp:read mcp:write", registration = true, clients, onRequest } =
    options;
  const { default: Provider, errors } = await quietly(() =>
    // deno-lint-ignore no-import-prefix -- test-only dependency, pinned here rather than in deno.json
    import("npm:oidc-provider@9.13.3")
  );
  const rsa = await jose.generateKeyPair("RS256", { extractable: true });
  const ec = await jose.generateKeyPair("ES256", { extractable: true });
  const rsaJwk = { ...(await jose.exportJWK(rsa.privateKey)), alg: "RS256", use: "sig", kid: "rs" };
  const ecJwk = { ...(await jose.exportJWK(ec.privateKey)), alg: "ES256", use: "sig", kid: "es" };
  // The issuer needs the port, so the server listens before the provider exists.
  const app: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const counts = { jwks: 0 };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://idp").pathname;
    if (path === "/jwks") counts.jwks++;
    onRequest?.(req.method ?? "GET", path);
    app.handler!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((err) => err ? reject(err) : resolve());
      server.closeAllConnections();
    });
  try {
    const provider = await quietly(() =>
      new Provider(issuer, {
        jwks: { keys: [rsaJwk, ecJwk] },
        cookies: { keys: ["denomcp-test-cookie-key"] },
        pkce: { required: () => true },
        scopes: [...IDP_SCOPES],
        ttl: {
          AccessToken: options.accessTokenTtl ?? 300,
          Grant: 600,
          Interaction: 600,
          Session: 600,
          RefreshToken: 600,
        },
        findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
        ...(clients ? { clients } : {}),
        features: {
          devInteractions: { enabled: true },
          registration: { enabled: registration },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => resource(),
            useGrantedResource: () => true,
            getResourceServerInfo: (_ctx: unknown, requested: string) => {
              if (requested !== resource()) throw new errors.InvalidTarget();
              return {
                scope: resourceScopes,
                audience: resource(),
                accessTokenTTL: options.accessTokenTtl ?? 300,
                accessTokenFormat: "jwt",
                jwt: { sign: { alg: "ES256" } },
              };
            },
          },
        },
      })
    );
    app.handler = provider.callback();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    signingKey: ec.privateKey,
    signingKid: "es",
    rsaKey: rsa.privateKey,
    resource,
    get jwksRequests() {
      return counts.jwks;
    },
    close,
  };
}

/**
 * Plays the user in a browser: follows redirects with a cookie jar and submits each page's form
 * as a click on its first submit button would (the hidden fields, that button's `name=value`
 * when it has a name, and the page's `Origin`): oidc-provider's dev login (as `login`) and
 * consent forms, and the OAuth proxy's consent page (Allow, its first button); until the
 * redirect to `redirectUri`. Returns that callback URL (with `code`, `state`, `iss`, or an
 * `error`) without requesting it.
 */
export async function driveBrowser(authorizationUrl: URL, redirectUri: string, login = "ada"): Promise<URL> {
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
      if (next.href.startsWith(redirectUri)) return next;
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
    const button = /<button[^>]*type="submit"[^>]*>/i.exec(html)?.[0] ?? "";
    const pressed = /name="([^"]+)"[^>]*value="([^"]*)"/i.exec(button);
    if (pressed) form.set(pressed[1], pressed[2]);
    if (/name="login"/.test(html)) {
      form.set("login", login);
      form.set("password", "anything");
    }
    const origin = url.origin;
    url = new URL(action, url);
    init = {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
    };
  }
  throw new Error("the authorization did not reach the callback in 20 hops");
}

/**
 * A JWT signed with the IdP's key, as its access tokens are (ES256, kid of the signing key,
 * `typ: at+jwt`, issuer, subject `ada`, audience the resource, issued two minutes ago, expiring
 * in five, scope `mcp:read`, client `forged`), with `claims` and `header` laid over. An RS256
 * header signs with {@link Idp.rsaKey}; `key` signs with any other key.
 */
export async function forge(
  idp: Idp,
  claims: Record<string, unknown>,
  header: Partial<jose.JWTHeaderParameters> = {},
  key?: CryptoKey,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const protectedHeader: jose.JWTHeaderParameters = {
    alg: "ES256",
    kid: idp.signingKid,
    typ: "at+jwt",
    ...header,
  };
  const signer = key ?? (protectedHeader.alg.startsWith("RS") ? idp.rsaKey : idp.signingKey);
  return await new jose.SignJWT({
    iss: idp.issuer,
    sub: "ada",
    aud: idp.resource(),
    iat: now - 120,
    exp: now + 300,
    scope: "mcp:read",
    client_id: "forged",
    ...claims,
  })
    .setProtectedHeader(protectedHeader)
    .sign(signer);
}

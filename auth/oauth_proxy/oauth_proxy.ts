/**
 * `OAuthProxy`: an authorization server façade for identity providers that do not register MCP
 * clients (FastMCP's design): MCP clients register with the proxy (dynamic registration or a
 * client ID metadata document), consent on the proxy's page, sign in upstream through the
 * proxy's own confidential client, and get the proxy's tokens; the upstream tokens stay sealed
 * in the store. The server serves the proxy's routes beside the MCP endpoint and verifies its
 * tokens there.
 *
 * @module
 */

import { decodeJwt } from "jose";
import type { Store } from "../../server/store/store.ts";
import { type AccessToken, AuthError, type TokenVerifier } from "../access_token.ts";
import { RemoteAuthProvider } from "../remote_provider.ts";
import { checkAuthorizeRequest } from "./authorize_request.ts";
import { ClientMetadataError, ClientRegistry } from "./clients.ts";
import { consentHeaders, consentPage, escapeHtml } from "./consent_page.ts";
import { authorizationServerMetadata, METADATA_PATHS } from "./metadata.ts";
import { ProxyTokenVerifier } from "./proxy_verifier.ts";
import { redirectProblem } from "./redirect_uri.ts";
import { CookieSigner, hostCookie, readHostCookie } from "./signed_cookie.ts";
import { TokenError, TokenFactory } from "./tokens.ts";
import { TokenVault } from "./token_vault.ts";
import { type Transaction, TransactionError, Transactions } from "./transactions.ts";
import {
  exchangeUpstreamCode,
  upstreamAuthorizeUrl,
  type UpstreamConfig,
  UpstreamError,
} from "./upstream.ts";

/**
 * Options of {@link OAuthProxy}, in FastMCP's names.
 *
 * @example
 * ```ts
 * import type { OAuthProxyOptions } from "@denomcp/denomcp/auth";
 * const options: OAuthProxyOptions = {
 *   upstreamAuthorizationEndpoint: "https://idp.example.com/authorize",
 *   upstreamTokenEndpoint: "https://idp.example.com/token",
 *   upstreamClientId: "mcp-proxy",
 *   upstreamClientSecret: "from-the-environment",
 *   baseUrl: "https://mcp.example.com",
 *   jwtSigningKey: "at least 32 bytes of secret, from the environment",
 * };
 * ```
 */
export interface OAuthProxyOptions {
  /** The identity provider's authorization endpoint. */
  upstreamAuthorizationEndpoint: string;
  /** The identity provider's token endpoint. */
  upstreamTokenEndpoint: string;
  /** The proxy's client id at the identity provider. */
  upstreamClientId: string;
  /** The proxy's client secret there (kept server-side: never in a response). */
  upstreamClientSecret: string;
  /** The server's origin (`https://host[:port]`); the proxy's issuer and the MCP endpoint's base. */
  baseUrl: string;
  /** The MCP endpoint's path. Default `/mcp`. */
  mcpPath?: string;
  /** Where the upstream sends the browser back. Default `/auth/callback`. */
  redirectPath?: string;
  /** The secret every key of the proxy is derived from (at least 32 bytes). */
  jwtSigningKey: string;
  /** Patterns client redirect URIs must also match (none: the registered ones decide). */
  allowedClientRedirectUris?: string[];
  /** Whether users see the consent page (default) or go straight upstream (`false`: development only). */
  requireAuthorizationConsent?: boolean;
  /** Scopes asked of the upstream. */
  upstreamScopes?: string[];
  /** Scopes clients may ask for (any when absent). */
  scopesSupported?: string[];
  /** Scopes every token must carry. */
  requiredScopes?: string[];
  /** Lifetime of the proxy's access tokens, in seconds. Default 3,600. */
  accessTokenExpirySeconds?: number;
  /** Further upstream authorization parameters. */
  extraAuthorizeParams?: Record<string, string>;
  /** How the proxy authenticates upstream. Default `client_secret_post`. */
  tokenEndpointAuthMethod?: "client_secret_post" | "client_secret_basic";
  /** The user's id from the upstream tokens. Default: the id token's `sub` (received directly over TLS, OIDC Core §3.1.3.7). */
  identity?: (tokens: UpstreamSignIn) => Promise<string>;
}

/** What the identity provider's token endpoint gave at sign-in (for `identity`). */
export interface UpstreamSignIn {
  /** Its access token. */
  readonly accessToken: string;
  /** Its refresh token, if any. */
  readonly refreshToken?: string;
  /** When its access token expires (ms since the epoch), if it said. */
  readonly expiresAt?: number;
  /** Its OpenID Connect id token, if any. */
  readonly idToken?: string;
}

/** A route the server serves for the proxy. */
export interface ProxyRoute {
  /** The route's path. */
  readonly path: string;
  /** Its HTTP methods. */
  readonly methods: string[];
  /** Answers a request. */
  readonly handler: (req: Request) => Promise<Response>;
}

const CSRF = "mcp-csrf";
const BINDING = "mcp-consent";

/**
 * The OAuth proxy. Pass it as the server's `auth`: the server publishes the protected resource
 * metadata naming the proxy, serves its routes (`/.well-known/oauth-authorization-server` and
 * `/.well-known/openid-configuration`, `/register`, `/authorize`, `/consent`, the redirect path,
 * `/token`, `/revoke`) and accepts its tokens, for this server only.
 *
 * @example
 * ```ts ignore
 * import { FastMCP } from "@denomcp/denomcp";
 * import { OAuthProxy } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "notes",
 *   auth: new OAuthProxy({
 *     upstreamAuthorizationEndpoint: "https://github.com/login/oauth/authorize",
 *     upstreamTokenEndpoint: "https://github.com/login/oauth/access_token",
 *     upstreamClientId: Deno.env.get("GITHUB_CLIENT_ID")!,
 *     upstreamClientSecret: Deno.env.get("GITHUB_CLIENT_SECRET")!,
 *     baseUrl: "https://notes.example.com",
 *     jwtSigningKey: Deno.env.get("MCP_PROXY_SECRET")!,
 *   }),
 * });
 * ```
 */
export class OAuthProxy extends RemoteAuthProvider {
  readonly #options: OAuthProxyOptions;
  readonly #issuer: string;
  readonly #holder: { store?: () => Store };
  #parts?: Promise<
    {
      factory: TokenFactory;
      clients: ClientRegistry;
      transactions: Transactions;
      csrf: CookieSigner;
      binding: CookieSigner;
    }
  >;

  /** Creates the proxy; its secret and URLs are checked now. */
  constructor(options: OAuthProxyOptions) {
    const issuer = new URL(options.baseUrl).origin;
    const holder: { store?: () => Store; verifier?: Promise<TokenVerifier> } = {};
    const verifier: TokenVerifier = {
      requiredScopes: options.requiredScopes,
      verify: async (token: string): Promise<AccessToken> => {
        if (!holder.verifier) throw new AuthError("invalid_token", "the server is not started");
        return await (await holder.verifier).verify(token);
      },
    };
    super({
      tokenVerifier: verifier,
      authorizationServers: [issuer],
      baseUrl: issuer,
      scopesSupported: options.scopesSupported,
    });
    if (new TextEncoder().encode(options.jwtSigningKey).length < 32) {
      throw new TypeError("OAuthProxy: jwtSigningKey must be at least 32 bytes");
    }
    this.#options = options;
    this.#issuer = issuer;
    this.#holder = holder;
    holder.verifier = this.#ready().then(({ factory }) =>
      new ProxyTokenVerifier(factory, this.resource(options.mcpPath ?? "/mcp"), options.requiredScopes)
    );
    holder.verifier.catch(() => {});
  }

  /** The server gives the proxy its store and takes its routes; called by `FastMCP`. */
  attach(store: () => Store): ProxyRoute[] {
    this.#holder.store = store;
    const metadata = authorizationServerMetadata({
      issuer: this.#issuer,
      scopes: this.#options.scopesSupported,
    });
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json", "cache-control": "no-store" },
      });
    return [
      ...METADATA_PATHS.map((path) => ({
        path,
        methods: ["GET"],
        handler: () =>
          Promise.resolve(Response.json(metadata, { headers: { "access-control-allow-origin": "*" } })),
      })),
      { path: "/register", methods: ["POST"], handler: (req) => this.#register(req, json) },
      { path: "/authorize", methods: ["GET"], handler: (req) => this.#authorize(req) },
      { path: "/consent", methods: ["POST"], handler: (req) => this.#consent(req) },
      {
        path: this.#options.redirectPath ?? "/auth/callback",
        methods: ["GET"],
        handler: (req) => this.#callback(req),
      },
      { path: "/token", methods: ["POST"], handler: (req) => this.#token(req, json) },
      { path: "/revoke", methods: ["POST"], handler: (req) => this.#revoke(req) },
    ];
  }

  #ready() {
    return this.#parts ??= (async () => {
      const secret = this.#options.jwtSigningKey;
      const store = () => {
        if (!this.#holder.store) throw new Error("OAuthProxy: the server has not attached its store");
        return this.#holder.store();
      };
      const vault = await TokenVault.create(secret);
      return {
        factory: new TokenFactory({
          store,
          vault,
          secret,
          issuer: this.#issuer,
          accessTokenExpirySeconds: this.#options.accessTokenExpirySeconds,
        }),
        clients: new ClientRegistry(store),
        transactions: new Transactions(store),
        csrf: await CookieSigner.create(secret, "csrf"),
        binding: await CookieSigner.create(secret, "consent binding"),
      };
    })();
  }

  #upstream(): UpstreamConfig {
    const o = this.#options;
    return {
      authorizationEndpoint: o.upstreamAuthorizationEndpoint,
      tokenEndpoint: o.upstreamTokenEndpoint,
      clientId: o.upstreamClientId,
      clientSecret: o.upstreamClientSecret,
      redirectUri: this.#issuer + (o.redirectPath ?? "/auth/callback"),
      scopes: o.upstreamScopes,
      extraAuthorizeParams: o.extraAuthorizeParams,
      tokenEndpointAuthMethod: o.tokenEndpointAuthMethod,
    };
  }

  async #register(req: Request, json: (body: unknown, status?: number) => Response): Promise<Response> {
    const { clients } = await this.#ready();
    try {
      const client = await clients.register(await req.json().catch(() => undefined));
      return json({
        client_id: client.clientId,
        client_id_issued_at: Math.floor(Date.now() / 1000),
        ...(client.clientName ? { client_name: client.clientName } : {}),
        redirect_uris: client.redirectUris,
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      }, 201);
    } catch (error) {
      if (error instanceof ClientMetadataError) {
        return json({ error: error.code, error_description: error.message }, 400);
      }
      throw error;
    }
  }

  async #authorize(req: Request): Promise<Response> {
    const parts = await this.#ready();
    const outcome = await checkAuthorizeRequest(new URL(req.url).searchParams, {
      clients: parts.clients,
      issuer: this.#issuer,
      resource: this.resource(this.#options.mcpPath ?? "/mcp"),
      scopes: this.#options.scopesSupported,
      allowedRedirectUris: this.#options.allowedClientRedirectUris,
    });
    if (outcome.kind === "refuse") return errorPage(outcome.message);
    if (outcome.kind === "redirect") return redirect(outcome.location);
    const { request } = outcome;
    const transaction = await parts.transactions.begin({
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      ...(request.state !== undefined ? { state: request.state } : {}),
      scopes: request.scopes,
      resource: request.resource,
      codeChallenge: request.codeChallenge,
    });
    if (this.#options.requireAuthorizationConsent === false) {
      const approved = await parts.transactions.approve(transaction.id, transaction.csrf, transaction.csrf);
      return await this.#toUpstream(approved, parts.binding);
    }
    const headers = consentHeaders([this.#options.upstreamAuthorizationEndpoint, request.redirectUri]);
    headers.append("set-cookie", hostCookie(CSRF, await parts.csrf.sign(transaction.csrf), 600));
    return new Response(
      consentPage({
        clientName: request.client.clientName ?? request.client.clientId,
        clientId: request.client.clientId,
        redirectUri: request.redirectUri,
        scopes: request.scopes,
        resource: request.resource,
        transactionId: transaction.id,
        csrfToken: transaction.csrf,
        action: "/consent",
      }),
      { headers },
    );
  }

  async #consent(req: Request): Promise<Response> {
    const parts = await this.#ready();
    const form = await req.formData().catch(() => undefined);
    const id = String(form?.get("transaction") ?? "");
    const token = String(form?.get("csrf") ?? "");
    const signed = readHostCookie(req.headers.get("cookie"), CSRF);
    const cookie = signed ? await parts.csrf.verify(signed) : undefined;
    try {
      if (form?.get("decision") !== "approve") {
        const denied = await parts.transactions.deny(id, token, cookie);
        return await this.#back(denied, {
          error: "access_denied",
          error_description: "the user denied access",
        });
      }
      return await this.#toUpstream(await parts.transactions.approve(id, token, cookie), parts.binding);
    } catch (error) {
      if (error instanceof TransactionError) return errorPage(error.message);
      throw error;
    }
  }

  async #toUpstream(transaction: Transaction, binding: CookieSigner): Promise<Response> {
    const location = await upstreamAuthorizeUrl(
      this.#upstream(),
      transaction.id,
      transaction.upstreamVerifier,
    );
    const response = redirect(location);
    response.headers.append("set-cookie", hostCookie(BINDING, await binding.sign(transaction.binding!), 600));
    response.headers.append("set-cookie", hostCookie(CSRF, "", 0));
    return response;
  }

  async #callback(req: Request): Promise<Response> {
    const parts = await this.#ready();
    const params = new URL(req.url).searchParams;
    const signed = readHostCookie(req.headers.get("cookie"), BINDING);
    const cookie = signed ? await parts.binding.verify(signed) : undefined;
    let transaction: Transaction;
    try {
      transaction = await parts.transactions.complete(params.get("state") ?? "", cookie);
    } catch (error) {
      if (error instanceof TransactionError) return errorPage(error.message);
      throw error;
    }
    const upstreamError = params.get("error");
    if (upstreamError) {
      return await this.#back(transaction, {
        error: upstreamError === "access_denied" ? "access_denied" : "server_error",
        error_description: "the identity provider did not sign the user in",
      });
    }
    try {
      const tokens = await exchangeUpstreamCode(
        this.#upstream(),
        params.get("code") ?? "",
        transaction.upstreamVerifier,
      );
      const subject = await (this.#options.identity ?? subjectOf)(tokens);
      const { idToken: _, ...upstream } = tokens;
      const r = transaction.request;
      const code = await parts.factory.createCode(
        { clientId: r.clientId, redirectUri: r.redirectUri, scopes: r.scopes, resource: r.resource, subject },
        r.codeChallenge,
        upstream,
      );
      return await this.#back(transaction, { code });
    } catch (error) {
      if (error instanceof UpstreamError) {
        return await this.#back(transaction, { error: "server_error", error_description: error.message });
      }
      throw error;
    }
  }

  /** Back to the client's redirect URI, checked again before the browser is sent there (§5 #6). */
  async #back(transaction: Transaction, params: Record<string, string>): Promise<Response> {
    const { clients } = await this.#ready();
    const r = transaction.request;
    const client = await clients.get(r.clientId);
    if (
      !client || redirectProblem(r.redirectUri, client.redirectUris, this.#options.allowedClientRedirectUris)
    ) {
      return errorPage("the client's redirect URI is no longer allowed");
    }
    const location = new URL(r.redirectUri);
    for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
    if (r.state !== undefined) location.searchParams.set("state", r.state);
    location.searchParams.set("iss", this.#issuer);
    const response = redirect(location.href);
    response.headers.append("set-cookie", hostCookie(BINDING, "", 0));
    return response;
  }

  async #token(req: Request, json: (body: unknown, status?: number) => Response): Promise<Response> {
    const { factory } = await this.#ready();
    const form = await req.formData().catch(() => undefined);
    const field = (name: string) => String(form?.get(name) ?? "");
    try {
      switch (field("grant_type")) {
        case "authorization_code":
          return json(
            await factory.redeemCode(field("code"), {
              clientId: field("client_id"),
              redirectUri: field("redirect_uri"),
              codeVerifier: field("code_verifier"),
            }),
          );
        case "refresh_token":
          return json(await factory.refresh(field("refresh_token"), field("client_id")));
        default:
          return json({ error: "unsupported_grant_type" }, 400);
      }
    } catch (error) {
      if (error instanceof TokenError) {
        return json({ error: error.code, error_description: error.message }, 400);
      }
      throw error;
    }
  }

  async #revoke(req: Request): Promise<Response> {
    const { factory } = await this.#ready();
    const form = await req.formData().catch(() => undefined);
    await factory.revoke(String(form?.get("token") ?? ""));
    return new Response(null, { status: 200 });
  }
}

/** The user's id: the id token's `sub` (received from the token endpoint directly, over TLS). */
function subjectOf(tokens: { idToken?: string }): Promise<string> {
  let sub: unknown;
  try {
    sub = tokens.idToken ? decodeJwt(tokens.idToken).sub : undefined;
  } catch {
    // Not a JWT: no subject from it.
  }
  if (typeof sub === "string" && sub) return Promise.resolve(sub);
  return Promise.reject(
    new UpstreamError("server_error", "the identity provider named no user (no id token sub); set identity"),
  );
}

function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
}

function errorPage(message: string): Response {
  const headers = consentHeaders();
  return new Response(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in stopped</title></head>` +
      `<body><h1>Sign-in stopped</h1><p>${escapeHtml(message)}</p></body></html>`,
    { status: 400, headers },
  );
}

/**
 * OAuth for HTTP servers: authorization code with PKCE through the official client's `auth()`
 * (protected-resource and authorization-server discovery, client ID metadata documents, dynamic
 * registration, the 2026-07-28 `iss` and issuer checks), driven by a fetch wrapper that answers
 * 401 and 403 challenges (scope step-up takes the union of old and new scopes), with state kept
 * in a {@link TokenStore}.
 *
 * @module
 */

import type {
  OAuthClientInformationContext,
  OAuthClientProvider,
  OAuthDiscoveryState,
} from "@modelcontextprotocol/client";
import { ClientError } from "./errors.ts";
import { checkUntrustedUrl, LoopbackCallback, type LoopbackOptions, openBrowser } from "./oauth_browser.ts";
import { MemoryTokenStore, type StoredAuth, type TokenStore } from "./token_store.ts";

/** What the authorization server's redirect carried back. */
export interface AuthorizationCallback {
  /** The authorization code. */
  code: string;
  /** `state`, echoed by the server. */
  state?: string;
  /** `iss` (RFC 9207), when the server sends it. */
  iss?: string;
}

/**
 * Sends the user to the authorization URL and resolves with the callback's parameters (or the
 * whole callback URL).
 */
export type Authorize = (authorizationUrl: URL) => Promise<AuthorizationCallback | URL | string>;

/** Options of {@link OAuth}. */
export interface OAuthOptions {
  /** `client_name` sent when registering (default `"denomcp-client"`). */
  clientName?: string;
  /**
   * Redirect URI. With the browser flow it is the loopback callback's address (set `callback`
   * instead); otherwise the default is `http://localhost:3000/callback`.
   */
  redirectUrl?: string;
  /** Scope to ask for when the server's challenge and metadata name none. */
  scope?: string;
  /** Pre-registered client id; skips registration. */
  clientId?: string;
  /** Secret of the pre-registered client (sent with `client_secret_basic` or `_post`, as the server allows). */
  clientSecret?: string;
  /** HTTPS URL of this client's metadata document (used as client id where the server supports it). */
  clientMetadataUrl?: string;
  /** Where tokens and registrations are kept (default: memory). */
  store?: TokenStore;
  /**
   * How the user authorizes:
   * - `"browser"` (the default): the user's browser opens on the authorization URL and the code
   *   comes back to a callback server on the loopback interface (see `callback`);
   * - `"headless"`: the authorization URL is fetched without following redirects and the code read
   *   from the `Location` header, for servers that authorize without interaction (machine clients, tests);
   * - a function of your own, which receives the (checked) authorization URL.
   */
  authorize?: Authorize | "browser" | "headless";
  /** The browser flow's callback server and browser opener. */
  callback?: LoopbackOptions;
  /** Authorization attempts per request before giving up (default 3). */
  maxAttempts?: number;
}

/** A fetch function, as the HTTP transports call it. */
export type FetchFn = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * OAuth authorization-code flow with PKCE for a client; pass it as `auth` in the client options.
 *
 * @example
 * ```ts ignore
 * import { Client, FileTokenStore, OAuth } from "@denomcp/denomcp/client";
 *
 * const oauth = new OAuth({ clientName: "my-agent", store: new FileTokenStore() });
 * await using client = new Client("https://example.com/mcp", { auth: oauth });
 * console.log(await client.listTools());
 * ```
 */
export class OAuth {
  readonly #options: OAuthOptions;
  readonly #store: TokenStore;

  /** Creates the flow; nothing is fetched until a server asks for authorization. */
  constructor(options: OAuthOptions = {}) {
    this.#options = options;
    this.#store = options.store ?? new MemoryTokenStore();
  }

  /** The store in use. */
  get store(): TokenStore {
    return this.#store;
  }

  /**
   * A fetch for requests to `serverUrl` that carries the bearer token and runs the flow on a
   * 401 or 403 challenge, then retries once.
   */
  fetchFor(serverUrl: URL, base: FetchFn = fetch): FetchFn {
    const provider = new Provider(this.#options, this.#store, serverUrl.href);
    const maxAttempts = this.#options.maxAttempts ?? 3;
    let attempts = 0;
    const send = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      const tokens = await provider.tokens();
      if (tokens) headers.set("authorization", `Bearer ${tokens.access_token}`);
      return await base(url, { ...init, headers });
    };
    return async (url, init) => {
      const first = await send(url, init);
      if (first.status !== 401 && first.status !== 403) return first;
      if (attempts >= maxAttempts) return first;
      attempts++;
      await first.body?.cancel();
      await provider.authorize(first, serverUrl, base);
      return await send(url, init);
    };
  }
}

/** The official client's provider interface, backed by a token store. */
class Provider implements OAuthClientProvider {
  readonly #options: OAuthOptions;
  readonly #store: TokenStore;
  readonly #key: string;
  #verifier?: string;
  #state?: string;
  #callback?: AuthorizationCallback;
  #discovery?: OAuthDiscoveryState;

  constructor(options: OAuthOptions, store: TokenStore, key: string) {
    this.#options = options;
    this.#store = store;
    this.#key = key;
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
  }

  clientMetadataUrl?: string;

  /** Set while a browser flow's callback server listens. */
  #loopback?: LoopbackCallback;

  get redirectUrl(): string {
    return this.#loopback?.redirectUrl ?? this.#options.redirectUrl ?? "http://localhost:3000/callback";
  }

  get clientMetadata() {
    return {
      client_name: this.#options.clientName ?? "denomcp-client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: this.#options.clientSecret ? "client_secret_basic" : "none",
      ...(this.#options.scope ? { scope: this.#options.scope } : {}),
    };
  }

  state(): string {
    return this.#state = crypto.randomUUID();
  }

  async #load(): Promise<StoredAuth> {
    return (await this.#store.get(this.#key)) ?? {};
  }

  async clientInformation(ctx?: OAuthClientInformationContext) {
    if (this.#options.clientId) {
      return {
        client_id: this.#options.clientId,
        ...(this.#options.clientSecret ? { client_secret: this.#options.clientSecret } : {}),
      };
    }
    if (!ctx) return undefined;
    const client = (await this.#load()).clients?.[ctx.issuer] as
      | { client_id: string; redirect_uris?: string[] }
      | undefined;
    // A browser flow may listen on another port than when the client registered: register again
    // rather than send a redirect URI the authorization server does not know.
    const uris = client?.redirect_uris;
    if (
      Array.isArray(uris) && client?.client_id !== this.clientMetadataUrl && !uris.includes(this.redirectUrl)
    ) {
      return undefined;
    }
    return client;
  }

  async saveClientInformation(info: Record<string, unknown>, ctx?: OAuthClientInformationContext) {
    const stored = await this.#load();
    const issuer = ctx?.issuer ?? (info.issuer as string | undefined) ?? "";
    stored.clients = { ...stored.clients, [issuer]: info };
    await this.#store.set(this.#key, stored);
  }

  async tokens(ctx?: OAuthClientInformationContext) {
    const stored = await this.#load();
    const issuer = ctx?.issuer ?? stored.lastIssuer;
    if (issuer === undefined) return undefined;
    return stored.tokens?.[issuer] as
      | { access_token: string; token_type: string; scope?: string }
      | undefined;
  }

  async saveTokens(tokens: Record<string, unknown>, ctx?: OAuthClientInformationContext) {
    const stored = await this.#load();
    const issuer = ctx?.issuer ?? (tokens.issuer as string | undefined) ?? "";
    stored.tokens = { ...stored.tokens, [issuer]: tokens };
    stored.lastIssuer = issuer;
    await this.#store.set(this.#key, stored);
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    checkUntrustedUrl(authorizationUrl, "the authorization endpoint");
    const mode = this.#options.authorize ?? "browser";
    let answer: AuthorizationCallback | URL | string;
    if (mode === "headless") answer = await headlessAuthorize(authorizationUrl);
    else if (mode !== "browser") answer = await mode(authorizationUrl);
    else {
      const loopback = this.#loopback!;
      const waited = loopback.wait(this.#state ?? "", this.#options.callback?.timeoutMs ?? 300_000);
      // Opening may fail or hang (a browser that never exits): the wait for the redirect decides.
      const open = this.#options.callback?.open ?? openBrowser;
      Promise.resolve().then(() => open(authorizationUrl)).catch(() => {});
      answer = await waited;
    }
    const callback = typeof answer === "string" || answer instanceof URL ? parseCallback(answer) : answer;
    // Discard a response whose state does not match the request's (authorization §"state").
    if (this.#state !== undefined && callback.state !== this.#state) {
      throw new ClientError("the authorization response's state does not match the request", "oauth");
    }
    this.#callback = callback;
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.#verifier) throw new ClientError("no PKCE code verifier was saved", "oauth");
    return this.#verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  async invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): Promise<void> {
    if (scope === "all" || scope === "verifier") this.#verifier = undefined;
    if (scope === "all" || scope === "discovery") this.#discovery = undefined;
    if (scope === "all" || scope === "client" || scope === "tokens") {
      const stored = await this.#load();
      if (scope !== "tokens") delete stored.clients;
      if (scope !== "client") {
        delete stored.tokens;
        delete stored.lastIssuer;
      }
      await this.#store.set(this.#key, stored);
    }
  }

  /**
   * A client we registered dynamically was registered for the scopes asked for then, and
   * authorization servers hold it to them (RFC 7591 `scope`): a step-up beyond them registers
   * again, for the wider set, rather than failing with `invalid_scope`.
   */
  async #forgetNarrowRegistration(scope: string | undefined): Promise<void> {
    if (!scope || this.#options.clientId) return;
    const stored = await this.#load();
    const issuer = stored.lastIssuer;
    const client = issuer === undefined
      ? undefined
      : stored.clients?.[issuer] as Record<string, unknown> | undefined;
    if (!client || typeof client.scope !== "string" || client.client_id === this.clientMetadataUrl) return;
    const registered = new Set(client.scope.split(" "));
    if (scope.split(" ").every((s) => registered.has(s))) return;
    delete stored.clients![issuer!];
    await this.#store.set(this.#key, stored);
  }

  /** Answers one 401/403 challenge: discovery, registration, authorization, token exchange. */
  async authorize(challenge: Response, serverUrl: URL, fetchFn: FetchFn): Promise<void> {
    // The official client's OAuth helpers pass the client auth conformance scenarios; they load
    // only when a server asks for authorization, so a client that never meets OAuth never loads them.
    const { auth, computeScopeUnion, extractWWWAuthenticateParams, isStrictScopeSuperset } = await import(
      "@modelcontextprotocol/client"
    );
    const { resourceMetadataUrl, scope: challenged } = extractWWWAuthenticateParams(challenge);
    const previous = await this.tokens();
    // Step-up (403 insufficient_scope) keeps what was granted: the union of old and new scopes.
    const scope = (challenge.status === 403 ? computeScopeUnion(previous?.scope, challenged) : challenged) ??
      this.#options.scope;
    // A 401 with a token in hand may mean the authorization server moved: discover again.
    if (challenge.status === 401) this.#discovery = undefined;
    this.#callback = undefined;
    if (challenge.status === 403) await this.#forgetNarrowRegistration(scope);
    // Every URL discovery turns up is the server's to choose: fetch only the ones §5 #1 allows.
    const guarded: FetchFn = (url, init) => {
      checkUntrustedUrl(url, "an authorization URL from the server's metadata");
      return fetchFn(url, init);
    };
    const common = { serverUrl, resourceMetadataUrl, scope, fetchFn: guarded };
    if ((this.#options.authorize ?? "browser") === "browser") {
      this.#loopback = LoopbackCallback.listen(this.#options.callback);
    }
    try {
      let result = await auth(this, {
        ...common,
        forceReauthorization: isStrictScopeSuperset(scope, previous?.scope),
      });
      if (result === "REDIRECT") {
        const callback = this.#callback as AuthorizationCallback | undefined;
        if (!callback) throw new ClientError("authorization ended without a code", "oauth");
        result = await auth(this, { ...common, authorizationCode: callback.code, iss: callback.iss });
      }
      if (result !== "AUTHORIZED") throw new ClientError(`authorization failed (${result})`, "oauth");
    } finally {
      const loopback = this.#loopback;
      this.#loopback = undefined;
      await loopback?.close();
    }
  }
}

function parseCallback(url: URL | string): AuthorizationCallback {
  const params = new URL(url).searchParams;
  const error = params.get("error");
  const code = params.get("code");
  if (!code) {
    throw new ClientError(`the authorization server returned no code${error ? ` (${error})` : ""}`, "oauth");
  }
  return { code, state: params.get("state") ?? undefined, iss: params.get("iss") ?? undefined };
}

/** Fetches the authorization URL without following the redirect and reads the callback from `Location`. */
async function headlessAuthorize(authorizationUrl: URL): Promise<URL> {
  const res = await fetch(authorizationUrl, { redirect: "manual" });
  await res.body?.cancel();
  const location = res.headers.get("location");
  if (!location) {
    throw new ClientError(
      `the authorization endpoint answered ${res.status} without a redirect; pass an 'authorize' function`,
      "oauth",
    );
  }
  return new URL(location, authorizationUrl);
}

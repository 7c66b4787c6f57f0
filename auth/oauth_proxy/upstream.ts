/**
 * The OAuth proxy's leg to the upstream identity provider: the authorization URL it sends the
 * browser to (its own confidential client, its own PKCE, `state` = the transaction), and the
 * token endpoint calls (code exchange, refresh), bounded in time and bytes. The endpoints are the
 * operator's configuration, not a client's input, so they may be private addresses (an internal
 * Keycloak); the upstream secret goes only to the upstream token endpoint.
 *
 * @module
 */

import { readAtMost } from "../../protocol/bytes.ts";
import type { UpstreamTokens } from "./tokens.ts";
import { pkceChallenge } from "./tokens.ts";

/** The upstream provider and the proxy's client there. */
export interface UpstreamConfig {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where the upstream sends the browser back: the proxy's base URL and redirect path. */
  readonly redirectUri: string;
  /** Scopes asked of the upstream. */
  readonly scopes?: readonly string[];
  /** How the proxy authenticates at the token endpoint. Default `client_secret_post`. */
  readonly tokenEndpointAuthMethod?: "client_secret_post" | "client_secret_basic";
  /** Further authorization parameters (a provider's `prompt`, `audience`, `organization`). */
  readonly extraAuthorizeParams?: Readonly<Record<string, string>>;
  /** Further token request parameters. */
  readonly extraTokenParams?: Readonly<Record<string, string>>;
  /** The revocation endpoint (RFC 7009), if the provider has one. */
  readonly revocationEndpoint?: string;
  /** Longest a token endpoint call may take, in ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Largest token response read, in bytes. Default 64 KiB. */
  readonly maxResponseBytes?: number;
}

/** The upstream refused or failed; `code` is its OAuth error when it gave one. */
export class UpstreamError extends Error {
  /** Creates the error. */
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "UpstreamError";
  }
}

/** Where the browser goes to sign in upstream for the transaction `state`. */
export async function upstreamAuthorizeUrl(
  config: UpstreamConfig,
  state: string,
  verifier: string,
): Promise<string> {
  const url = new URL(config.authorizationEndpoint);
  const params: Record<string, string> = {
    ...config.extraAuthorizeParams,
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    state,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: "S256",
  };
  if (config.scopes?.length) params.scope = config.scopes.join(" ");
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** Exchanges the upstream's code for its tokens (and the id token, when it sends one). */
export async function exchangeUpstreamCode(
  config: UpstreamConfig,
  code: string,
  verifier: string,
): Promise<UpstreamTokens & { idToken?: string }> {
  return await tokenRequest(config, {
    grant_type: "authorization_code",
    code,
    redirect_uri: config.redirectUri,
    code_verifier: verifier,
  });
}

/**
 * Refreshes the upstream tokens. A provider that rotates refresh tokens sends a new one (with its
 * own expiry, if it says); one that does not keeps the old one, and its expiry.
 */
export async function refreshUpstream(
  config: UpstreamConfig,
  current: UpstreamTokens,
): Promise<UpstreamTokens> {
  const { idToken: _, ...tokens } = await tokenRequest(config, {
    grant_type: "refresh_token",
    refresh_token: current.refreshToken ?? "",
  });
  if (tokens.refreshToken) return tokens;
  return {
    ...tokens,
    ...(current.refreshToken ? { refreshToken: current.refreshToken } : {}),
    ...(current.refreshExpiresAt !== undefined ? { refreshExpiresAt: current.refreshExpiresAt } : {}),
  };
}

/**
 * Revokes the upstream tokens at the provider's revocation endpoint (the refresh token, which ends
 * the grant, else the access token). Best effort: a provider that fails is not retried, and the
 * proxy's own records are gone either way.
 */
export async function revokeUpstream(config: UpstreamConfig, tokens: UpstreamTokens): Promise<boolean> {
  if (!config.revocationEndpoint) return false;
  const [token, hint] = tokens.refreshToken
    ? [tokens.refreshToken, "refresh_token"]
    : [tokens.accessToken, "access_token"];
  const { headers, body } = clientAuthentication(config, { token, token_type_hint: hint });
  try {
    const res = await fetch(config.revocationEndpoint, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** The form body and headers of a request authenticated as the proxy's upstream client. */
function clientAuthentication(
  config: UpstreamConfig,
  params: Record<string, string>,
): { headers: Record<string, string>; body: URLSearchParams } {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    // GitHub answers form-encoded unless asked for JSON.
    accept: "application/json",
  };
  if (config.tokenEndpointAuthMethod === "client_secret_basic") {
    const encode = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${btoa(`${encode(config.clientId)}:${encode(config.clientSecret)}`)}`;
  } else {
    body.set("client_id", config.clientId);
    body.set("client_secret", config.clientSecret);
  }
  return { headers, body };
}

async function tokenRequest(
  config: UpstreamConfig,
  params: Record<string, string>,
): Promise<UpstreamTokens & { idToken?: string }> {
  const { headers, body } = clientAuthentication(config, { ...config.extraTokenParams, ...params });
  const timeoutMs = config.timeoutMs ?? 10_000;
  let res: Response;
  try {
    res = await fetch(config.tokenEndpoint, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new UpstreamError(
      "temporarily_unavailable",
      `the identity provider's token endpoint: ${(error as Error).message}`,
    );
  }
  const limit = config.maxResponseBytes ?? 64 * 1024;
  const bytes = res.body ? await readAtMost(res.body, limit) : new Uint8Array();
  if (!bytes) {
    throw new UpstreamError("server_error", `the identity provider's token response is over ${limit} bytes`);
  }
  const text = new TextDecoder().decode(bytes);
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text);
  } catch {
    // A provider that ignored the Accept header.
    answer = Object.fromEntries(new URLSearchParams(text));
  }
  if (!res.ok || typeof answer.error === "string") {
    const code = typeof answer.error === "string" ? answer.error : "server_error";
    // The upstream's description is not echoed: it may name the proxy's client or secret.
    throw new UpstreamError(code, `the identity provider refused the token request (${res.status} ${code})`);
  }
  if (typeof answer.access_token !== "string") {
    throw new UpstreamError("server_error", "the identity provider's token response has no access_token");
  }
  const expiresAt = instantIn(answer.expires_in);
  // 0 counts as not said (some providers send it for "does not expire").
  const refreshExpiresAt = instantIn(answer.refresh_expires_in);
  return {
    accessToken: answer.access_token,
    ...(typeof answer.refresh_token === "string" ? { refreshToken: answer.refresh_token } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(refreshExpiresAt !== undefined && typeof answer.refresh_token === "string"
      ? { refreshExpiresAt }
      : {}),
    ...(typeof answer.id_token === "string" ? { idToken: answer.id_token } : {}),
  };
}

/** The instant `seconds` from now (ms since the epoch), for a positive number of seconds. */
function instantIn(seconds: unknown): number | undefined {
  const n = Number(seconds);
  return Number.isFinite(n) && n > 0 ? Date.now() + n * 1000 : undefined;
}

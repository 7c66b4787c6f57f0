/**
 * The OAuth proxy's `/authorize` request, checked before anything else happens (no consent, no
 * upstream contact). A bad client or redirect URI is never redirected to: the user is told on a
 * page (RFC 6749 §4.1.2.1; §5 #6). Every other problem goes back to the client's checked
 * redirect URI as `error`, with `state` and the proxy's `iss` (RFC 9207, §5 #16). PKCE with S256
 * is required, and a `resource` other than the MCP server's canonical URI is `invalid_target`
 * (RFC 8707; §5 #8).
 *
 * @module
 */

import { ClientMetadataError, type ClientRegistry, type ProxyClient } from "./clients.ts";
import { redirectProblem } from "./redirect_uri.ts";

/** A request that passed every check. */
export interface AuthorizeRequest {
  readonly client: ProxyClient;
  readonly redirectUri: string;
  readonly state?: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly codeChallenge: string;
}

/** What `/authorize` does with a request. */
export type AuthorizeOutcome =
  | { readonly kind: "valid"; readonly request: AuthorizeRequest }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "refuse"; readonly message: string };

/** What the checks need from the proxy. */
export interface AuthorizeContext {
  readonly clients: ClientRegistry;
  /** The proxy's issuer, sent back as `iss`. */
  readonly issuer: string;
  /** The canonical URI of the MCP server the tokens are for. */
  readonly resource: string;
  /** Scopes the proxy may grant (any when absent). */
  readonly scopes?: readonly string[];
  /** The operator's redirect URI patterns (none: the registered URIs decide alone). */
  readonly allowedRedirectUris?: readonly string[];
}

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** Checks an `/authorize` request's query. */
export async function checkAuthorizeRequest(
  params: URLSearchParams,
  context: AuthorizeContext,
): Promise<AuthorizeOutcome> {
  const clientId = params.get("client_id");
  if (!clientId) return { kind: "refuse", message: "the request names no client (client_id)" };
  let client: ProxyClient | undefined;
  try {
    client = await context.clients.get(clientId);
  } catch (error) {
    if (error instanceof ClientMetadataError) return { kind: "refuse", message: error.message };
    throw error;
  }
  if (!client) return { kind: "refuse", message: "the client is not registered with this server" };
  // Left out, the redirect URI is the client's only one (never a guess among several).
  const redirectUri = params.get("redirect_uri") ??
    (client.redirectUris.length === 1 ? client.redirectUris[0] : null);
  if (!redirectUri) {
    return { kind: "refuse", message: "the request names no redirect_uri and the client has several" };
  }
  const problem = redirectProblem(redirectUri, client.redirectUris, context.allowedRedirectUris);
  if (problem) return { kind: "refuse", message: problem };

  const state = params.get("state") ?? undefined;
  const fail = (error: string, description: string): AuthorizeOutcome => {
    const location = new URL(redirectUri);
    location.searchParams.set("error", error);
    location.searchParams.set("error_description", description);
    if (state !== undefined) location.searchParams.set("state", state);
    location.searchParams.set("iss", context.issuer);
    return { kind: "redirect", location: location.href };
  };
  if (params.get("response_type") !== "code") {
    return fail("unsupported_response_type", "only response_type=code is supported");
  }
  const challenge = params.get("code_challenge");
  if (!challenge || params.get("code_challenge_method") !== "S256" || !CHALLENGE.test(challenge)) {
    return fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
  }
  const resources = params.getAll("resource");
  if (resources.length > 1 || (resources.length === 1 && !sameResource(resources[0], context.resource))) {
    return fail("invalid_target", `the resource must be ${context.resource}`);
  }
  const scopes = (params.get("scope") ?? "").split(" ").filter(Boolean);
  const unknown = context.scopes ? scopes.filter((s) => !context.scopes!.includes(s)) : [];
  if (unknown.length) return fail("invalid_scope", `unknown scopes: ${unknown.join(" ")}`);
  return {
    kind: "valid",
    request: {
      client,
      redirectUri,
      ...(state !== undefined ? { state } : {}),
      scopes,
      resource: context.resource,
      codeChallenge: challenge,
    },
  };
}

/** Whether two resource URIs are the same (scheme and host case aside, no trailing slash difference). */
export function sameResource(asked: string, canonical: string): boolean {
  try {
    const a = new URL(asked);
    const b = new URL(canonical);
    const path = (u: URL) => u.pathname.replace(/\/+$/, "");
    return a.origin === b.origin && path(a) === path(b) && a.search === b.search && !a.hash;
  } catch {
    return false;
  }
}

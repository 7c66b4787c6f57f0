/**
 * Bearer tokens on the MCP endpoint: every request presents one, it is verified, and a refusal
 * is a 401 (or 403) with an RFC 6750 challenge pointing to the protected resource metadata. The
 * verified token stays with its request for `receive()` (tokens are never logged).
 *
 * @module
 */

import { type AccessToken, AuthError } from "../../auth/access_token.ts";
import { ErrorCode, type JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import {
  bearerChallenge,
  RemoteAuthProvider,
  type ServerAuth,
  verifierOf,
} from "../../auth/remote_provider.ts";

const tokens = new WeakMap<Request, AccessToken>();

/** The verified token of a request, if it presented one. */
export function accessTokenOf(req: Request | undefined): AccessToken | undefined {
  return req ? tokens.get(req) : undefined;
}

/** RFC 6750 `b64token`. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * True when the request's token is one its verifier remembers (verified before, still valid):
 * the request is authenticated without a promise. False means "ask {@link authenticate}".
 */
export function authenticatedNow(req: Request, auth: ServerAuth): boolean {
  const verifier = verifierOf(auth);
  if (!verifier.remembered) return false;
  const match = BEARER.exec(req.headers.get("authorization") ?? "");
  const token = match ? verifier.remembered(match[1]) : undefined;
  if (!token) return false;
  tokens.set(req, token);
  return true;
}

/** Verifies the request's bearer token: undefined when it passes, else the refusal to send. */
export async function authenticate(
  req: Request,
  auth: ServerAuth,
  mcpPath: string,
  log: (message: string) => void,
): Promise<Response | undefined> {
  const header = req.headers.get("authorization");
  if (header === null) {
    if (auth instanceof RemoteAuthProvider && auth.allowAnonymous) return undefined;
    return refuse(auth, mcpPath, undefined, "a bearer token is required");
  }
  const match = BEARER.exec(header);
  if (!match) {
    return refuse(
      auth,
      mcpPath,
      new AuthError("invalid_token", "the Authorization header is not a Bearer token"),
    );
  }
  try {
    tokens.set(req, await verifierOf(auth).verify(match[1]));
    return undefined;
  } catch (error) {
    if (error instanceof AuthError) return refuse(auth, mcpPath, error);
    // A verifier that failed (not one that said no): the client still gets a plain refusal.
    log(`verifying a bearer token failed: ${error instanceof Error ? error.message : String(error)}`);
    return refuse(auth, mcpPath, new AuthError("invalid_token", "the token could not be verified"));
  }
}

/**
 * The status and `WWW-Authenticate` value that turn a JSON-RPC refusal naming scopes (an
 * `InsufficientScopeError`: code -32003 with `data.requiredScopes`) into a 403
 * `insufficient_scope` challenge (SEP-2350) naming the operation's scopes with those every token
 * needs, or, for a request that presented no token, a 401 asking for them. Undefined for any
 * other answer.
 */
export function scopeChallenge(
  auth: ServerAuth,
  mcpPath: string,
  response: JsonRpcResponse,
  anonymous: boolean,
): { status: 401 | 403; challenge: string } | undefined {
  const error = response.error;
  if (error?.code !== ErrorCode.Forbidden) return undefined;
  const needed = (error.data as { requiredScopes?: unknown } | undefined)?.requiredScopes;
  if (!Array.isArray(needed) || !needed.every((s) => typeof s === "string")) return undefined;
  const always = verifierOf(auth).requiredScopes ?? [];
  const scopes = [...new Set([...always, ...needed])];
  if (anonymous) {
    // No token was presented: an invitation to authenticate, without `error` (RFC 6750 §3.1).
    const challenge = auth instanceof RemoteAuthProvider
      ? bearerChallenge(undefined, auth.metadataUrl(mcpPath), scopes)
      : bearerChallenge(undefined, undefined, scopes);
    return { status: 401, challenge };
  }
  const refusal = new AuthError("insufficient_scope", error.message, scopes);
  const challenge = auth instanceof RemoteAuthProvider
    ? auth.challenge(mcpPath, refusal)
    : bearerChallenge(refusal);
  return { status: 403, challenge };
}

function refuse(
  auth: ServerAuth,
  mcpPath: string,
  refusal: AuthError | undefined,
  missing?: string,
): Response {
  const challenge = auth instanceof RemoteAuthProvider
    ? auth.challenge(mcpPath, refusal)
    : bearerChallenge(refusal);
  const body = refusal
    ? { error: refusal.error, error_description: refusal.message }
    : { error: "unauthorized", error_description: missing };
  return new Response(JSON.stringify(body), {
    status: refusal?.status ?? 401,
    headers: { "content-type": "application/json", "www-authenticate": challenge },
  });
}

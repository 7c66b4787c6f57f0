/**
 * An OpenID provider's configuration (OpenID Connect Discovery 1.0 §3, RFC 8414 §2), fetched from
 * a URL the operator chose (so it may be an internal address), bounded in time and bytes and
 * without following redirects, and accepted only when it names the issuer its URL was built from
 * (Discovery §4.3, RFC 8414 §3.3): a document naming another issuer would send users, codes and
 * the proxy's secret to someone else's endpoints.
 *
 * @module
 */

import { readAtMost } from "../../protocol/bytes.ts";

/**
 * The parts of an OpenID provider's configuration the proxy uses, as the document names them;
 * endpoint URLs resolved.
 *
 * @example
 * ```ts
 * import type { OIDCConfiguration } from "@denomcp/denomcp/auth";
 * const configuration: OIDCConfiguration = {
 *   issuer: "https://idp.example.com",
 *   authorization_endpoint: "https://idp.example.com/authorize",
 *   token_endpoint: "https://idp.example.com/token",
 *   jwks_uri: "https://idp.example.com/jwks",
 * };
 * ```
 */
export interface OIDCConfiguration {
  /** The provider's issuer identifier. */
  readonly issuer: string;
  /** Where users sign in. */
  readonly authorization_endpoint: string;
  /** Where codes and refresh tokens are redeemed. */
  readonly token_endpoint: string;
  /** Where the provider's signing keys are published. */
  readonly jwks_uri?: string;
  /** Where tokens are revoked (RFC 7009). */
  readonly revocation_endpoint?: string;
  /** How clients may authenticate at the token endpoint (`client_secret_basic` when absent). */
  readonly token_endpoint_auth_methods_supported?: readonly string[];
}

/** Largest discovery document read, in bytes. */
const MAX_DOCUMENT_BYTES = 256 * 1024;

/** Fetches the document at `configUrl`: a JSON object, or an Error saying why not. */
export async function fetchConfiguration(configUrl: string, timeoutMs = 10_000): Promise<OIDCConfiguration> {
  const where = `the discovery document at ${configUrl}`;
  const signal = AbortSignal.timeout(timeoutMs);
  let bytes: Uint8Array | undefined;
  try {
    const res = await fetch(configUrl, {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal,
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(
        `status ${res.status}${res.status >= 300 && res.status < 400 ? " (not followed)" : ""}`,
      );
    }
    bytes = res.body ? await readAtMost(res.body, MAX_DOCUMENT_BYTES) : new Uint8Array();
  } catch (error) {
    const why = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new Error(`OIDCProxy: ${where} could not be had: ${why}`);
  }
  if (!bytes) throw new Error(`OIDCProxy: ${where} is over ${MAX_DOCUMENT_BYTES} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    document = undefined;
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new Error(`OIDCProxy: ${where} is not a JSON object`);
  }
  return document as OIDCConfiguration;
}

/**
 * The issuer a discovery URL was built from: `{issuer}/.well-known/openid-configuration`
 * (Discovery §4), or `{origin}/.well-known/{openid-configuration|oauth-authorization-server}{path}`
 * (RFC 8414 §3.1).
 */
export function issuerOf(configUrl: string): string {
  const url = new URL(configUrl);
  if (url.search || url.hash) throw new TypeError("OIDCProxy: configUrl has no query or fragment");
  const path = url.pathname;
  const suffix = "/.well-known/openid-configuration";
  if (path.endsWith(suffix)) return url.origin + path.slice(0, -suffix.length);
  for (const prefix of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return url.origin + path.slice(prefix.length);
  }
  throw new TypeError(
    "OIDCProxy: configUrl is not a discovery URL (…/.well-known/openid-configuration); give upstreamIssuer",
  );
}

/**
 * The document checked: it names `expectedIssuer` when given (exactly), else the issuer of
 * `configUrl` (a terminating `/` aside, as Discovery §4 strips it to build the URL); the endpoints
 * are URLs (relative ones resolved against `configUrl`), https unless `configUrl` itself is http.
 */
export function checkConfiguration(
  document: object,
  configUrl: string,
  expectedIssuer?: string,
): OIDCConfiguration {
  const doc = document as Record<string, unknown>;
  const issuer = doc.issuer;
  const expected = expectedIssuer ?? issuerOf(configUrl);
  const named = typeof issuer === "string" &&
    (expectedIssuer !== undefined ? issuer === expected : issuer.replace(/\/$/, "") === expected);
  if (!named) {
    throw new Error(
      `OIDCProxy: the discovery document at ${configUrl} names the issuer ${JSON.stringify(issuer)}, ` +
        `not ${expected}: refused (a mix-up would send users and the proxy's secret elsewhere)`,
    );
  }
  const insecureAllowed = new URL(configUrl).protocol === "http:";
  const endpoint = (name: string): string | undefined => {
    const value = doc[name];
    if (value === undefined) return undefined;
    const url = typeof value === "string" ? URL.parse(value, configUrl) : null;
    if (!url || !(url.protocol === "https:" || (insecureAllowed && url.protocol === "http:"))) {
      throw new Error(`OIDCProxy: the discovery document's ${name} is not an https URL`);
    }
    return url.href;
  };
  const authorization = endpoint("authorization_endpoint");
  const token = endpoint("token_endpoint");
  if (!authorization || !token) {
    throw new Error("OIDCProxy: the discovery document lacks authorization_endpoint or token_endpoint");
  }
  const jwks = endpoint("jwks_uri");
  const revocation = endpoint("revocation_endpoint");
  const methods = doc.token_endpoint_auth_methods_supported;
  return {
    issuer: issuer as string,
    authorization_endpoint: authorization,
    token_endpoint: token,
    ...(jwks ? { jwks_uri: jwks } : {}),
    ...(revocation ? { revocation_endpoint: revocation } : {}),
    ...(Array.isArray(methods)
      ? { token_endpoint_auth_methods_supported: methods.filter((m) => typeof m === "string") }
      : {}),
  };
}

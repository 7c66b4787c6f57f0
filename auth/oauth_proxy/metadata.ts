/**
 * The OAuth proxy's authorization server metadata (RFC 8414), served at
 * `/.well-known/oauth-authorization-server` and, as FastMCP 3.4 does, at
 * `/.well-known/openid-configuration` too: public clients with PKCE (S256 only), client ID
 * metadata documents first (DCR is deprecated in MCP 2026-07-28, still offered), and the `iss`
 * authorization response parameter (RFC 9207) against mix-up attacks. With the identity assertion
 * grant on, the jwt-bearer grant type and the ID-JAG grant profile (never the trusted issuers: the
 * draft's "Metadata Disclosure").
 *
 * @module
 */

import { ID_JAG_GRANT_PROFILE, JWT_BEARER_GRANT_TYPE } from "./identity_assertion.ts";

/** Where the proxy's endpoints live, and what it offers. */
export interface ProxyMetadataOptions {
  /** The proxy's issuer: its base URL, without a trailing slash. */
  issuer: string;
  /** The scopes it may grant. */
  scopes?: readonly string[];
  /** Whether dynamic client registration is offered. Default true. */
  registration?: boolean;
  /** Whether it revokes tokens. Default true. */
  revocation?: boolean;
  /** The identity assertion grant (SEP-990), when on; `confidentialClients` when clients authenticate with secrets. */
  identityAssertion?: { confidentialClients: boolean };
}

/** The metadata document. */
export function authorizationServerMetadata(options: ProxyMetadataOptions): Record<string, unknown> {
  const issuer = new URL(options.issuer);
  if (issuer.search || issuer.hash) {
    throw new TypeError("the issuer must have no query or fragment (RFC 8414 §2)");
  }
  const base = issuer.href.replace(/\/+$/, "");
  const metadata: Record<string, unknown> = {
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
  if (options.registration !== false) metadata.registration_endpoint = `${base}/register`;
  if (options.revocation !== false) {
    metadata.revocation_endpoint = `${base}/revoke`;
    metadata.revocation_endpoint_auth_methods_supported = ["none"];
  }
  if (options.identityAssertion) {
    (metadata.grant_types_supported as string[]).push(JWT_BEARER_GRANT_TYPE);
    // The draft: a server listing the profile MUST list the jwt-bearer grant type too.
    metadata.authorization_grant_profiles_supported = [ID_JAG_GRANT_PROFILE];
    if (options.identityAssertion.confidentialClients) {
      (metadata.token_endpoint_auth_methods_supported as string[]).push(
        "client_secret_basic",
        "client_secret_post",
      );
    }
  }
  if (options.scopes?.length) metadata.scopes_supported = [...options.scopes];
  return metadata;
}

/** The paths the metadata is served at (the RFC 8414 one, and the OpenID alias). */
export const METADATA_PATHS: readonly string[] = [
  "/.well-known/oauth-authorization-server",
  "/.well-known/openid-configuration",
];

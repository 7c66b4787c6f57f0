/**
 * Authentication and authorization for denomcp servers: token verifiers (JWT on `jose`, RFC 7662
 * introspection, several at once, static tokens for development), auth checks for components (`requireScopes`, `requireRoles`,
 * `restrictTag`), the guarded fetcher every untrusted URL goes through, and the OAuth proxy with its
 * ready-made identity providers (`OIDCProxy` for any OpenID provider; GitHub, Google, Entra ID,
 * WorkOS, Auth0, Okta, Keycloak, OCI).
 *
 * @example
 * ```ts
 * import { JWTVerifier } from "@denomcp/denomcp/auth";
 * const verifier = new JWTVerifier({
 *   jwksUri: "https://idp.example.com/.well-known/jwks.json",
 *   issuer: "https://idp.example.com",
 *   audience: "https://mcp.example.com/mcp",
 * });
 * ```
 *
 * @module
 */

export {
  type AccessToken,
  AuthError,
  checkScopes,
  type Principal,
  principalKey,
  principalOf,
  scopesOf,
  type TokenVerifier,
} from "./access_token.ts";
export {
  type AuthCheck,
  type AuthComponent,
  type AuthContext,
  AuthorizationError,
  type AuthRule,
  grantedScopes,
  InsufficientScopeError,
  type Refusal,
  requireRoles,
  type RequireRolesOptions,
  requireScopes,
  restrictTag,
  type ScopeCheck,
} from "./authorization.ts";
export {
  bearerChallenge,
  RemoteAuthProvider,
  type RemoteAuthProviderOptions,
  type ServerAuth,
  verifierOf,
} from "./remote_provider.ts";
export {
  classify,
  guardedFetch,
  GuardedFetchError,
  type GuardedFetchOptions,
  type GuardedResponse,
} from "./guarded_fetch.ts";
export { IntrospectionVerifier, type IntrospectionVerifierOptions } from "./introspection_verifier.ts";
export { JWTVerifier, type JWTVerifierOptions } from "./jwt_verifier.ts";
export { MultiAuth, type MultiAuthOptions } from "./multi_auth.ts";
export { type StaticToken, StaticTokenVerifier, type StaticTokenVerifierOptions } from "./static_verifier.ts";
export { OAuthProxy, type ProxyScopes } from "./oauth_proxy/oauth_proxy.ts";
export {
  type ConfidentialClient,
  type IdentityAssertionOptions,
  type TrustedIssuer,
} from "./oauth_proxy/identity_assertion_options.ts";
export {
  type ConsentMode,
  type OAuthProxyOptions,
  type ProxyRoute,
  type UpstreamSignIn,
} from "./oauth_proxy/options.ts";
export { type OIDCConfiguration } from "./providers/oidc_discovery.ts";
export { OIDCProxy, type OIDCProxyOptions, type ProviderDiscovery } from "./providers/oidc_proxy.ts";
export { type ProviderOptions } from "./providers/options.ts";
export { GitHubProvider, type GitHubProviderOptions } from "./providers/github.ts";
export { type AzureB2COptions, AzureProvider, type AzureProviderOptions } from "./providers/azure.ts";
export { GoogleProvider, type GoogleProviderOptions } from "./providers/google.ts";
export { WorkOSProvider, type WorkOSProviderOptions } from "./providers/workos.ts";
export { Auth0Provider, type Auth0ProviderOptions } from "./providers/auth0.ts";
export { KeycloakProvider, type KeycloakProviderOptions } from "./providers/keycloak.ts";
export { OCIProvider, type OCIProviderOptions } from "./providers/oci.ts";
export { OktaProvider, type OktaProviderOptions } from "./providers/okta.ts";

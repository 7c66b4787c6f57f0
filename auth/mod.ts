/**
 * Authentication for denomcp servers: token verifiers (JWT on `jose`, static tokens for
 * development) and the guarded fetcher every untrusted URL goes through.
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
export { JWTVerifier, type JWTVerifierOptions } from "./jwt_verifier.ts";
export { type StaticToken, StaticTokenVerifier, type StaticTokenVerifierOptions } from "./static_verifier.ts";

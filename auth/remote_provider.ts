/**
 * The MCP server as an OAuth protected resource whose tokens come from authorization servers
 * elsewhere: RFC 9728 metadata at both well-known URLs, and RFC 6750 challenges that point to it.
 *
 * @module
 */

import type { AuthError, TokenVerifier } from "./access_token.ts";

/** Options of {@link RemoteAuthProvider}. */
export interface RemoteAuthProviderOptions {
  /** Verifies the bearer tokens. */
  tokenVerifier: TokenVerifier;
  /** The authorization servers that issue them (their issuer URLs; at least one). */
  authorizationServers: string[];
  /**
   * The server's public origin (`https://mcp.example.com`); the protected resource is this plus the
   * MCP path, and is the audience tokens must carry.
   */
  baseUrl: string;
  /** Scopes advertised in the metadata, and asked for in challenges when a request has none. */
  scopesSupported?: string[];
  /** A human-readable name of the resource. */
  resourceName?: string;
  /** Where people read about the resource. */
  resourceDocumentation?: string;
  /**
   * Scopes that imply narrower ones, as the authorization server defines them
   * (`{ "files:admin": ["files:write"], "files:write": ["files:read"] }`): a token holding a
   * broader scope passes checks that ask for a narrower one (the spec's MUST on scope hierarchies).
   */
  scopeHierarchy?: Record<string, string[]>;
  /**
   * Serve requests that present no token, as an anonymous caller: components without auth checks
   * are open to it, and one guarded by scopes answers 401 with a challenge asking for them (a token,
   * when presented, is verified as ever). Default false: every request needs a valid token.
   */
  allowAnonymous?: boolean;
}

/**
 * Protects a server with tokens issued by other authorization servers.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { JWTVerifier, RemoteAuthProvider } from "@denomcp/denomcp/auth";
 * const auth = new RemoteAuthProvider({
 *   tokenVerifier: new JWTVerifier({
 *     jwksUri: "https://idp.example.com/jwks",
 *     issuer: "https://idp.example.com",
 *     audience: "https://mcp.example.com/mcp",
 *   }),
 *   authorizationServers: ["https://idp.example.com"],
 *   baseUrl: "https://mcp.example.com",
 * });
 * const mcp = new FastMCP({ name: "secure", auth });
 * ```
 */
export class RemoteAuthProvider {
  #options: RemoteAuthProviderOptions;
  readonly #base: string;

  /** Creates the provider; throws a TypeError for a missing authorization server or a bad base URL. */
  constructor(options: RemoteAuthProviderOptions) {
    if (!options.authorizationServers.length) {
      throw new TypeError("RemoteAuthProvider: at least one authorization server is required (RFC 9728)");
    }
    const base = new URL(options.baseUrl);
    if (base.pathname !== "/" || base.search || base.hash) {
      throw new TypeError(
        "RemoteAuthProvider: baseUrl is an origin (https://host[:port]); the MCP path is added",
      );
    }
    this.#base = base.origin;
    this.#options = options;
  }

  /** Replaces the scopes advertised in the metadata and asked for in challenges (for scopes decided at run time). */
  protected advertiseScopes(scopes: readonly string[] | undefined): void {
    this.#options = { ...this.#options, scopesSupported: scopes ? [...scopes] : undefined };
  }

  /** The token verifier. */
  get tokenVerifier(): TokenVerifier {
    return this.#options.tokenVerifier;
  }

  /** Whether requests without a token are served as anonymous (the `allowAnonymous` option). */
  get allowAnonymous(): boolean {
    return this.#options.allowAnonymous ?? false;
  }

  /** Scopes that imply narrower ones (the `scopeHierarchy` option). */
  get scopeHierarchy(): Readonly<Record<string, readonly string[]>> | undefined {
    return this.#options.scopeHierarchy;
  }

  /** The canonical URL of the protected resource: the base URL plus the MCP path. */
  resource(mcpPath: string): string {
    return this.#base + mcpPath;
  }

  /** The path-inserted metadata path (RFC 9728 §3.1) and the root one, for an MCP path. */
  metadataPaths(mcpPath: string): string[] {
    const root = "/.well-known/oauth-protected-resource";
    return mcpPath === "/" ? [root] : [root + mcpPath, root];
  }

  /** The URL of the metadata document (path-inserted), as challenges name it. */
  metadataUrl(mcpPath: string): string {
    return this.#base + this.metadataPaths(mcpPath)[0];
  }

  /** The protected resource metadata document (RFC 9728 §2). */
  metadata(mcpPath: string): Record<string, unknown> {
    const { authorizationServers, scopesSupported, resourceName, resourceDocumentation } = this.#options;
    const doc: Record<string, unknown> = {
      resource: this.resource(mcpPath),
      authorization_servers: authorizationServers,
      bearer_methods_supported: ["header"],
    };
    if (scopesSupported?.length) doc.scopes_supported = scopesSupported;
    if (resourceName) doc.resource_name = resourceName;
    if (resourceDocumentation) doc.resource_documentation = resourceDocumentation;
    return doc;
  }

  /**
   * The `WWW-Authenticate` value of a refusal: `resource_metadata` always; `scope` with the scopes
   * the request needs (else those every token needs, else those supported); `error` only when a
   * token was presented (RFC 6750 §3.1).
   */
  challenge(mcpPath: string, refusal?: AuthError): string {
    const required = this.#options.tokenVerifier.requiredScopes;
    const scopes = required?.length ? required : this.#options.scopesSupported;
    return bearerChallenge(refusal, this.metadataUrl(mcpPath), scopes);
  }
}

/** An RFC 6750 `Bearer` challenge; quoted values have `\` and `"` escaped. */
export function bearerChallenge(
  refusal: AuthError | undefined,
  metadataUrl?: string,
  scopes?: readonly string[],
): string {
  const params: string[] = [];
  if (refusal) {
    params.push(`error="${refusal.error}"`, `error_description="${description(refusal.message)}"`);
  }
  const wanted = refusal?.scopes.length ? refusal.scopes : scopes;
  if (wanted?.length) params.push(`scope="${quote(wanted.join(" "))}"`);
  if (metadataUrl) params.push(`resource_metadata="${quote(metadataUrl)}"`);
  return params.length ? `Bearer ${params.join(", ")}` : "Bearer";
}

/**
 * An `error_description` as RFC 6750 §3 allows it (printable ASCII without `"` and `\`): it may
 * name a client's URI, which can hold anything, and a header value outside Latin-1 would not even
 * be sent.
 */
function description(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, "?");
}

function quote(text: string): string {
  return text.replace(/[\\"]/g, "\\$&").replace(/[\r\n]/g, " ");
}

/** What `auth` accepts on a server: a bare verifier (no discovery) or a provider. */
export type ServerAuth = TokenVerifier | RemoteAuthProvider;

/** The verifier of a server's `auth` option. */
export function verifierOf(auth: ServerAuth): TokenVerifier {
  return auth instanceof RemoteAuthProvider ? auth.tokenVerifier : auth;
}

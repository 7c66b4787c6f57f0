/**
 * Fixed tokens for development and tests. Tokens are compared by their SHA-256 digests, in
 * constant time, so that neither a map lookup nor an early-exit compare leaks how much of a
 * guess was right.
 *
 * @module
 */

import { type AccessToken, AuthError, type TokenVerifier } from "./access_token.ts";

/** What a static token stands for. */
export interface StaticToken {
  /** The client it speaks for. Default `"static"`. */
  clientId?: string;
  /** The user it speaks for. */
  subject?: string;
  /** Its scopes. */
  scopes?: string[];
  /** When it expires (seconds since the epoch). */
  expiresAt?: number;
  /** More claims (roles, say). */
  claims?: Record<string, unknown>;
}

/** Options of {@link StaticTokenVerifier}. */
export interface StaticTokenVerifierOptions {
  /** The accepted tokens and what each stands for. */
  tokens: Record<string, StaticToken>;
  /**
   * Let a server bound to a public address use it. Default false: static tokens are for
   * development, and `serve()` refuses them off loopback without this.
   */
  allowPublicBind?: boolean;
}

const encoder = new TextEncoder();

async function digest(token: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Accepts a fixed set of tokens.
 *
 * @example
 * ```ts
 * import { StaticTokenVerifier } from "@denomcp/denomcp/auth";
 * const verifier = new StaticTokenVerifier({
 *   tokens: { "dev-token": { subject: "alice", scopes: ["read", "write"] } },
 * });
 * console.log((await verifier.verify("dev-token")).subject); // "alice"
 * ```
 */
export class StaticTokenVerifier implements TokenVerifier {
  readonly #entries: Promise<{ digest: Uint8Array; token: StaticToken }[]>;
  /** True when a public bind was allowed. */
  readonly allowPublicBind: boolean;

  /** Creates the verifier. */
  constructor(options: StaticTokenVerifierOptions) {
    this.allowPublicBind = options.allowPublicBind ?? false;
    this.#entries = Promise.all(
      Object.entries(options.tokens).map(async ([token, value]) => ({
        digest: await digest(token),
        token: value,
      })),
    );
  }

  /** Verifies a bearer token: its access token, or an {@link AuthError} naming why not. */
  async verify(token: string): Promise<AccessToken> {
    const presented = await digest(token);
    let found: StaticToken | undefined;
    // Every entry is compared, whatever matched: the time taken says nothing about which.
    for (const entry of await this.#entries) if (sameBytes(entry.digest, presented)) found = entry.token;
    if (!found) throw new AuthError("invalid_token", "the token is not known");
    if (found.expiresAt !== undefined && found.expiresAt <= Date.now() / 1000) {
      throw new AuthError("invalid_token", "the token has expired");
    }
    return {
      token,
      clientId: found.clientId ?? "static",
      subject: found.subject,
      scopes: found.scopes ?? [],
      expiresAt: found.expiresAt,
      claims: { ...found.claims, sub: found.subject, scope: (found.scopes ?? []).join(" ") },
    };
  }
}

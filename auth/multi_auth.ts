/**
 * One server, several token sources: tokens from two identity providers, or JWTs from one and
 * opaque tokens from another, each verified by its own verifier, tried in order.
 *
 * Client ids are qualified by the name of the verifier that accepted the token
 * (`"<name>:<clientId>"`), because sessions, tasks and user state are keyed by the principal,
 * and two providers may well both have a client called `app`: unqualified, one provider's
 * client would reach the other's sessions. (FastMCP made the same change in 4.1.)
 *
 * A refusal says only that no verifier accepted the token, never which verifiers were asked or
 * what each said, so that it does not tell a caller which provider knows what.
 *
 * @module
 */

import { type AccessToken, AuthError, type TokenVerifier } from "./access_token.ts";

/** Options of {@link MultiAuth}. */
export interface MultiAuthOptions {
  /**
   * The verifiers, tried in this order. A record names each one; a list names them by their
   * index (`"0"`, `"1"`, …). The name qualifies the client ids of the tokens it accepts, so it
   * must not change once sessions exist, and must not hold a `:`.
   */
  verifiers: TokenVerifier[] | Record<string, TokenVerifier>;
}

/**
 * Accepts a token that any of several verifiers accepts; the first to accept wins, and the
 * client id becomes `"<name>:<clientId>"`.
 *
 * When none accepts: an `insufficient_scope` refusal if one verifier knew the token but found it
 * lacking (the most useful answer), else the failure of a verifier that could not answer (an
 * unreachable introspection endpoint, say: a plain `Error` the server logs), else
 * `invalid_token`. Put the cheap, local verifiers first: a remote one is asked only when those
 * refused.
 *
 * @example
 * ```ts
 * import { MultiAuth, StaticTokenVerifier } from "@denomcp/denomcp/auth";
 * const verifier = new MultiAuth({
 *   verifiers: {
 *     staff: new StaticTokenVerifier({ tokens: { "staff-token": { clientId: "app" } } }),
 *     partners: new StaticTokenVerifier({ tokens: { "partner-token": { clientId: "app" } } }),
 *   },
 * });
 * console.log((await verifier.verify("partner-token")).clientId); // "partners:app"
 * ```
 */
export class MultiAuth implements TokenVerifier {
  /**
   * Always empty: each verifier enforces its own required scopes, and a token need satisfy only
   * the verifier that accepts it (so a challenge asks for the scopes the server advertises).
   */
  readonly requiredScopes: readonly string[] = Object.freeze([]);
  readonly #verifiers: readonly (readonly [string, TokenVerifier])[];
  /** One qualified token per verified token, so that what is derived from it is derived once. */
  readonly #qualified = new WeakMap<AccessToken, AccessToken>();

  /** Creates the verifier; throws a TypeError for no verifiers, or a name that is empty or holds a `:`. */
  constructor(options: MultiAuthOptions) {
    const verifiers = Array.isArray(options.verifiers)
      ? options.verifiers.map((verifier, index) => [String(index), verifier] as const)
      : Object.entries(options.verifiers);
    if (verifiers.length === 0) throw new TypeError("MultiAuth: at least one verifier is required");
    for (const [name] of verifiers) {
      if (name === "" || name.includes(":")) {
        throw new TypeError(`MultiAuth: the verifier name '${name}' must be non-empty and hold no ':'`);
      }
    }
    this.#verifiers = verifiers;
  }

  /**
   * The first remembered acceptance, qualified, in the verifiers' order; undefined as soon as a
   * verifier cannot say synchronously (then `verify` decides, in order).
   */
  remembered(token: string): AccessToken | undefined {
    for (const [name, verifier] of this.#verifiers) {
      if (!verifier.remembered) return undefined;
      const accepted = verifier.remembered(token);
      if (accepted) return this.#qualify(name, accepted);
    }
    return undefined;
  }

  /** Verifies a bearer token with each verifier in turn: the first acceptance, qualified. */
  async verify(token: string): Promise<AccessToken> {
    let lacking: AuthError | undefined;
    const failures: unknown[] = [];
    for (const [name, verifier] of this.#verifiers) {
      let accepted: AccessToken;
      try {
        accepted = await verifier.verify(token);
      } catch (error) {
        if (!(error instanceof AuthError)) failures.push(error);
        else if (error.error === "insufficient_scope") lacking ??= error;
        continue;
      }
      return this.#qualify(name, accepted);
    }
    if (lacking) throw lacking;
    if (failures.length) throw failures[0];
    throw new AuthError("invalid_token", "no verifier accepted the token");
  }

  #qualify(name: string, accepted: AccessToken): AccessToken {
    let qualified = this.#qualified.get(accepted);
    if (!qualified) {
      qualified = { ...accepted, clientId: `${name}:${accepted.clientId}` };
      this.#qualified.set(accepted, qualified);
    }
    return qualified;
  }
}

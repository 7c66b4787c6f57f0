/**
 * Opaque upstream tokens checked by asking the provider's own API about them (GitHub's `/user`,
 * Google's `tokeninfo`, WorkOS's `userinfo`). The API is the operator's configuration, not a
 * client's input, so it is fetched directly (a GitHub Enterprise server may have a private
 * address), but bounded in time and bytes and without following redirects. Accepted tokens are
 * remembered briefly (never past their expiry), so a client calling tools in a row costs the
 * provider one request, and a token the provider has ended is refused within that time.
 *
 * @module
 */

import { readAtMost } from "../../protocol/bytes.ts";
import { type AccessToken, AuthError, checkScopes, type TokenVerifier } from "../access_token.ts";
import { TokenCache } from "../token_cache.ts";

/** How one provider's API is asked about a token, and what its answer means. */
export interface ApiCheck {
  /** The provider's name, for messages. */
  readonly provider: string;
  /** The request asking about `token` (it travels in a header or a body, never in a URL). */
  request(token: string): Request;
  /** The access token from a 200 answer; throws an `AuthError` when the answer refuses it. */
  read(token: string, body: Record<string, unknown>, headers: Headers): AccessToken;
}

/** Limits of {@link ApiVerifier}. */
export interface ApiVerifierOptions {
  /** Scopes (the provider's) every upstream token must carry. */
  readonly requiredScopes?: readonly string[];
  /** How long an accepted token is remembered, in ms. Default 60,000; 0 asks every time. */
  readonly cacheTtlMs?: number;
  /** Most tokens remembered. Default 1,000. */
  readonly cacheSize?: number;
  /** Longest a request may take, in ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Largest answer read, in bytes. Default 64 KiB. */
  readonly maxResponseBytes?: number;
}

/**
 * A `TokenVerifier` that asks the provider's API. A 400 or 401 answer refuses the token (an
 * `AuthError`, so the proxy tries a refresh); any other failure rejects with a plain `Error`
 * naming the status, never the token.
 */
export class ApiVerifier implements TokenVerifier {
  /** The provider scopes every token must carry. */
  readonly requiredScopes: readonly string[];
  readonly #cache: TokenCache;

  /** A verifier asking as `check` says, within `options`' limits. */
  constructor(private readonly check: ApiCheck, private readonly options: ApiVerifierOptions = {}) {
    this.requiredScopes = Object.freeze([...options.requiredScopes ?? []]);
    this.#cache = new TokenCache(options.cacheSize ?? 1_000, options.cacheTtlMs ?? 60_000);
  }

  /** A token accepted within the cache time, without a promise. */
  remembered(token: string): AccessToken | undefined {
    return this.#cache.get(token);
  }

  /** The provider's account of `token`, or why not. */
  verify(token: string): Promise<AccessToken> {
    return this.#cache.verified(token, (t) => this.#ask(t));
  }

  async #ask(token: string): Promise<AccessToken> {
    const { provider } = this.check;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const limit = this.options.maxResponseBytes ?? 64 * 1024;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let bytes: Uint8Array | undefined;
    try {
      res = await fetch(this.check.request(token), { redirect: "manual", signal });
      bytes = res.body ? await readAtMost(res.body, limit) : new Uint8Array();
    } catch (error) {
      const why = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      throw new Error(`${provider}'s API did not answer: ${why}`);
    }
    if (res.status === 400 || res.status === 401) {
      throw new AuthError("invalid_token", `${provider} does not accept the token`);
    }
    if (res.status !== 200) throw new Error(`${provider}'s API answered ${res.status}`);
    if (!bytes) throw new Error(`${provider}'s API answered more than ${limit} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      body = undefined;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new Error(`${provider}'s API answered 200 without a JSON object`);
    }
    const accessToken = this.check.read(token, body as Record<string, unknown>, res.headers);
    if (this.requiredScopes.length) checkScopes(accessToken, this.requiredScopes);
    return accessToken;
  }
}

/** A string claim of an answer, if it is a non-empty string or a number (GitHub's ids are numbers). */
export function idOf(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value ? value : undefined;
}

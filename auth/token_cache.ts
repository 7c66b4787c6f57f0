/**
 * Verified tokens remembered for a while, so that a client presenting the same token on every
 * request pays for the signature check once. Keyed by a fast 52-bit hash of the token, and a hit
 * counts only when the presented token equals the remembered one in a constant-time compare (a
 * SHA-256 per request, through `node:crypto`, cost more than the rest of the auth path and
 * loaded the garbage collector); an entry never outlives the
 * token's own `exp`, so expiry stays exact. Refusals are not remembered.
 *
 * @module
 */

import type { AccessToken } from "./access_token.ts";

/** A fast, non-cryptographic 52-bit hash (two FNV-1a lanes): a table key, never a proof. */
export function tokenKey(token: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

/**
 * Whether `presented` equals `known`, in time that depends on the presented token's length only
 * (so neither where they differ nor the known token's length shows).
 */
export function sameToken(known: string, presented: string): boolean {
  if (known.length === 0) return presented.length === 0;
  let diff = known.length ^ presented.length;
  for (let i = 0; i < presented.length; i++) {
    diff |= known.charCodeAt(i % known.length) ^ presented.charCodeAt(i);
  }
  return diff === 0;
}

/** A bounded map from token key to verified token. */
export class TokenCache {
  readonly #entries = new Map<number, { token: AccessToken; until: number }>();

  /** Creates a cache of at most `size` tokens, each kept at most `ttlMs`. */
  constructor(private readonly size: number, private readonly ttlMs: number) {}

  /** The verified token for `token`, if one is remembered and still valid. */
  get(token: string, key = tokenKey(token)): AccessToken | undefined {
    const entry = this.#entries.get(key);
    if (!entry || !sameToken(entry.token.token, token)) return undefined;
    if (entry.until <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /** Remembers a verified token until its expiry or the TTL, whichever comes first. */
  set(key: number, token: AccessToken): void {
    if (this.size <= 0 || this.ttlMs <= 0) return;
    const expires = token.expiresAt === undefined ? Infinity : token.expiresAt * 1000;
    const until = Math.min(expires, Date.now() + this.ttlMs);
    if (this.#entries.size >= this.size) {
      // The oldest entry goes first (a Map keeps insertion order).
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { token, until });
  }
}

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

/** Characters a key is made of: a token's tail (a JWT's signature, an opaque token's randomness). */
const KEY_CHARS = 64;

/**
 * A fast, non-cryptographic 52-bit hash (two FNV-1a lanes) of a token's length and last
 * {@link KEY_CHARS} characters: a table key, never a proof (a hit is confirmed by comparing the
 * whole token). Hashing all of a JWT cost ~2 µs a request here; tokens that share a tail only
 * share a slot, which costs a cache miss, never a wrong answer.
 */
export function tokenKey(token: string): number {
  let a = 0x811c9dc5 ^ token.length;
  let b = 0x01000193;
  for (let i = Math.max(0, token.length - KEY_CHARS); i < token.length; i++) {
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
  const m = known.length;
  if (m === 0) return presented.length === 0;
  let diff = m ^ presented.length;
  // The known token is walked cyclically; a wrapping index, not `i % m`: a division per character
  // made this compare cost more than the rest of a remembered token's check.
  for (let i = 0, j = 0; i < presented.length; i++) {
    diff |= known.charCodeAt(j) ^ presented.charCodeAt(i);
    if (++j === m) j = 0;
  }
  return diff === 0;
}

const UTF8 = new TextEncoder();
let scratch = new Uint8Array(4096);

/**
 * {@link sameToken} for a remembered token kept as UTF-8: the presented one is encoded natively
 * into a reused buffer and compared byte by byte, about 3× cheaper than `charCodeAt` on a JWT.
 */
function sameBytes(known: Uint8Array, presented: string): boolean {
  if (scratch.length < presented.length * 3) scratch = new Uint8Array(presented.length * 3);
  const { written } = UTF8.encodeInto(presented, scratch);
  const m = known.length;
  if (m === 0) return written === 0;
  let diff = m ^ written;
  for (let i = 0, j = 0; i < written; i++) {
    diff |= known[j] ^ scratch[i];
    if (++j === m) j = 0;
  }
  return diff === 0;
}

/** A bounded map from token key to verified token. */
export class TokenCache {
  readonly #entries = new Map<number, { token: AccessToken; bytes: Uint8Array; until: number }>();
  /** Verifications in flight, so that concurrent requests with one new token verify it once. */
  readonly #pending = new Map<number, { token: string; verified: Promise<AccessToken> }>();

  /** Creates a cache of at most `size` tokens, each kept at most `ttlMs`. */
  constructor(private readonly size: number, private readonly ttlMs: number) {}

  /** The verified token for `token`, if one is remembered and still valid. */
  get(token: string, key = tokenKey(token)): AccessToken | undefined {
    const entry = this.#entries.get(key);
    if (!entry || !sameBytes(entry.bytes, token)) return undefined;
    if (entry.until <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /**
   * The remembered token for `token`, else the one `verify` gives (remembered from then on); a
   * verification already in flight for the same token is shared, not repeated. Refusals are not
   * remembered.
   */
  verified(token: string, verify: (token: string) => Promise<AccessToken>): Promise<AccessToken> {
    const key = tokenKey(token);
    const known = this.get(token, key);
    if (known) return Promise.resolve(known);
    const pending = this.#pending.get(key);
    if (pending && sameToken(pending.token, token)) return pending.verified;
    const verified = verify(token).then((accessToken) => {
      this.set(key, accessToken);
      return accessToken;
    }).finally(() => {
      if (this.#pending.get(key)?.verified === verified) this.#pending.delete(key);
    });
    this.#pending.set(key, { token, verified });
    return verified;
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
    this.#entries.set(key, { token, bytes: UTF8.encode(token.token), until });
  }
}

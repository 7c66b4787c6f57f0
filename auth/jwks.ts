/**
 * A signing key set (RFC 7517 JWKS) published at a URL: fetched through the guarded fetcher
 * (bounded in bytes and time), cached, and fetched again on an unknown `kid` at most once per
 * cool-down, so that a key rotation is picked up and a stream of forged `kid`s is not a stream
 * of fetches. `JWTVerifier` and the OAuth proxy's identity assertion grant verify with it.
 *
 * @module
 */

import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  jwtVerify,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from "jose";
import { guardedFetch, type GuardedFetchOptions } from "./guarded_fetch.ts";

/** Asymmetric algorithms accepted with a key set unless configured otherwise. */
export const KEY_ALGORITHMS: readonly string[] = ["RS256", "PS256", "ES256", "EdDSA"];

/** Settings of a {@link RemoteKeySet}. */
export interface RemoteKeySetOptions {
  /** How long a fetched set is used before it is fetched again, in ms. Default 10 minutes. */
  cacheMs?: number;
  /** Least time between two fetches caused by unknown `kid`s (key rotation), in ms. Default 30 s. */
  cooldownMs?: number;
  /** Limits of the fetch. Default: 64 KiB. */
  fetch?: GuardedFetchOptions;
}

/** The key set could not be fetched or read; the message says why (never a token). */
export class KeySetUnavailableError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "KeySetUnavailableError";
  }
}

/** The keys at one JWKS URI. */
export class RemoteKeySet {
  #keys?: { keys: JWTVerifyGetKey; fetchedAt: number };
  #fetching?: Promise<JWTVerifyGetKey>;

  /** A key set at `uri` (checked to be a URL now, fetched on first use). */
  constructor(private readonly uri: string, private readonly options: RemoteKeySetOptions = {}) {
    new URL(uri);
  }

  /**
   * Verifies a JWT with these keys and jose's `options`; an unknown `kid` fetches the set again
   * (at most once per cool-down) and tries once more. Rejects with jose's error, or with
   * {@link KeySetUnavailableError} when the keys cannot be had.
   */
  async verify(token: string, options: JWTVerifyOptions): Promise<JWTVerifyResult> {
    try {
      return await jwtVerify(token, await this.#current(), options);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return await jwtVerify(token, await this.#current(true), options);
    }
  }

  #current(rotated = false): Promise<JWTVerifyGetKey> {
    const now = Date.now();
    const cached = this.#keys;
    const fresh = cached && now - cached.fetchedAt < (this.options.cacheMs ?? 600_000);
    const cooling = cached && now - cached.fetchedAt < (this.options.cooldownMs ?? 30_000);
    if (cached && (rotated ? cooling : fresh)) return Promise.resolve(cached.keys);
    return this.#fetching ??= this.#fetch().finally(() => (this.#fetching = undefined));
  }

  async #fetch(): Promise<JWTVerifyGetKey> {
    let jwks: JSONWebKeySet;
    try {
      const { status, text } = await guardedFetch(this.uri, { maxBytes: 64 * 1024, ...this.options.fetch });
      if (status !== 200) throw new Error(`status ${status}`);
      jwks = JSON.parse(text);
      if (!Array.isArray(jwks?.keys)) throw new Error("no keys array");
    } catch (error) {
      throw new KeySetUnavailableError(`the signing keys could not be fetched (${(error as Error).message})`);
    }
    const keys = createLocalJWKSet(jwks);
    this.#keys = { keys, fetchedAt: Date.now() };
    return keys;
  }
}

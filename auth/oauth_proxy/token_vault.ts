/**
 * Upstream tokens at rest: the OAuth proxy never hands them out, and keeps them in the store only
 * sealed with AES-256-GCM under a key derived (HKDF) from the configured secret, so that a store
 * read by someone else (a Redis snapshot, a KV backup) yields no usable token. Each record is
 * bound to its id as additional data: a sealed record moved under another id does not open.
 *
 * @module
 */

import { base64url, fromBase64url } from "./base64url.ts";
import { deriveKey } from "./keys.ts";

const encoder = new TextEncoder();
const IV_BYTES = 12;

/** Seals and opens the proxy's records of upstream tokens. */
export class TokenVault {
  private constructor(private readonly key: CryptoKey) {}

  /** A vault whose key is derived from `secret` (at least 32 bytes of it). */
  static async create(secret: string): Promise<TokenVault> {
    return new TokenVault(
      await deriveKey(secret, "upstream tokens", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]),
    );
  }

  /** `value` sealed under `id` (a fresh random IV each time). */
  async seal(id: string, value: unknown): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(id) },
      this.key,
      encoder.encode(JSON.stringify(value)),
    );
    const out = new Uint8Array(IV_BYTES + sealed.byteLength);
    out.set(iv);
    out.set(new Uint8Array(sealed), IV_BYTES);
    return base64url(out);
  }

  /** What `sealed` holds, or undefined when it was not sealed under `id` with this vault's key, or was altered. */
  async open(id: string, sealed: string): Promise<unknown> {
    const bytes = fromBase64url(sealed);
    if (!bytes || bytes.length <= IV_BYTES) return undefined;
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: encoder.encode(id) },
        this.key,
        bytes.subarray(IV_BYTES),
      );
      return JSON.parse(new TextDecoder().decode(plain));
    } catch {
      return undefined;
    }
  }
}

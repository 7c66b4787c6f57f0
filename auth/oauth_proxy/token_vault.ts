/**
 * Upstream tokens at rest: the OAuth proxy never hands them out, and keeps them in the store only
 * sealed with AES-256-GCM under a key derived (HKDF) from the configured secret, so that a store
 * read by someone else (a Redis snapshot, a KV backup) yields no usable token. Each record is
 * bound to its id as additional data: a sealed record moved under another id does not open.
 *
 * @module
 */

const encoder = new TextEncoder();
const IV_BYTES = 12;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - text.length % 4) % 4);
  try {
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Seals and opens the proxy's records of upstream tokens. */
export class TokenVault {
  private constructor(private readonly key: CryptoKey) {}

  /** A vault whose key is derived from `secret` (at least 32 bytes of it). */
  static async create(secret: string): Promise<TokenVault> {
    if (encoder.encode(secret).length < 32) throw new TypeError("the token secret must be at least 32 bytes");
    const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: encoder.encode("denomcp oauth proxy"),
        info: encoder.encode("upstream tokens"),
      },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    return new TokenVault(key);
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

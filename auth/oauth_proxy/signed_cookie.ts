/**
 * Cookies the OAuth proxy signs: the CSRF double-submit token, the consent binding checked at the
 * callback, and remembered approvals. Each purpose has its own HMAC-SHA-256 key derived (HKDF)
 * from the configured secret, so a value signed for one purpose never verifies for another;
 * verification is `crypto.subtle.verify`, which compares in constant time. Cookies are
 * `__Host-` prefixed: Secure, path `/`, no Domain, so no other host or path can set them.
 *
 * @module
 */

import { base64url, fromBase64url } from "./base64url.ts";
import { deriveKey } from "./keys.ts";

const encoder = new TextEncoder();

/** Signs and verifies the values of one purpose's cookies. */
export class CookieSigner {
  private constructor(private readonly key: CryptoKey) {}

  /** A signer for `purpose`, its key derived from `secret` (at least 32 bytes of it). */
  static async create(secret: string, purpose: string): Promise<CookieSigner> {
    return new CookieSigner(
      await deriveKey(secret, `cookie: ${purpose}`, { name: "HMAC", hash: "SHA-256", length: 256 }, [
        "sign",
        "verify",
      ]),
    );
  }

  /** `value` with its signature (`value.signature`). */
  async sign(value: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", this.key, encoder.encode(value));
    return `${value}.${base64url(mac)}`;
  }

  /** The value a signed string carries, or undefined when the signature does not verify. */
  async verify(signed: string): Promise<string | undefined> {
    const dot = signed.lastIndexOf(".");
    if (dot < 0) return undefined;
    const value = signed.slice(0, dot);
    const mac = fromBase64url(signed.slice(dot + 1));
    if (!mac) return undefined;
    return await crypto.subtle.verify("HMAC", this.key, mac, encoder.encode(value)) ? value : undefined;
  }
}

/** A `Set-Cookie` value for a `__Host-` cookie (HttpOnly, SameSite=Lax); `maxAgeSeconds` 0 deletes it. */
export function hostCookie(name: string, value: string, maxAgeSeconds: number): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new TypeError(`cookie name '${name}' must be letters, digits, _ or -`);
  }
  if (!/^[A-Za-z0-9._~-]*$/.test(value)) throw new TypeError("a cookie value must be URL-safe characters");
  return `__Host-${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

/** The value of the `__Host-` cookie `name` in a `Cookie` header, if present. */
export function readHostCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === `__Host-${name}`) return part.slice(eq + 1).trim();
  }
  return undefined;
}

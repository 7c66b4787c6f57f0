/**
 * The proxy's keys, each derived (HKDF-SHA-256) from the one configured secret and a purpose, so
 * that a value made for one purpose is useless for every other.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A key for `purpose` from `secret` (at least 32 bytes of it). */
export async function deriveKey(
  secret: string,
  purpose: string,
  algorithm: HmacKeyGenParams | AesKeyGenParams,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  if (encoder.encode(secret).length < 32) throw new TypeError("the proxy's secret must be at least 32 bytes");
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: encoder.encode("denomcp oauth proxy"),
      info: encoder.encode(purpose),
    },
    base,
    algorithm,
    false,
    usages,
  );
}

/**
 * The bearer tokens of the auth benchmark targets: a static token, and a JWT signed with a key
 * kept here for the benchmark only (its public half is what `bench/servers/add_auth.ts` publishes
 * as a JWKS). Never use this key for anything else.
 *
 * @module
 */

import { importJWK, SignJWT } from "jose";

/** The benchmark's signing key (ES256), private half. Published in the repository: a benchmark key only. */
export const BENCH_PRIVATE_JWK = {
  kty: "EC",
  crv: "P-256",
  d: "YJo5zm0jlAg0OUnURJ2Wa5PxF3e8ayLLr6BLhqxXZkw",
  x: "VfZPxnCs6PnTvlcsGT7860-k-k8IfuSgxb2iVmwPJcQ",
  y: "QOhBruUcgJ2o6VHzCgfEcqqWxml8wfrR-F8xS8ZgeBw",
  kid: "bench",
  alg: "ES256",
};

/** Its public half, as the JWKS publishes it. */
export const BENCH_PUBLIC_JWK = { ...BENCH_PRIVATE_JWK, d: undefined };

/** Issuer, audience and the static token the auth targets use. */
export const BENCH_ISSUER = "https://idp.bench.invalid";
export const BENCH_AUDIENCE = "https://mcp.bench.invalid/mcp";
export const BENCH_STATIC_TOKEN = "bench-static-token";

/** A JWT access token for the benchmark audience, valid for a day. */
export async function benchJwt(): Promise<string> {
  const key = await importJWK(BENCH_PRIVATE_JWK, "ES256");
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ scope: "mcp", client_id: "bench" })
    .setProtectedHeader({ alg: "ES256", kid: "bench", typ: "at+jwt" })
    .setIssuer(BENCH_ISSUER)
    .setAudience(BENCH_AUDIENCE)
    .setSubject("bench-user")
    .setIssuedAt(now)
    .setExpirationTime(now + 86_400)
    .sign(key);
}

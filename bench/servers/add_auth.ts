/**
 * Benchmark server: the `add` server behind bearer auth. `AUTH=static` verifies a
 * StaticTokenVerifier token; `AUTH=jwt` verifies ES256 JWTs against a JWKS this process
 * publishes on another loopback port (fetched once, then cached, as in production).
 *
 *   PORT=8123 AUTH=jwt deno run -A bench/servers/add_auth.ts
 *
 * @module
 */

import { JWTVerifier, StaticTokenVerifier, type TokenVerifier } from "../../mod.ts";
import { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_PUBLIC_JWK, BENCH_STATIC_TOKEN } from "../lib/auth.ts";
import { serveAdd } from "./add_server.ts";

function verifier(): TokenVerifier {
  if (Deno.env.get("AUTH") === "static") {
    return new StaticTokenVerifier({
      tokens: { [BENCH_STATIC_TOKEN]: { subject: "bench-user", scopes: ["mcp"] } },
    });
  }
  const jwks = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ keys: [BENCH_PUBLIC_JWK] }),
  );
  return new JWTVerifier({
    jwksUri: `http://127.0.0.1:${jwks.addr.port}/jwks`,
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    algorithms: ["ES256"],
  });
}

serveAdd({ name: "bench-add-auth", options: { auth: verifier() } });

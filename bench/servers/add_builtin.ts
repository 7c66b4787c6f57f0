/**
 * Benchmark server: the `add` server with one built-in middleware. `MIDDLEWARE=cache` answers
 * repeated calls from a ResponseCachingMiddleware (the load repeats one call: hits after the first);
 * `MIDDLEWARE=ratelimit` counts every call in a RateLimitingMiddleware far above the load (never
 * refuses), its buckets in the store `STORE` names (memory by default, `kv` for a temporary KV file).
 *
 *   PORT=8123 MIDDLEWARE=ratelimit STORE=kv deno run -A --unstable-kv bench/servers/add_builtin.ts
 *
 * @module
 */

import { type Middleware, RateLimitingMiddleware, ResponseCachingMiddleware } from "../../mod.ts";
import { serveAdd } from "./add_server.ts";

const which = Deno.env.get("MIDDLEWARE");
const middleware: Middleware = which === "cache"
  ? new ResponseCachingMiddleware()
  : new RateLimitingMiddleware({ maxRequestsPerSecond: 1e9, burstCapacity: 1e9 });
const store = Deno.env.get("STORE") === "kv" ? `${await Deno.makeTempDir()}/bench.kv` : undefined;

serveAdd({ name: `bench-add-${which}`, options: { middleware: [middleware], store } });

/**
 * Benchmark server: a proxy (`createProxy`) in front of the `add` server, both on loopback. The
 * upstream runs as a child process (bench/servers/add.ts on a port of its own), so the CPU the
 * bench reads for this process is the proxy's alone: pair it with `denomcp-modern` (the upstream
 * answering directly) for the per-call cost of a proxy hop. `UPSTREAM_ERA=legacy` has the proxy
 * reach its upstream over a 2025 session instead of stateless 2026-07-28 requests;
 * `UPSTREAM_FETCH=1` has its client use `fetch` instead of its own keep-alive HTTP/1.1.
 *
 *   PORT=8123 deno run -A bench/servers/proxy.ts
 *
 * @module
 */

import { createProxy } from "../../mod.ts";
import { startUpstream, stopWith } from "../lib/upstream.ts";

const port = Number(Deno.env.get("PORT") ?? "8000");
const upstream = await startUpstream();
const negotiation = Deno.env.get("UPSTREAM_ERA") === "legacy" ? "legacy" : "auto";
const viaFetch = Deno.env.get("UPSTREAM_FETCH") === "1";
const proxy = createProxy(upstream.url, {
  name: "bench-proxy",
  logLevel: "warning",
  client: { negotiation, ...(viaFetch ? { fetch: (input, init) => fetch(input, init) } : {}) },
});
proxy.serve({ hostname: "127.0.0.1", port, onListen() {} });
stopWith(upstream, () => proxy.close());

/**
 * Benchmark floor for a proxy hop: `Deno.serve` that forwards each POST, byte for byte, to the
 * `add` server over pooled keep-alive sockets (bench/lib/raw_http.ts: the least an HTTP client in
 * Deno userland can do) and hands the answer back. No MCP work at all. Its CPU per request beside
 * `denomcp-modern`'s is the cheapest a proxy written in Deno can be; `denomcp-proxy` is read
 * against both. `FORWARD=fetch` forwards with `fetch` instead.
 *
 *   PORT=8123 deno run -A bench/servers/floor_proxy.ts
 *
 * @module
 */

import { RawHttp } from "../lib/raw_http.ts";
import { startUpstream, stopWith } from "../lib/upstream.ts";

const port = Number(Deno.env.get("PORT") ?? "8000");
const upstream = await startUpstream();
const raw = new RawHttp(upstream.url);
const viaFetch = Deno.env.get("FORWARD") === "fetch";
const FORWARDED = ["content-type", "accept", "mcp-protocol-version", "mcp-method", "mcp-name"];

function forwarded(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = req.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  if (req.method !== "POST") return new Response(null, { status: 405 });
  if (viaFetch) {
    const answer = await fetch(upstream.url, {
      method: "POST",
      headers: forwarded(req),
      body: await req.bytes(),
    });
    return new Response(await answer.bytes(), { status: answer.status, headers: answer.headers });
  }
  const answer = await raw.post(forwarded(req), await req.bytes());
  return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.type } });
});
stopWith(upstream, async () => {
  raw.close();
  await server.shutdown();
});

/**
 * Per-call CPU of the client side of a call, beside the server's: the `add` server runs as a
 * child process; this process calls it N times at a few concurrencies, over raw kept-alive
 * sockets (bench/lib/raw_http.ts, the floor), with a bare `fetch` and with our `Client`, and reads
 * both processes' CPU. It shows what a proxy hop costs before any MCP work: the HTTP client.
 *
 *   deno task bench:client [--calls 5000]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client } from "../client.ts";
import { RawHttp } from "./lib/raw_http.ts";
import { cpuSeconds } from "./lib/server.ts";
import { startUpstream } from "./lib/upstream.ts";

const { values } = parseArgs({ options: { calls: { type: "string", default: "5000" } } });
const calls = Number(values.calls);
const { url, process: server } = await startUpstream();

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
const headers = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2026-07-28",
  "mcp-method": "tools/call",
  "mcp-name": "add",
};
const callBody = (id: number) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "add", arguments: { a: 1, b: 2 }, _meta: meta },
  });
const bareFetch = async (id: number) => {
  await (await fetch(url, { method: "POST", headers, body: callBody(id) })).text();
};
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const raw = new RawHttp(url);
const rawSocket = async (id: number) => {
  const answer = await raw.post(headers, encoder.encode(callBody(id)));
  JSON.parse(decoder.decode(answer.body));
};
const client = new Client(url, { negotiation: "auto" });
await client.connect();
const viaClient = async () => void await client.callToolResult("add", { a: 1, b: 2 });

async function measure(one: (id: number) => Promise<void>, concurrency: number) {
  let next = 0;
  const drive = () =>
    Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < calls) await one(next++);
    }));
  await drive(); // warm-up
  next = 0;
  const [c0, s0, t0] = [cpuSeconds("self"), cpuSeconds(server.pid), performance.now()];
  await drive();
  const seconds = (performance.now() - t0) / 1000;
  return {
    rate: calls / seconds,
    client: (cpuSeconds("self") - c0) / calls * 1e6,
    server: (cpuSeconds(server.pid) - s0) / calls * 1e6,
  };
}

console.log(`# client-side CPU per call, ${calls} calls each; server = the add server answering them`);
console.log("| client | concurrency | calls/s | client CPU µs/call | server CPU µs/call | client ÷ server |");
console.log("|---|---:|---:|---:|---:|---:|");
const clients = [
  ["raw socket (floor)", rawSocket],
  ["bare fetch", bareFetch],
  ["denomcp Client", viaClient],
] as const;
for (const [name, one] of clients) {
  for (const concurrency of [1, 8, 32]) {
    const m = await measure(one, concurrency);
    console.log(
      `| ${name} | ${concurrency} | ${m.rate.toFixed(0)} | ${m.client.toFixed(0)} | ${
        m.server.toFixed(0)
      } | ${(m.client / m.server).toFixed(2)} |`,
    );
  }
}
await client.close();
raw.close();
server.kill("SIGTERM");
await server.status;

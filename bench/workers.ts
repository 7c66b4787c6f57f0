/**
 * The worker pool's cost and scaling, in process (no HTTP in the way):
 *
 * 1. Added latency: a trivial synchronous tool called in the pool versus inline
 *    (`runInThread: false`), one call at a time; median and p99 of each, and the difference.
 * 2. Scaling: N concurrent calls of a CPU-bound tool (each spins `--spin` ms) for N = 1 … pool
 *    size, as calls per second and as a multiple of N = 1.
 *
 *   deno task bench:workers                      # pool size = cores − 1 (at least 1)
 *   deno task bench:workers --size 2 --spin 50
 *
 * It reports; it never passes or fails on speed.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { FastMCP } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    size: { type: "string" },
    calls: { type: "string", default: "2000" },
    spin: { type: "string", default: "40" },
    rounds: { type: "string", default: "5" },
  },
});
const calls = Number(values.calls);
const spinMs = Number(values.spin);
const rounds = Number(values.rounds);

export const mcp = new FastMCP({
  name: "bench-workers",
  logLevel: "error",
  limits: values.size ? { workerPoolSize: Number(values.size) } : {},
});
mcp.tool("noop_pool", () => "ok");
mcp.tool("noop_inline", { runInThread: false }, () => "ok");
mcp.tool("burn", { input: { type: "object", properties: { ms: { type: "number" } } } }, (args) => {
  const end = performance.now() + Number(args.ms);
  while (performance.now() < end) { /* busy */ }
  return "burnt";
});

const body = (id: number, name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: {
      name,
      arguments: args,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
      },
    },
  });

async function callTool(id: number, name: string, args?: Record<string, unknown>): Promise<void> {
  const text = body(id, name, args);
  const res = await mcp.fetch(
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": String(new TextEncoder().encode(text).byteLength),
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": name,
      },
      body: text,
    }),
  );
  const out = await res.json();
  if (out.result?.isError || out.error) throw new Error(`${name} failed: ${JSON.stringify(out)}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function latency(name: string): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < 200; i++) await callTool(i, name); // warm-up (starts the pool)
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await callTool(i, name);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function throughput(n: number): Promise<number> {
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => callTool(i, "burn", { ms: spinMs })));
    perRound.push((n * 1000) / (performance.now() - t));
  }
  perRound.sort((a, b) => a - b);
  return perRound[Math.floor(perRound.length / 2)];
}

// Pool workers import this module to find its tools: only the main isolate runs the bench.
if (import.meta.main) {
  const inline = await latency("noop_inline");
  const pooled = await latency("noop_pool");
  const size = mcp.limits.workerPoolSize;
  console.log(
    `# worker pool bench: ${calls} sequential calls per latency row; pool size ${size}; burn = ${spinMs} ms`,
  );
  console.log("| trivial sync tool | median ms | p99 ms |");
  console.log("|---|---:|---:|");
  console.log(`| inline (runInThread: false) | ${inline.median.toFixed(3)} | ${inline.p99.toFixed(3)} |`);
  console.log(`| in the pool | ${pooled.median.toFixed(3)} | ${pooled.p99.toFixed(3)} |`);
  console.log(
    `| **added by the pool** | **${(pooled.median - inline.median).toFixed(3)}** | ${
      (pooled.p99 - inline.p99).toFixed(3)
    } |`,
  );
  console.log("");
  await callTool(0, "burn", { ms: 1 });
  const one = await throughput(1);
  console.log("| concurrent CPU-bound calls (N) | calls/s (median of rounds) | × N = 1 | ideal × |");
  console.log("|---:|---:|---:|---:|");
  for (let n = 1; n <= Math.max(size, 1) + 1; n++) {
    const rate = n === 1 ? one : await throughput(n);
    console.log(`| ${n} | ${rate.toFixed(1)} | ${(rate / one).toFixed(2)} | ${Math.min(n, size)} |`);
  }
  await mcp.close();
}

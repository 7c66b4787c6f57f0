/**
 * Code Mode's costs, in one run: how long a sandbox takes to start, what `execute` adds over a
 * direct `tools/call` (with a warm sandbox and without), what one `callTool()` from code costs
 * over the same call made directly, and how soon a cancelled or timed-out execution's process is
 * gone. Medians over `--rounds` (default 20). Times are this machine's; the ratios to the direct
 * call measured in the same run are what compare across machines.
 *
 *   deno task bench:code-mode [--rounds 20]
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate

import { parseArgs } from "node:util";
import { z } from "zod";
import { Client } from "../client.ts";
import { CodeMode, FastMCP } from "../mod.ts";
import { Sandbox } from "../server/code_mode/sandbox.ts";
import { fmt, median } from "./lib/stats.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "20" } } });
const rounds = Number(values.rounds);

function server(warmSandboxes: number): { mcp: FastMCP; pids: number[] } {
  const pids: number[] = [];
  const mcp = new FastMCP({ name: "bench", logger: () => {}, runInThread: false });
  mcp.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => a + b);
  mcp.tool("report", { input: z.object({ pid: z.number() }) }, async ({ pid }) => {
    pids.push(pid);
    return "ok";
  });
  mcp.addTransform(new CodeMode({ warmSandboxes, timeoutMs: 1_000, maxToolCalls: null }));
  return { mcp, pids };
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await f();
  return performance.now() - started;
}

/** The median time of `f`, with `pauseMs` between runs (a model's turn between two executions). */
async function medianOf(f: () => Promise<unknown>, pauseMs = 0): Promise<number> {
  await f(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, pauseMs));
    times.push(await timed(f));
  }
  return median(times);
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

async function goneAfter(pid: number, since: number): Promise<number> {
  while (alive(pid)) await new Promise((r) => setTimeout(r, 1));
  return performance.now() - since;
}

const start = await medianOf(async () => {
  const sandbox = new Sandbox({ denoPath: Deno.execPath(), memoryLimitMb: 100, maxMessageBytes: 1 << 20 });
  await sandbox.ready;
  sandbox.kill();
  await sandbox.closed();
});

const rows: [string, number, string][] = [["sandbox start (spawn to ready)", start, ""]];
for (const warm of [1, 0]) {
  const { mcp } = server(warm);
  await using client = new Client(mcp, { negotiation: "legacy" });
  const direct = await medianOf(() => client.callTool("add", { a: 1, b: 2 }));
  const one = () => client.callTool("execute", { code: `await callTool("add", { a: 1, b: 2 })` });
  let spaced = NaN;
  if (warm === 1) {
    rows.push(["direct tools/call (floor)", direct, "1.0×"]);
    spaced = await medianOf(one, 200);
    rows.push([
      "execute with 1 callTool, warm sandbox ready (200 ms apart)",
      spaced,
      `${fmt(spaced / direct, 0)}×`,
    ]);
  }
  const backToBack = await medianOf(one);
  rows.push([
    `execute with 1 callTool, back to back, warmSandboxes ${warm}`,
    backToBack,
    `${fmt(backToBack / direct, 0)}×`,
  ]);
  if (warm === 1) {
    const hundred = await medianOf(() =>
      client.callTool("execute", {
        code: `let s = 0; for (let i = 0; i < 101; i++) s = Number(await callTool("add", { a: s, b: 1 })); s`,
      }), 200);
    const perCall = (hundred - spaced) / 100;
    rows.push(["one more callTool inside execute", perCall, `${fmt(perCall / direct, 1)}×`]);
  }
  await mcp.close();
}

const { mcp, pids } = server(1);
await using client = new Client(mcp, { negotiation: "legacy" });
const cancels: number[] = [];
const timeouts: number[] = [];
for (let i = 0; i < Math.min(rounds, 10); i++) {
  const abort = new AbortController();
  const before = pids.length;
  const execution = client.callTool("execute", {
    code: `await callTool("report", { pid: Deno.pid }); while (true) {}`,
  }, {
    signal: abort.signal,
  }).catch(() => {});
  while (pids.length === before) await new Promise((r) => setTimeout(r, 1));
  const cancelled = performance.now();
  abort.abort();
  cancels.push(await goneAfter(pids.at(-1)!, cancelled));
  await execution;

  const started = performance.now();
  const timedOut = client.callTool("execute", {
    code: `await callTool("report", { pid: Deno.pid }); while (true) {}`,
  })
    .catch(() => {});
  while (pids.length === before + 1) await new Promise((r) => setTimeout(r, 1));
  const gone = await goneAfter(pids.at(-1)!, started);
  timeouts.push(gone - 1_000);
  await timedOut;
}
rows.push(["process gone after a cancel", median(cancels), ""]);
rows.push(["process gone after the 1,000 ms time limit (beyond it)", median(timeouts), ""]);
await mcp.close();

console.log(`\nCode Mode, medians of ${rounds} rounds (ms)\n`);
console.log("| measure | ms | vs direct call |\n|---|---:|---:|");
for (const [name, ms, ratio] of rows) console.log(`| ${name} | ${fmt(ms, 1)} | ${ratio} |`);

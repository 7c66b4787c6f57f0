/**
 * HTTP throughput of denomcp against a bare `Deno.serve` floor, driven by wrk.
 *
 *   deno task bench                                  # 3 rounds × 5 s, every target
 *   deno task bench --seconds 10 --rounds 5
 *   deno task bench denomcp-modern                   # only some targets (the floor is always paired)
 *
 * For every round and every target, the floor and the target run one after the other (floor
 * first in odd rounds, last in even rounds), each in its own server process on a free port.
 * Before and after each measured run, one `tools/call add` is checked (HTTP 200, plain JSON
 * rather than SSE, the right id and sum). The reported ratio is the median of the per-pair
 * ratios target ÷ floor, so that drift of a shared machine cancels out. Server CPU is the
 * utime+stime of the server process (all threads) over the measured run, divided by requests.
 *
 * Nothing here passes or fails on absolute speed: it prints a table and writes the raw
 * figures as JSON under /tmp/denomcp-bench/. A run counts as bad (left out of the medians) if a
 * check fails, wrk reports a socket error, or any response was not 2xx; the exit code is then 1.
 * Exits 2 without wrk or on a bad option.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CallStyle } from "./lib/check.ts";
import { benchMeta, chosen, finish, LOAD_FLAGS, loadOptions, openOutput, usageError } from "./lib/cli.ts";
import { loadFigures, measureServer } from "./lib/measure.ts";
import type { ServerSpec } from "./lib/server.ts";
import {
  type BaseRun,
  markdownTable,
  pairedRounds,
  runLine,
  type Speed,
  speedColumns,
  summarize,
  type Tail,
  tailColumns,
} from "./lib/stats.ts";
import { requireWrk, socketErrors } from "./lib/wrk.ts";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const PROG = "bench";

/** One server configuration and the way the client talks to it. */
interface Target extends CallStyle {
  name: string;
  desc: string;
  /** Server program, relative to bench/. */
  server: string;
}

const TARGETS: Target[] = [
  {
    name: "floor",
    desc: "bare Deno.serve, parses the JSON-RPC body and answers directly (no MCP library)",
    server: "servers/floor.ts",
    wire: "legacy",
    session: false,
  },
  {
    name: "denomcp-modern",
    desc: "denomcp, stateless 2026-07-28 tools/call (_meta envelope, Mcp-Method/Mcp-Name headers)",
    server: "servers/add.ts",
    wire: "modern",
    session: false,
  },
  {
    name: "denomcp-session",
    desc: "denomcp, 2025-11-25 session: initialize once, mcp-session-id on every call",
    server: "servers/add.ts",
    wire: "legacy",
    session: true,
  },
];

/** What one measured run produced. */
interface Run extends BaseRun {
  target: string;
  port?: number;
  framing?: string;
  requests?: number;
  p90Ms?: number;
  maxMs?: number;
  non2xx?: number;
  socketErrors?: number;
  /** For a target run: req/s of the floor run next to it. */
  pairFloorRps?: number;
  /** For a floor run: the target it was paired with. */
  pairedWith?: string;
}

// ---------- options ----------

const args = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    ...LOAD_FLAGS,
    "server-flags": { type: "string", default: "" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.values.help) {
  console.log(`usage: deno task bench [--seconds S] [--rounds N] [--warmup S] [--conns C] [--threads T]
                       [--server-flags="DENO FLAGS"] [target ...]
targets: ${TARGETS.map((t) => t.name).join(", ")} (default: all; the floor is always included)
--server-flags: extra \`deno run\` flags for the denomcp servers only (not the floor), for A/B experiments,
                e.g. --server-flags="--v8-flags=--no-allocation-site-pretenuring" (note the =)`);
  Deno.exit(0);
}
const opt = {
  ...loadOptions(PROG, args.values),
  serverFlags: args.values["server-flags"].split(/\s+/).filter(Boolean),
};
const floor = TARGETS[0];
const others = chosen(PROG, "target", args.positionals, TARGETS).filter((t) => t !== floor);
if (others.length === 0) usageError(PROG, "name at least one target besides the floor");

// ---------- one run ----------

function serverSpec(t: Target): ServerSpec {
  return { program: BENCH_DIR + t.server, denoFlags: t === floor ? [] : opt.serverFlags };
}

async function measure(t: Target, round: number, log: Deno.FsFile): Promise<Run> {
  const m = await measureServer(`${t.name} round ${round}`, serverSpec(t), t, opt, log, 5000);
  const run: Run = { target: t.name, round, ok: false, port: m.port };
  if (m.framing !== undefined) run.framing = m.framing;
  if (m.rssMiB !== undefined) run.rssMiB = m.rssMiB;
  if (m.load) {
    Object.assign(run, loadFigures(m.load, true));
    run.non2xx = m.load.w.non2xx;
    run.socketErrors = socketErrors(m.load.w);
  }
  if (m.error !== undefined) run.error = m.error;
  run.ok = run.error === undefined;
  console.error(runLine(run, run.target, 16));
  return run;
}

// ---------- statistics and table ----------

type Row = { target: string; desc: string; framing: string } & Speed & Tail;

function summarizeTarget(t: Target, runs: Run[]): Row {
  const { good, speed, tail } = summarize(runs, t === floor, (r) => r.pairFloorRps);
  return { target: t.name, desc: t.desc, framing: good[0]?.framing ?? "-", ...speed, ...tail };
}

function table(rows: Row[]): string {
  return markdownTable<Row>([
    { title: "target", cell: (r) => r.target },
    { title: "framing", cell: (r) => r.framing },
    ...speedColumns<Row>("floor"),
    ...tailColumns<Row>(),
  ], rows);
}

// ---------- main ----------

await requireWrk(PROG);
const { jsonPath, logPath, log } = await openOutput("http");

console.error(
  `# denomcp bench: ${
    others.map((t) => t.name).join(", ")
  }, each paired with the floor; ${opt.rounds} round(s) × ` +
    `${opt.seconds} s (warm-up ${opt.warmup} s), wrk -t${opt.threads} -c${opt.conns}` +
    (opt.serverFlags.length ? `; denomcp server flags: ${opt.serverFlags.join(" ")}` : "") +
    `; server logs in ${logPath}`,
);

// The floor runs first in odd rounds and last in even ones, next to every target in turn.
const results = await pairedRounds(
  floor,
  others,
  opt.rounds,
  "pairFloorRps",
  (t: Target, round: number) => measure(t, round, log),
);
log.close();

const rows = [floor, ...others].map((t) => summarizeTarget(t, results.get(t.name)!));
const md = table(rows);
await finish(
  jsonPath,
  { meta: benchMeta(opt), targets: [floor, ...others], rows, runs: Object.fromEntries(results) },
  md,
  "\nratio = median over rounds of target req/s ÷ the floor run next to it; CPU µs per req = server utime+stime " +
    "over the measured run ÷ requests. Issue targets: ratio ≥ 0.80, ≤ 12 µs CPU per call.",
  results,
  (r) => r.target,
);

/**
 * HTTP throughput of denomcp against a bare `Deno.serve` floor, driven by wrk.
 *
 *   deno task bench                                  # 3 rounds × 5 s, every target
 *   deno task bench --seconds 10 --rounds 5
 *   deno task bench denomcp-modern                   # only some targets (the floor is always paired)
 *   deno task bench --baseline /tmp/denomcp-base     # also base-modern and base-session: the add server
 *                                                    # of another checkout, with that checkout's deno.json
 *
 * For every round and every target, the floor and the target run one after the other (floor
 * first in odd rounds, last in even rounds), each in its own server process on a free port.
 * Before and after each measured run, one `tools/call add` is checked (HTTP 200, plain JSON
 * rather than SSE, the right id and sum). The reported ratio is the median of the per-pair
 * ratios target ÷ floor, so that drift of a shared machine cancels out. Server CPU is the
 * utime+stime of the server process (all threads) over the measured run, divided by requests.
 *
 * A second table compares targets with the one they stand against (denomcp-* with base-* from
 * `--baseline`, denomcp-mw3-* with denomcp-*) when both ran: per round, the ratio of their ratios
 * to their own floor runs, the plain ratio of their req/s, and the ratio of their CPU µs per
 * request; the medians over rounds.
 *
 * Nothing here passes or fails on absolute speed: it prints a table and writes the raw
 * figures as JSON under /tmp/denomcp-bench/. A run counts as bad (left out of the medians) if a
 * check fails, wrk reports a socket error, or any response was not 2xx; the exit code is then 1.
 * Exits 2 without wrk or on a bad option.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CallStyle } from "./lib/check.ts";
import { benchMeta, chosen, finish, LOAD_FLAGS, loadOptions, openOutput, usageError } from "./lib/cli.ts";
import { loadFigures, measureServer } from "./lib/measure.ts";
import type { ServerSpec } from "./lib/server.ts";
import { BENCH_STATIC_TOKEN, benchJwt } from "./lib/auth.ts";
import {
  type BaseRun,
  fmt,
  markdownTable,
  pairedRounds,
  type Relative,
  relative,
  runLine,
  type Speed,
  speedColumns,
  spread,
  summarize,
  type Tail,
  tailColumns,
} from "./lib/stats.ts";
import { requireWrk, socketErrors } from "./lib/wrk.ts";

/** This checkout (the folder that holds bench/ and deno.json). */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PROG = "bench";

/** One server configuration and the way the client talks to it. */
interface Target extends CallStyle {
  name: string;
  desc: string;
  /** Server program, relative to bench/ of `root`. */
  server: string;
  /** The checkout whose server program and deno.json run (default: this one). */
  root?: string;
  /** The target this one is compared with in the second table, when both run. */
  vs?: string;
  /** Environment of the server program. */
  env?: Record<string, string>;
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
    vs: "base-modern",
  },
  {
    name: "denomcp-session",
    desc: "denomcp, 2025-11-25 session: initialize once, mcp-session-id on every call",
    server: "servers/add.ts",
    wire: "legacy",
    session: true,
    vs: "base-session",
  },
  {
    name: "denomcp-auth-static",
    desc: "denomcp-modern behind a StaticTokenVerifier (bench/servers/add_auth.ts, AUTH=static)",
    server: "servers/add_auth.ts",
    wire: "modern",
    session: false,
    token: BENCH_STATIC_TOKEN,
    env: { AUTH: "static" },
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-auth-jwt",
    desc:
      "denomcp-modern behind a JWTVerifier, ES256 with a cached JWKS (bench/servers/add_auth.ts, AUTH=jwt)",
    server: "servers/add_auth.ts",
    wire: "modern",
    session: false,
    token: await benchJwt(),
    env: { AUTH: "jwt" },
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-cache",
    desc:
      "denomcp-modern answered from a ResponseCachingMiddleware (bench/servers/add_builtin.ts, MIDDLEWARE=cache)",
    server: "servers/add_builtin.ts",
    wire: "modern",
    session: false,
    env: { MIDDLEWARE: "cache" },
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-ratelimit",
    desc: "denomcp-modern through a RateLimitingMiddleware on the memory store (add_builtin.ts)",
    server: "servers/add_builtin.ts",
    wire: "modern",
    session: false,
    env: { MIDDLEWARE: "ratelimit" },
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-ratelimit-kv",
    desc: "denomcp-modern through a RateLimitingMiddleware on a Deno KV file (add_builtin.ts, STORE=kv)",
    server: "servers/add_builtin.ts",
    wire: "modern",
    session: false,
    env: { MIDDLEWARE: "ratelimit", STORE: "kv" },
    vs: "denomcp-modern",
  },
  {
    name: "floor-proxy",
    desc:
      "bare Deno.serve forwarding each POST byte for byte to denomcp-modern over kept-alive Deno.connect sockets: the least a Deno proxy hop costs (servers/floor_proxy.ts)",
    server: "servers/floor_proxy.ts",
    wire: "modern",
    session: false,
    vs: "denomcp-modern",
  },
  {
    name: "floor-proxy-fetch",
    desc: "the same forwarding with fetch (servers/floor_proxy.ts, FORWARD=fetch)",
    server: "servers/floor_proxy.ts",
    wire: "modern",
    session: false,
    env: { FORWARD: "fetch" },
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-proxy",
    desc:
      "createProxy in front of denomcp-modern (its own child process): the proxy's CPU alone (servers/proxy.ts)",
    server: "servers/proxy.ts",
    wire: "modern",
    session: false,
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-proxy-session",
    desc:
      "the same proxy reaching its upstream over one 2025 session (servers/proxy.ts, UPSTREAM_ERA=legacy)",
    server: "servers/proxy.ts",
    wire: "modern",
    session: false,
    env: { UPSTREAM_ERA: "legacy" },
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-proxy-fetch",
    desc: "the proxy with its client on fetch instead of its own keep-alive HTTP/1.1 (UPSTREAM_FETCH=1)",
    server: "servers/proxy.ts",
    wire: "modern",
    session: false,
    env: { UPSTREAM_FETCH: "1" },
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-mw3-modern",
    desc: "denomcp-modern with three no-op middleware (bench/servers/add_mw3.ts)",
    server: "servers/add_mw3.ts",
    wire: "modern",
    session: false,
    vs: "denomcp-modern",
  },
  {
    name: "denomcp-mw3-session",
    desc: "denomcp-session with three no-op middleware (bench/servers/add_mw3.ts)",
    server: "servers/add_mw3.ts",
    wire: "legacy",
    session: true,
    vs: "denomcp-session",
  },
];

/**
 * The targets of `--baseline`: the add server of another checkout (its bench/servers/add.ts, run
 * with its own deno.json), compared with this checkout's denomcp-modern and denomcp-session.
 */
function baselineTargets(root: string, commit: string): Target[] {
  const where = `${root} at ${commit}`;
  return [
    {
      name: "base-modern",
      desc: `denomcp-modern of ${where}`,
      server: "servers/add.ts",
      root,
      wire: "modern",
      session: false,
    },
    {
      name: "base-session",
      desc: `denomcp-session of ${where}`,
      server: "servers/add.ts",
      root,
      wire: "legacy",
      session: true,
    },
  ];
}

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
    baseline: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.values.help) {
  console.log(`usage: deno task bench [--seconds S] [--rounds N] [--warmup S] [--conns C] [--threads T]
                       [--server-flags="DENO FLAGS"] [--baseline DIR] [target ...]
targets: ${TARGETS.map((t) => t.name).join(", ")}, and with --baseline base-modern, base-session
         (default: all; the floor is always included)
--baseline DIR: another checkout of denomcp (e.g. \`git worktree add --detach /tmp/denomcp-base <commit>\`);
                adds the targets base-modern and base-session, which run DIR/bench/servers/add.ts with
                DIR/deno.json (--server-flags apply to them too)
--server-flags: extra \`deno run\` flags for the denomcp servers only (not the floor), for A/B experiments,
                e.g. --server-flags="--v8-flags=--no-allocation-site-pretenuring" (note the =)`);
  Deno.exit(0);
}
const opt = {
  ...loadOptions(PROG, args.values),
  serverFlags: args.values["server-flags"].split(/\s+/).filter(Boolean),
};
const baseline = args.values.baseline === undefined
  ? undefined
  : await baselineCheckout(args.values.baseline);
if (baseline) TARGETS.splice(1, 0, ...baselineTargets(baseline.root, baseline.commit));
const missing = args.positionals.find((n) => n.startsWith("base-") && !TARGETS.some((t) => t.name === n));
if (missing) usageError(PROG, `target ${missing} needs --baseline DIR`);
const floor = TARGETS[0];
const others = chosen(PROG, "target", args.positionals, TARGETS).filter((t) => t !== floor);
if (others.length === 0) usageError(PROG, "name at least one target besides the floor");

/**
 * Checks that `dir` is a denomcp checkout with the add server, caches that server's dependencies
 * (its node_modules may not exist yet) and reads its commit; exits 2 if any of that fails.
 */
async function baselineCheckout(dir: string): Promise<{ root: string; commit: string }> {
  const root = resolve(dir);
  for (const f of ["deno.json", "bench/servers/add.ts"]) {
    try {
      Deno.statSync(join(root, f));
    } catch {
      usageError(PROG, `--baseline ${dir}: no ${f} there`);
    }
  }
  const cache = await new Deno.Command(Deno.execPath(), {
    args: ["cache", "--config", join(root, "deno.json"), join(root, "bench/servers/add.ts")],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!cache.success) {
    usageError(PROG, `--baseline ${dir}: deno cache failed:\n${new TextDecoder().decode(cache.stderr)}`);
  }
  let commit = "unknown commit";
  try {
    const git = await new Deno.Command("git", {
      args: ["-C", root, "log", "-1", "--format=%h (%cs)"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (git.success) commit = new TextDecoder().decode(git.stdout).trim();
  } catch { /* no git: the commit stays unknown */ }
  return { root, commit };
}

// ---------- one run ----------

function serverSpec(t: Target): ServerSpec {
  const root = t.root ?? ROOT;
  return {
    program: join(root, "bench", t.server),
    config: join(root, "deno.json"),
    denoFlags: t === floor ? [] : opt.serverFlags,
    env: t.env,
  };
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

type Comparison = { target: string; vs: string } & Relative;

/** Every chosen target against the one it stands against, when both ran. */
function comparisons(results: Map<string, Run[]>): Comparison[] {
  return others.filter((t) => t.vs !== undefined && results.has(t.vs)).map((t) => ({
    target: t.name,
    vs: t.vs!,
    ...relative(results.get(t.name)!, results.get(t.vs!)!, (r) => r.pairFloorRps),
  }));
}

function comparisonTable(cmps: Comparison[]): string {
  return markdownTable<Comparison>([
    { title: "target ÷ reference", cell: (c) => `${c.target} ÷ ${c.vs}` },
    { title: "req/s ratio via floor", right: true, cell: (c) => fmt(c.speed, 3) },
    { title: "min–max", right: true, cell: (c) => spread(c.speeds, 3) },
    { title: "req/s ratio direct", right: true, cell: (c) => fmt(c.direct, 3) },
    { title: "min–max", right: true, cell: (c) => spread(c.directs, 3) },
    { title: "CPU µs/req ratio", right: true, cell: (c) => fmt(c.cpu, 3) },
    { title: "min–max", right: true, cell: (c) => spread(c.cpus, 3) },
    { title: "rounds", right: true, cell: (c) => String(c.rounds) },
  ], cmps);
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
    (baseline ? `; base-* = ${baseline.root} at ${baseline.commit}` : "") +
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
const cmps = comparisons(results);
const md = table(rows) + (cmps.length ? "\n\n" + comparisonTable(cmps) : "");
await finish(
  jsonPath,
  {
    meta: { ...benchMeta(opt), baseline },
    targets: [floor, ...others],
    rows,
    comparisons: cmps,
    runs: Object.fromEntries(results),
  },
  md,
  "\nratio = median over rounds of target req/s ÷ the floor run next to it; CPU µs per req = server utime+stime " +
    "over the measured run ÷ requests. Issue targets: ratio ≥ 0.80, ≤ 12 µs CPU per call." +
    (cmps.length
      ? "\nA ÷ B, medians over the rounds where both ran well: via floor = (A's req/s ÷ its floor run) ÷ " +
        "(B's req/s ÷ its floor run); direct = A's req/s ÷ B's in the same round; CPU = A's CPU µs per req ÷ B's. " +
        "A req/s ratio of 0.95 = 5% slower; a CPU ratio of 1.05 = 5% more CPU per request."
      : ""),
  results,
  (r) => r.target,
);

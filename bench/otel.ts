/**
 * The throughput cost of tracing: denomcp's `add` server with telemetry off, with an explicit
 * no-op tracer, and exporting through Deno's built-in OpenTelemetry, driven by wrk with
 * stateless 2026-07-28 `tools/call` requests.
 *
 *   deno task bench:otel                              # 3 rounds × 5 s, both traced configurations
 *   deno task bench:otel --seconds 10 --rounds 5
 *   deno task bench:otel deno                         # only some configurations (off is always paired)
 *
 * Configurations (each run is its own server process, bench/servers/traced.ts, on a free port):
 *
 * - `off`: no telemetry option and no OpenTelemetry in the environment; denomcp decides once
 *   that nothing records and skips span work.
 * - `noop`: an explicit `trace.getTracer("x")` with no SDK and no `OTEL_DENO`, so every request
 *   runs the span bookkeeping with non-recording spans.
 * - `deno`: `OTEL_DENO=true`, OTLP/HTTP JSON to a sink in this process (answers 200, discards).
 *   Deno's own HTTP server instrumentation (a `POST` span and HTTP metrics per request) is on
 *   too, so this is the cost of the whole built-in pipeline, not of denomcp's spans alone. The
 *   sink runs on the same machine and its CPU is reported separately.
 *
 * Every round pairs each configuration with an `off` run (off first in odd rounds, last in even
 * rounds); the ratio reported is the median of the per-pair ratios config ÷ off. Before and after
 * each measured run one `tools/call add` is checked (HTTP 200, plain JSON, right id and sum).
 * Server CPU is utime+stime of the server process (all threads, so Deno's exporter thread counts)
 * over the measured run, divided by requests. For `deno`, the sink counts the `tools/call add`
 * spans it received (after the server flushed at exit) against the requests served.
 *
 * Nothing here passes or fails on speed: it prints a markdown table and writes the raw figures
 * under /tmp/denomcp-bench/. A run is bad (left out of the medians, exit code 1) if a check fails,
 * wrk reports socket errors or non-2xx answers, or the `deno` configuration exported no spans.
 * Exits 2 without wrk or on a bad option.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CallStyle } from "./lib/check.ts";
import { benchMeta, chosen, finish, LOAD_FLAGS, loadOptions, openOutput, usageError } from "./lib/cli.ts";
import { loadFigures, measureServer } from "./lib/measure.ts";
import {
  type BaseRun,
  fmt,
  markdownTable,
  median,
  pairedRounds,
  runLine,
  type Speed,
  speedColumns,
  summarize,
  type Tail,
  tailColumns,
} from "./lib/stats.ts";
import { requireWrk } from "./lib/wrk.ts";

const SERVER = fileURLToPath(new URL("./servers/traced.ts", import.meta.url));
const PROG = "bench:otel";

/** Stateless 2026-07-28 requests. */
const STYLE: CallStyle = { wire: "modern", session: false, client: "denomcp-bench-otel" };

/** One telemetry configuration of the server. */
interface Config {
  name: "off" | "noop" | "deno";
  desc: string;
  /** Environment of the server process (on top of the inherited one, minus any OTEL_* variables). */
  env(sinkUrl: string): Record<string, string>;
}

const CONFIGS: Config[] = [
  {
    name: "off",
    desc: "no telemetry option, no OTEL_DENO: tracing decided off once",
    env: () => ({ BENCH_TELEMETRY: "default" }),
  },
  {
    name: "noop",
    desc: 'explicit trace.getTracer("x"), no SDK: span bookkeeping with non-recording spans',
    env: () => ({ BENCH_TELEMETRY: "noop" }),
  },
  {
    name: "deno",
    desc: "OTEL_DENO=true, OTLP http/json to a local sink (includes Deno's own HTTP spans and metrics)",
    env: (sinkUrl) => ({
      BENCH_TELEMETRY: "default",
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_SERVICE_NAME: "denomcp-bench",
    }),
  },
];

/** What one measured run produced. */
interface Run extends BaseRun {
  config: string;
  port?: number;
  requests?: number;
  /** Every request the server answered in this run: checks, warm-up and measured. */
  served?: number;
  /** CPU of this process (the OTLP sink, mostly) over the measured run, per request. */
  sinkCpuUsPerReq?: number;
  /** What the sink received over the whole run, after the server's exit flush. */
  sink?: { posts: Record<string, number>; bytes: number; toolSpans: number };
  /** For a traced run: req/s of the `off` run paired with it. */
  pairOffRps?: number;
  /** For an `off` run: the configuration it was paired with. */
  pairedWith?: string;
}

// ---------- options ----------

const args = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { ...LOAD_FLAGS, help: { type: "boolean", short: "h", default: false } },
});
if (args.values.help) {
  console.log(
    `usage: deno task bench:otel [--seconds S] [--rounds N] [--warmup S] [--conns C] [--threads T] [config ...]
configs: ${CONFIGS.map((c) => c.name).join(", ")} (default: all; off is always included as the baseline)`,
  );
  Deno.exit(0);
}
const opt = loadOptions(PROG, args.values);
const off = CONFIGS[0];
const traced = [...new Set(chosen(PROG, "config", args.positionals, CONFIGS))].filter((c) => c !== off);
if (traced.length === 0) usageError(PROG, "name at least one configuration besides off");

// ---------- the OTLP sink ----------

/** Answers every export with 200 and keeps only counts; `toolSpans` counts `tools/call add` spans. */
const sink = {
  posts: {} as Record<string, number>,
  bytes: 0,
  toolSpans: 0,
  lastPost: 0,
  reset() {
    this.posts = {};
    this.bytes = 0;
    this.toolSpans = 0;
  },
};
const SPAN_NAME = '"tools/call add"';
const sinkServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const path = new URL(req.url).pathname;
  const body = new Uint8Array(await req.arrayBuffer());
  sink.posts[path] = (sink.posts[path] ?? 0) + 1;
  sink.bytes += body.byteLength;
  sink.lastPost = performance.now();
  if (path === "/v1/traces") {
    const text = new TextDecoder().decode(body);
    for (let i = text.indexOf(SPAN_NAME); i >= 0; i = text.indexOf(SPAN_NAME, i + SPAN_NAME.length)) {
      sink.toolSpans++;
    }
  }
  return new Response("{}", { headers: { "content-type": "application/json" } });
});
const SINK_URL = `http://127.0.0.1:${(sinkServer.addr as Deno.NetAddr).port}`;

/** Waits until the sink has been quiet for `quietMs` (at most `maxMs`). */
async function sinkSettled(quietMs = 300, maxMs = 5000): Promise<void> {
  const end = performance.now() + maxMs;
  while (performance.now() < end && performance.now() - sink.lastPost < quietMs) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------- one run ----------

/** The inherited environment without any OpenTelemetry variable, so `off` really is off. */
function baseEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("OTEL_")));
}

async function measure(c: Config, round: number, log: Deno.FsFile): Promise<Run> {
  await sinkSettled();
  sink.reset();
  // SIGTERM lets the server close and exit, flushing any exporter; SIGKILL only after 20 s.
  const spec = { program: SERVER, clearEnv: true, env: { ...baseEnv(), ...c.env(SINK_URL) } };
  const m = await measureServer(`${c.name} round ${round}`, spec, STYLE, opt, log, 20_000);
  const run: Run = { config: c.name, round, ok: false, port: m.port };
  if (m.rssMiB !== undefined) run.rssMiB = m.rssMiB;
  if (m.load) {
    Object.assign(run, loadFigures(m.load));
    run.sinkCpuUsPerReq = (m.load.self * 1e6) / m.load.w.requests;
  }
  if (m.error !== undefined) run.error = m.error;
  if (!run.error && !m.status?.success) run.error = `server exited with ${JSON.stringify(m.status)}`;
  // Deno flushes its exporters at exit; let the last posts land before reading the counts.
  await sinkSettled();
  run.served = m.served;
  run.sink = { posts: { ...sink.posts }, bytes: sink.bytes, toolSpans: sink.toolSpans };
  if (!run.error && c.name === "deno" && sink.toolSpans === 0) {
    run.error = `the Deno exporter delivered no 'tools/call add' spans (posts: ${
      JSON.stringify(sink.posts)
    })`;
  }
  if (!run.error && c.name !== "deno" && sink.bytes > 0) {
    run.error = `telemetry reached the sink with OTEL_DENO unset: ${JSON.stringify(sink.posts)}`;
  }
  run.ok = run.error === undefined;
  say(run);
  return run;
}

/** The progress line of a run; a good `deno` run also says what the sink received. */
function say(r: Run): void {
  const extra = r.config === "deno" && r.ok
    ? `  sink ${fmt(r.sinkCpuUsPerReq, 1)} µs/req, ${r.sink!.toolSpans}/${r.served} spans, ` +
      `${fmt(r.sink!.bytes / 1048576, 1)} MiB in ${JSON.stringify(r.sink!.posts)}`
    : "";
  console.error(runLine(r, r.config, 5, extra));
}

// ---------- statistics and table ----------

type Row = { config: string; desc: string } & Speed & { sinkCpuUsPerReq: number; exported: number } & Tail;

function summarizeConfig(c: Config, runs: Run[]): Row {
  const { good, speed, tail } = summarize(runs, c === off, (r) => r.pairOffRps);
  return {
    config: c.name,
    desc: c.desc,
    ...speed,
    sinkCpuUsPerReq: median(good.map((r) => r.sinkCpuUsPerReq!)),
    exported: c.name === "deno" ? median(good.map((r) => r.sink!.toolSpans / r.served!)) : NaN,
    ...tail,
  };
}

function table(rows: Row[]): string {
  return markdownTable<Row>([
    { title: "config", cell: (r) => r.config },
    ...speedColumns<Row>("off"),
    { title: "sink CPU µs per req", right: true, cell: (r) => fmt(r.sinkCpuUsPerReq, 1) },
    { title: "tools/call spans exported per req", right: true, cell: (r) => fmt(r.exported, 3) },
    ...tailColumns<Row>(),
  ], rows);
}

// ---------- main ----------

await requireWrk(PROG, () => sinkServer.shutdown());
const { jsonPath, logPath, log } = await openOutput("otel");

console.error(
  `# denomcp tracing cost: ${traced.map((c) => c.name).join(", ")}, each paired with off; ${opt.rounds} ` +
    `round(s) × ${opt.seconds} s (warm-up ${opt.warmup} s), wrk -t${opt.threads} -c${opt.conns}; ` +
    `OTLP sink ${SINK_URL}; server logs in ${logPath}`,
);

// Off runs first in odd rounds and last in even ones, next to every traced configuration in turn.
const results = await pairedRounds(
  off,
  traced,
  opt.rounds,
  "pairOffRps",
  (c: Config, round: number) => measure(c, round, log),
);
log.close();
await sinkServer.shutdown();

const rows = [off, ...traced].map((c) => summarizeConfig(c, results.get(c.name)!));
const md = table(rows);
await finish(
  jsonPath,
  {
    meta: benchMeta(opt),
    configs: [off, ...traced].map(({ name, desc }) => ({ name, desc })),
    rows,
    runs: Object.fromEntries(results),
  },
  md,
  "\nratio = median over rounds of config req/s ÷ the off run paired with it; CPU µs per req = server " +
    "utime+stime (all threads) over the measured run ÷ requests; sink CPU = this process (the OTLP sink) over " +
    "the same run; spans exported per req = 'tools/call add' spans the sink received ÷ requests the server " +
    "answered (after its exit flush). The sink shares the machine with the server and wrk.",
  results,
  (r) => r.config,
);

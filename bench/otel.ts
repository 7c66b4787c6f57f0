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

const SERVER = fileURLToPath(new URL("./servers/traced.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const LUA = fileURLToPath(new URL("./post.lua", import.meta.url));
const OUT_DIR = "/tmp/denomcp-bench";

const VERSION = "2026-07-28";
const ACCEPT = "application/json, text/event-stream";

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
interface Run {
  config: string;
  round: number;
  ok: boolean;
  error?: string;
  port?: number;
  rps?: number;
  requests?: number;
  /** Every request the server answered in this run: checks, warm-up and measured. */
  served?: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuCores?: number;
  cpuUsPerReq?: number;
  /** CPU of this process (the OTLP sink, mostly) over the measured run, per request. */
  sinkCpuUsPerReq?: number;
  rssMiB?: number;
  /** What the sink received over the whole run, after the server's exit flush. */
  sink?: { posts: Record<string, number>; bytes: number; toolSpans: number };
  /** For a traced run: req/s of the `off` run paired with it. */
  pairOffRps?: number;
  /** For an `off` run: the configuration it was paired with. */
  pairedWith?: string;
}

interface WrkResult {
  requests: number;
  duration_us: number;
  non2xx: number;
  err_connect: number;
  err_read: number;
  err_write: number;
  err_status: number;
  err_timeout: number;
  lat_p50_us: number;
  lat_p99_us: number;
}

// ---------- options ----------

const args = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "2" },
    conns: { type: "string", default: "32" },
    threads: { type: "string", default: "1" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.values.help) {
  console.log(
    `usage: deno task bench:otel [--seconds S] [--rounds N] [--warmup S] [--conns C] [--threads T] [config ...]
configs: ${CONFIGS.map((c) => c.name).join(", ")} (default: all; off is always included as the baseline)`,
  );
  Deno.exit(0);
}
const opt = {
  seconds: count("seconds", args.values.seconds, 1),
  rounds: count("rounds", args.values.rounds, 1),
  warmup: count("warmup", args.values.warmup, 0),
  conns: count("conns", args.values.conns, 1),
  threads: count("threads", args.values.threads, 1),
};
const off = CONFIGS[0];
const chosen = args.positionals.length
  ? args.positionals.map((n) => CONFIGS.find((c) => c.name === n) ?? usageError(`unknown config ${n}`))
  : CONFIGS;
const traced = [...new Set(chosen)].filter((c) => c !== off);
if (traced.length === 0) usageError("name at least one configuration besides off");

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usageError(`--${name} must be a whole number ≥ ${min}`);
  return n;
}

function usageError(message: string): never {
  console.error(`bench:otel: ${message}`);
  Deno.exit(2);
}

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

// ---------- processes ----------

const CLK_TCK = await clockTicks();

async function clockTicks(): Promise<number> {
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped", stderr: "null" })
      .output();
    return Number(new TextDecoder().decode(out.stdout).trim()) || 100;
  } catch {
    return 100;
  }
}

async function haveWrk(): Promise<boolean> {
  try {
    await new Deno.Command("wrk", { args: ["-v"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** utime + stime of a process (all its threads), in seconds. */
function cpuSeconds(pid: number | "self"): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMiB(pid: number): number {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+)/);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

let live: Deno.ChildProcess | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    try {
      live?.kill("SIGKILL");
    } catch { /* already gone */ }
    Deno.exit(130);
  });
}

/** The inherited environment without any OpenTelemetry variable, so `off` really is off. */
function baseEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("OTEL_")));
}

/** Starts the server as a direct child running the Deno binary, so `/proc/<pid>` is the server. */
function startServer(c: Config, port: number, log: Deno.FsFile): Deno.ChildProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, SERVER],
    clearEnv: true,
    env: { ...baseEnv(), ...c.env(SINK_URL), PORT: String(port) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  void child.stdout.pipeTo(logWriter(log)).catch(() => {});
  void child.stderr.pipeTo(logWriter(log)).catch(() => {});
  live = child;
  const exe = Deno.realPathSync(`/proc/${child.pid}/exe`);
  const want = Deno.realPathSync(Deno.execPath());
  if (exe !== want) throw new Error(`pid ${child.pid} runs ${exe}, not ${want}`);
  return child;
}

function logWriter(log: Deno.FsFile): WritableStream<Uint8Array> {
  return new WritableStream({ write: (chunk) => void log.writeSync(chunk) });
}

/** SIGTERM (the server closes and exits, flushing any exporter), SIGKILL after 20 s. */
async function stopServer(child: Deno.ChildProcess): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGTERM");
  } catch { /* already exited */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, 20_000);
  const status = await child.status;
  clearTimeout(timer);
  live = undefined;
  return status;
}

async function waitListening(port: number, child: Deno.ChildProcess, ms = 60_000): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  child.status.then((s) => (exited = s));
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (exited) throw new Error(`server exited (code ${exited.code}) before listening`);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`server did not listen on port ${port} within ${ms} ms`);
}

/** Waits until the sink has been quiet for `quietMs` (at most `maxMs`). */
async function sinkSettled(quietMs = 300, maxMs = 5000): Promise<void> {
  const end = performance.now() + maxMs;
  while (performance.now() < end && performance.now() - sink.lastPost < quietMs) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------- MCP requests ----------

/** The 2026-07-28 tools/call body; `id` may be the wrk placeholder `__ID__`. */
function callBody(id: number | "__ID__", a: number, b: number): string {
  const params = {
    name: "add",
    arguments: { a, b },
    _meta: {
      "io.modelcontextprotocol/protocolVersion": VERSION,
      "io.modelcontextprotocol/clientInfo": { name: "denomcp-bench-otel", version: "1.0.0" },
      "io.modelcontextprotocol/clientCapabilities": {},
    },
  };
  const idText = id === "__ID__" ? id : JSON.stringify(id);
  return `{"jsonrpc":"2.0","id":${idText},"method":"tools/call","params":${JSON.stringify(params)}}`;
}

const HEADERS: Record<string, string> = {
  "Content-Type": "application/json",
  "Accept": ACCEPT,
  "MCP-Protocol-Version": VERSION,
  "Mcp-Method": "tools/call",
  "Mcp-Name": "add",
};

/** One tools/call with random operands: HTTP 200, `application/json` (not SSE), same id, right sum. */
async function checkCall(url: string): Promise<void> {
  const a = Math.floor(Math.random() * 10_000);
  const b = Math.floor(Math.random() * 10_000);
  const id = 1 + Math.floor(Math.random() * 1e6);
  const res = await fetch(url, { method: "POST", headers: HEADERS, body: callBody(id, a, b) });
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  const fail = (why: string) => new Error(`${why}: HTTP ${res.status} ${type}: ${text.slice(0, 300)}`);
  if (res.status !== 200) throw fail("status is not 200");
  if (!type.startsWith("application/json")) throw fail("not a plain JSON answer");
  let msg: { id?: unknown; error?: unknown; result?: { content?: { type?: string; text?: string }[] } };
  try {
    msg = JSON.parse(text);
  } catch {
    throw fail("body is not JSON");
  }
  if (msg.error !== undefined) throw fail("JSON-RPC error");
  if (msg.id !== id) throw fail(`id ${JSON.stringify(msg.id)} instead of ${id}`);
  const block = msg.result?.content?.[0];
  if (block?.type !== "text" || block.text !== String(a + b)) throw fail(`wrong sum for ${a}+${b}`);
}

// ---------- load ----------

async function runWrk(url: string, seconds: number): Promise<WrkResult> {
  const headers = Object.entries(HEADERS).map(([k, v]) => `${k}: ${v}`).join("\n");
  const out = await new Deno.Command("wrk", {
    args: [`-t${opt.threads}`, `-c${opt.conns}`, `-d${seconds}s`, "--timeout", "5s", "-s", LUA, url],
    env: { BENCH_BODY: callBody("__ID__", 1, 2), BENCH_HEADERS: headers },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const m = text.match(/BENCH_RESULT (\{.*\})/);
  if (!out.success || !m) throw new Error(`wrk failed (code ${out.code}): ${text.slice(-500)}`);
  return JSON.parse(m[1]) as WrkResult;
}

async function measure(c: Config, round: number, log: Deno.FsFile): Promise<Run> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  log.writeSync(new TextEncoder().encode(`\n--- ${c.name} round ${round} port ${port}\n`));
  const run: Run = { config: c.name, round, ok: false, port };
  await sinkSettled();
  sink.reset();
  const child = startServer(c, port, log);
  let served = 0;
  try {
    await waitListening(port, child);
    await checkCall(url);
    served++;
    if (opt.warmup > 0) served += (await runWrk(url, opt.warmup)).requests;
    const cpu0 = cpuSeconds(child.pid);
    const self0 = cpuSeconds("self");
    const w0 = performance.now();
    const w = await runWrk(url, opt.seconds);
    const wall = (performance.now() - w0) / 1000;
    const cpu = cpuSeconds(child.pid) - cpu0;
    const self = cpuSeconds("self") - self0;
    run.rssMiB = rssMiB(child.pid);
    served += w.requests;
    await checkCall(url);
    served++;
    run.requests = w.requests;
    run.rps = w.requests / (w.duration_us / 1e6);
    run.p50Ms = w.lat_p50_us / 1000;
    run.p99Ms = w.lat_p99_us / 1000;
    run.cpuCores = cpu / wall;
    run.cpuUsPerReq = (cpu * 1e6) / w.requests;
    run.sinkCpuUsPerReq = (self * 1e6) / w.requests;
    const socketErrors = w.err_connect + w.err_read + w.err_write + w.err_timeout;
    if (w.non2xx > 0 || w.err_status > 0) run.error = `${w.non2xx} non-2xx responses`;
    else if (socketErrors > 0) run.error = `${socketErrors} socket errors: ${JSON.stringify(w)}`;
    else if (w.requests === 0) run.error = "no requests completed";
  } catch (e) {
    run.error = e instanceof Error ? e.message : String(e);
  } finally {
    const status = await stopServer(child);
    if (!run.error && !status.success) run.error = `server exited with ${JSON.stringify(status)}`;
  }
  // Deno flushes its exporters at exit; let the last posts land before reading the counts.
  await sinkSettled();
  run.served = served;
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
  return run;
}

// ---------- statistics and table ----------

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

interface Row {
  config: string;
  desc: string;
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  ratio: number;
  ratios: number[];
  p50Ms: number;
  p99Ms: number;
  cpuCores: number;
  cpuUsPerReq: number;
  sinkCpuUsPerReq: number;
  exported: number;
  rssMiB: number;
  badRuns: number;
  runs: number;
}

function summarize(c: Config, runs: Run[]): Row {
  const good = runs.filter((r) => r.ok);
  const rps = good.map((r) => r.rps!);
  const ratios = c === off ? [1] : good.map((r) => r.rps! / r.pairOffRps!).filter(Number.isFinite);
  return {
    config: c.name,
    desc: c.desc,
    rpsMedian: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    ratio: median(ratios),
    ratios,
    p50Ms: median(good.map((r) => r.p50Ms!)),
    p99Ms: median(good.map((r) => r.p99Ms!)),
    cpuCores: median(good.map((r) => r.cpuCores!)),
    cpuUsPerReq: median(good.map((r) => r.cpuUsPerReq!)),
    sinkCpuUsPerReq: median(good.map((r) => r.sinkCpuUsPerReq!)),
    exported: c.name === "deno" ? median(good.map((r) => r.sink!.toolSpans / r.served!)) : NaN,
    rssMiB: median(good.map((r) => r.rssMiB!)),
    badRuns: runs.length - good.length,
    runs: runs.length,
  };
}

function table(rows: Row[]): string {
  const lines = [
    "| config | req/s median | min–max | ratio to off (paired) | p50 ms | p99 ms | server CPU (cores) | CPU µs per req | sink CPU µs per req | tools/call spans exported per req | RSS after (MiB) | bad runs |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.config} | ${fmt(r.rpsMedian)} | ${fmt(r.rpsMin)}–${fmt(r.rpsMax)} | ${fmt(r.ratio, 3)} | ${
        fmt(r.p50Ms, 2)
      } | ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuCores, 2)} | ${fmt(r.cpuUsPerReq, 1)} | ${
        fmt(r.sinkCpuUsPerReq, 1)
      } | ${fmt(r.exported, 3)} | ${fmt(r.rssMiB)} | ${r.badRuns}/${r.runs} |`,
    );
  }
  return lines.join("\n");
}

// ---------- main ----------

if (!(await haveWrk())) {
  console.error(
    "bench:otel: wrk is not installed. Install it with:\n  apt-get update && apt-get install -y wrk",
  );
  await sinkServer.shutdown();
  Deno.exit(2);
}

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
await Deno.mkdir(OUT_DIR, { recursive: true });
const jsonPath = `${OUT_DIR}/otel-${stamp}.json`;
const logPath = `${OUT_DIR}/otel-${stamp}.log`;
const log = await Deno.open(logPath, { create: true, append: true });

console.error(
  `# denomcp tracing cost: ${traced.map((c) => c.name).join(", ")}, each paired with off; ${opt.rounds} ` +
    `round(s) × ${opt.seconds} s (warm-up ${opt.warmup} s), wrk -t${opt.threads} -c${opt.conns}; ` +
    `OTLP sink ${SINK_URL}; server logs in ${logPath}`,
);

const results = new Map<string, Run[]>([off, ...traced].map((c) => [c.name, []]));
const say = (r: Run) =>
  console.error(
    `  r${r.round} ${r.config.padEnd(5)} ${
      r.ok
        ? `${fmt(r.rps)} req/s  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  ` +
          `cpu ${fmt(r.cpuCores, 2)} cores  ${fmt(r.cpuUsPerReq, 1)} µs/req` +
          (r.config === "deno"
            ? `  sink ${fmt(r.sinkCpuUsPerReq, 1)} µs/req, ${r.sink!.toolSpans}/${r.served} spans, ` +
              `${fmt(r.sink!.bytes / 1048576, 1)} MiB in ${JSON.stringify(r.sink!.posts)}`
            : "")
        : `BAD: ${r.error}`
    }`,
  );

for (let round = 1; round <= opt.rounds; round++) {
  const order = traced.map((_, i) => traced[(i + round - 1) % traced.length]);
  for (const c of order) {
    const offFirst = round % 2 === 1;
    const first = await measure(offFirst ? off : c, round, log);
    say(first);
    const second = await measure(offFirst ? c : off, round, log);
    say(second);
    const [o, x] = offFirst ? [first, second] : [second, first];
    o.pairedWith = c.name;
    x.pairOffRps = o.ok ? o.rps : NaN;
    results.get(off.name)!.push(o);
    results.get(c.name)!.push(x);
  }
}
log.close();
await sinkServer.shutdown();

const rows = [off, ...traced].map((c) => summarize(c, results.get(c.name)!));
const md = table(rows);
const meta = {
  date: new Date().toISOString(),
  deno: Deno.version,
  options: opt,
  wrk: `wrk -t${opt.threads} -c${opt.conns} -d${opt.seconds}s --timeout 5s -s ${LUA}`,
  cpus: navigator.hardwareConcurrency,
};
await Deno.writeTextFile(
  jsonPath,
  JSON.stringify(
    {
      meta,
      configs: [off, ...traced].map(({ name, desc }) => ({ name, desc })),
      rows,
      runs: Object.fromEntries(results),
    },
    null,
    2,
  ) + "\n",
);
await Deno.writeTextFile(jsonPath.replace(/\.json$/, ".md"), md + "\n");

console.log(md);
console.log(
  "\nratio = median over rounds of config req/s ÷ the off run paired with it; CPU µs per req = server " +
    "utime+stime (all threads) over the measured run ÷ requests; sink CPU = this process (the OTLP sink) over " +
    "the same run; spans exported per req = 'tools/call add' spans the sink received ÷ requests the server " +
    "answered (after its exit flush). The sink shares the machine with the server and wrk.",
);
let bad = 0;
for (const runs of results.values()) {
  for (const r of runs) {
    if (r.ok) continue;
    bad++;
    console.error(`note: ${r.config} round ${r.round}: ${r.error}`);
  }
}
console.log(`results: ${jsonPath}`);
// Only correctness fails the run (a bad answer, a non-2xx response, a socket error, no spans), never speed.
if (bad > 0) Deno.exit(1);

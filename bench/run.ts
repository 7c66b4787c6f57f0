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

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const LUA = fileURLToPath(new URL("./post.lua", import.meta.url));
const OUT_DIR = "/tmp/denomcp-bench";

const MODERN = "2026-07-28";
const LEGACY = "2025-11-25";
const ACCEPT = "application/json, text/event-stream";
const CLIENT_INFO = { name: "denomcp-bench", version: "1.0.0" };

/** One server configuration and the way the client talks to it. */
interface Target {
  name: string;
  desc: string;
  /** Server program, relative to bench/. */
  server: string;
  /** `modern`: stateless 2026-07-28 requests; `legacy`: 2025-era requests. */
  wire: "modern" | "legacy";
  /** Initialize once and send the session id on every call. */
  session: boolean;
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
interface Run {
  target: string;
  round: number;
  ok: boolean;
  error?: string;
  port?: number;
  framing?: string;
  rps?: number;
  requests?: number;
  p50Ms?: number;
  p90Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  cpuCores?: number;
  cpuUsPerReq?: number;
  rssMiB?: number;
  non2xx?: number;
  socketErrors?: number;
  /** For a target run: req/s of the floor run next to it. */
  pairFloorRps?: number;
  /** For a floor run: the target it was paired with. */
  pairedWith?: string;
}

interface WrkResult {
  requests: number;
  duration_us: number;
  bytes: number;
  non2xx: number;
  err_connect: number;
  err_read: number;
  err_write: number;
  err_status: number;
  err_timeout: number;
  lat_mean_us: number;
  lat_p50_us: number;
  lat_p90_us: number;
  lat_p99_us: number;
  lat_max_us: number;
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
  seconds: count("seconds", args.values.seconds, 1),
  rounds: count("rounds", args.values.rounds, 1),
  warmup: count("warmup", args.values.warmup, 0),
  conns: count("conns", args.values.conns, 1),
  threads: count("threads", args.values.threads, 1),
  serverFlags: args.values["server-flags"].split(/\s+/).filter(Boolean),
};
const floor = TARGETS[0];
const chosen = args.positionals.length
  ? args.positionals.map((n) => TARGETS.find((t) => t.name === n) ?? usageError(`unknown target ${n}`))
  : TARGETS;
const others = chosen.filter((t) => t !== floor);
if (others.length === 0) usageError("name at least one target besides the floor");

/** A whole-number option (wrk takes whole seconds). */
function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usageError(`--${name} must be a whole number ≥ ${min}`);
  return n;
}

function usageError(message: string): never {
  console.error(`bench: ${message}`);
  Deno.exit(2);
}

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
function cpuSeconds(pid: number): number {
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

/**
 * Starts a server as a direct child running the real Deno binary (not a shell or a wrapper
 * script), so that `/proc/<pid>` is the server's own process.
 */
function startServer(t: Target, port: number, log: Deno.FsFile): Deno.ChildProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, ...(t === floor ? [] : opt.serverFlags), BENCH_DIR + t.server],
    env: { PORT: String(port) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Both pipes go to the log file (each is closed by pipeTo when the process ends).
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

async function stopServer(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already exited */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, 5000);
  await child.status;
  clearTimeout(timer);
  live = undefined;
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

// ---------- MCP requests ----------

/** The tools/call body; `id` may be the wrk placeholder `__ID__`. */
function callBody(t: Target, id: number | "__ID__", a: number, b: number): string {
  const params: Record<string, unknown> = { name: "add", arguments: { a, b } };
  if (t.wire === "modern") {
    params._meta = {
      "io.modelcontextprotocol/protocolVersion": MODERN,
      "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
      "io.modelcontextprotocol/clientCapabilities": {},
    };
  }
  const idText = id === "__ID__" ? id : JSON.stringify(id);
  return `{"jsonrpc":"2.0","id":${idText},"method":"tools/call","params":${JSON.stringify(params)}}`;
}

function callHeaders(t: Target, sessionId?: string): Record<string, string> {
  const h: Record<string, string> = { "Content-Type": "application/json", "Accept": ACCEPT };
  if (t.wire === "modern") {
    h["MCP-Protocol-Version"] = MODERN;
    h["Mcp-Method"] = "tools/call";
    h["Mcp-Name"] = "add";
  } else if (t.session) {
    h["MCP-Protocol-Version"] = LEGACY;
  }
  if (sessionId) h["mcp-session-id"] = sessionId;
  return h;
}

/** initialize + notifications/initialized (2025-11-25); returns the session id. */
async function openSession(url: string): Promise<string> {
  const base = { "Content-Type": "application/json", "Accept": ACCEPT };
  const init = await fetch(url, {
    method: "POST",
    headers: base,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: CLIENT_INFO },
    }),
  });
  const text = await init.text();
  const sid = init.headers.get("mcp-session-id");
  const version = (JSON.parse(text) as { result?: { protocolVersion?: string } }).result?.protocolVersion;
  if (init.status !== 200 || !sid || version !== LEGACY) {
    throw new Error(`initialize: HTTP ${init.status}, session ${sid}, body ${text.slice(0, 300)}`);
  }
  const note = await fetch(url, {
    method: "POST",
    headers: { ...base, "MCP-Protocol-Version": LEGACY, "mcp-session-id": sid },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await note.body?.cancel();
  if (note.status !== 202) throw new Error(`notifications/initialized: HTTP ${note.status}`);
  return sid;
}

/** One tools/call with random operands: HTTP 200, `application/json` (not SSE), same id, right sum. */
async function checkCall(url: string, t: Target, sessionId?: string): Promise<string> {
  const a = Math.floor(Math.random() * 10_000);
  const b = Math.floor(Math.random() * 10_000);
  const id = 1 + Math.floor(Math.random() * 1e6);
  const res = await fetch(url, {
    method: "POST",
    headers: callHeaders(t, sessionId),
    body: callBody(t, id, a, b),
  });
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
  return "json";
}

// ---------- load ----------

async function runWrk(url: string, t: Target, sessionId: string | undefined, seconds: number) {
  const headers = Object.entries(callHeaders(t, sessionId)).map(([k, v]) => `${k}: ${v}`).join("\n");
  const out = await new Deno.Command("wrk", {
    args: [
      `-t${opt.threads}`,
      `-c${opt.conns}`,
      `-d${seconds}s`,
      "--timeout",
      "5s",
      "-s",
      LUA,
      url,
    ],
    env: { BENCH_BODY: callBody(t, "__ID__", 1, 2), BENCH_HEADERS: headers },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const m = text.match(/BENCH_RESULT (\{.*\})/);
  if (!out.success || !m) throw new Error(`wrk failed (code ${out.code}): ${text.slice(-500)}`);
  return JSON.parse(m[1]) as WrkResult;
}

async function measure(t: Target, round: number, log: Deno.FsFile): Promise<Run> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  log.writeSync(new TextEncoder().encode(`\n--- ${t.name} round ${round} port ${port}\n`));
  const run: Run = { target: t.name, round, ok: false, port };
  const child = startServer(t, port, log);
  try {
    await waitListening(port, child);
    const sid = t.session ? await openSession(url) : undefined;
    run.framing = await checkCall(url, t, sid);
    if (opt.warmup > 0) await runWrk(url, t, sid, opt.warmup);
    const cpu0 = cpuSeconds(child.pid);
    const w0 = performance.now();
    const w = await runWrk(url, t, sid, opt.seconds);
    const wall = (performance.now() - w0) / 1000;
    const cpu = cpuSeconds(child.pid) - cpu0;
    run.rssMiB = rssMiB(child.pid);
    await checkCall(url, t, sid);
    run.requests = w.requests;
    run.rps = w.requests / (w.duration_us / 1e6);
    run.p50Ms = w.lat_p50_us / 1000;
    run.p90Ms = w.lat_p90_us / 1000;
    run.p99Ms = w.lat_p99_us / 1000;
    run.maxMs = w.lat_max_us / 1000;
    run.cpuCores = cpu / wall;
    run.cpuUsPerReq = (cpu * 1e6) / w.requests;
    run.non2xx = w.non2xx;
    run.socketErrors = w.err_connect + w.err_read + w.err_write + w.err_timeout;
    if (w.non2xx > 0 || w.err_status > 0) run.error = `${w.non2xx} non-2xx responses`;
    else if (run.socketErrors > 0) run.error = `${run.socketErrors} socket errors: ${JSON.stringify(w)}`;
    else if (w.requests === 0) run.error = "no requests completed";
    run.ok = run.error === undefined;
  } catch (e) {
    run.error = e instanceof Error ? e.message : String(e);
  } finally {
    await stopServer(child);
  }
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
  target: string;
  desc: string;
  framing: string;
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  ratio: number;
  ratios: number[];
  p50Ms: number;
  p99Ms: number;
  cpuCores: number;
  cpuUsPerReq: number;
  rssMiB: number;
  badRuns: number;
  runs: number;
}

function summarize(t: Target, runs: Run[]): Row {
  const good = runs.filter((r) => r.ok);
  const rps = good.map((r) => r.rps!);
  const ratios = t === floor ? [1] : good.map((r) => r.rps! / r.pairFloorRps!).filter(Number.isFinite);
  return {
    target: t.name,
    desc: t.desc,
    framing: good[0]?.framing ?? "-",
    rpsMedian: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    ratio: median(ratios),
    ratios,
    p50Ms: median(good.map((r) => r.p50Ms!)),
    p99Ms: median(good.map((r) => r.p99Ms!)),
    cpuCores: median(good.map((r) => r.cpuCores!)),
    cpuUsPerReq: median(good.map((r) => r.cpuUsPerReq!)),
    rssMiB: median(good.map((r) => r.rssMiB!)),
    badRuns: runs.length - good.length,
    runs: runs.length,
  };
}

function table(rows: Row[]): string {
  const lines = [
    "| target | framing | req/s median | min–max | ratio to floor (paired) | p50 ms | p99 ms | server CPU (cores) | CPU µs per req | RSS after (MiB) | bad runs |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.target} | ${r.framing} | ${fmt(r.rpsMedian)} | ${fmt(r.rpsMin)}–${fmt(r.rpsMax)} | ${
        fmt(r.ratio, 3)
      } | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuCores, 2)} | ${fmt(r.cpuUsPerReq, 1)} | ${
        fmt(r.rssMiB)
      } | ${r.badRuns}/${r.runs} |`,
    );
  }
  return lines.join("\n");
}

// ---------- main ----------

if (!(await haveWrk())) {
  console.error("bench: wrk is not installed. Install it with:\n  apt-get update && apt-get install -y wrk");
  Deno.exit(2);
}

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
await Deno.mkdir(OUT_DIR, { recursive: true });
const jsonPath = `${OUT_DIR}/http-${stamp}.json`;
const logPath = `${OUT_DIR}/http-${stamp}.log`;
const log = await Deno.open(logPath, { create: true, append: true });

console.error(
  `# denomcp bench: ${
    others.map((t) => t.name).join(", ")
  }, each paired with the floor; ${opt.rounds} round(s) × ` +
    `${opt.seconds} s (warm-up ${opt.warmup} s), wrk -t${opt.threads} -c${opt.conns}` +
    (opt.serverFlags.length ? `; denomcp server flags: ${opt.serverFlags.join(" ")}` : "") +
    `; server logs in ${logPath}`,
);

const results = new Map<string, Run[]>([floor, ...others].map((t) => [t.name, []]));
const say = (r: Run) =>
  console.error(
    `  r${r.round} ${r.target.padEnd(16)} ${
      r.ok
        ? `${fmt(r.rps)} req/s  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  ` +
          `cpu ${fmt(r.cpuCores, 2)} cores  ${fmt(r.cpuUsPerReq, 1)} µs/req`
        : `BAD: ${r.error}`
    }`,
  );

for (let round = 1; round <= opt.rounds; round++) {
  // Rotate the order of the targets, and alternate floor-first / floor-last between rounds.
  const order = others.map((_, i) => others[(i + round - 1) % others.length]);
  for (const t of order) {
    const floorFirst = round % 2 === 1;
    const first = await measure(floorFirst ? floor : t, round, log);
    say(first);
    const second = await measure(floorFirst ? t : floor, round, log);
    say(second);
    const [f, x] = floorFirst ? [first, second] : [second, first];
    f.pairedWith = t.name;
    x.pairFloorRps = f.ok ? f.rps : NaN;
    results.get(floor.name)!.push(f);
    results.get(t.name)!.push(x);
  }
}
log.close();

const rows = [floor, ...others].map((t) => summarize(t, results.get(t.name)!));
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
  JSON.stringify({ meta, targets: [floor, ...others], rows, runs: Object.fromEntries(results) }, null, 2) +
    "\n",
);
await Deno.writeTextFile(jsonPath.replace(/\.json$/, ".md"), md + "\n");

console.log(md);
console.log(
  "\nratio = median over rounds of target req/s ÷ the floor run next to it; CPU µs per req = server utime+stime " +
    "over the measured run ÷ requests. Issue targets: ratio ≥ 0.80, ≤ 12 µs CPU per call.",
);
let bad = 0;
for (const runs of results.values()) {
  for (const r of runs) {
    if (r.ok) continue;
    bad++;
    console.error(`note: ${r.target} round ${r.round}: ${r.error}`);
  }
}
console.log(`results: ${jsonPath}`);
// Only correctness fails the run (a bad answer, a non-2xx response, a socket error), never speed.
if (bad > 0) Deno.exit(1);

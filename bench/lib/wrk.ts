/**
 * Load from wrk with bench/post.lua: one JSON-RPC request per HTTP request, each with a new id,
 * and the figures wrk's `done()` prints as one `BENCH_RESULT {…}` line.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The wrk script. */
export const LUA = fileURLToPath(new URL("../post.lua", import.meta.url));

/** What post.lua prints for one wrk run; latencies are in microseconds. */
export interface WrkResult {
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

/** wrk's threads and connections. */
export interface WrkShape {
  threads: number;
  conns: number;
}

/** One wrk run's request: the body (with `__ID__` where the id goes) and the headers. */
export interface WrkRequest {
  body: string;
  headers: Record<string, string>;
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

/** Exits with code 2 (after `cleanup`) if wrk is not installed. */
export async function requireWrk(prog: string, cleanup?: () => Promise<void>): Promise<void> {
  if (await haveWrk()) return;
  console.error(
    `${prog}: wrk is not installed. Install it with:\n  apt-get update && apt-get install -y wrk`,
  );
  await cleanup?.();
  Deno.exit(2);
}

/** The wrk command line (for the record in the results). */
export function wrkCommand(shape: WrkShape, seconds: number): string {
  return `wrk -t${shape.threads} -c${shape.conns} -d${seconds}s --timeout 5s -s ${LUA}`;
}

/** Runs wrk against `url` for `seconds` and returns what post.lua reported. */
export async function runWrk(
  url: string,
  req: WrkRequest,
  shape: WrkShape,
  seconds: number,
): Promise<WrkResult> {
  const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join("\n");
  const out = await new Deno.Command("wrk", {
    args: [`-t${shape.threads}`, `-c${shape.conns}`, `-d${seconds}s`, "--timeout", "5s", "-s", LUA, url],
    env: { BENCH_BODY: req.body, BENCH_HEADERS: headers },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const m = text.match(/BENCH_RESULT (\{.*\})/);
  if (!out.success || !m) throw new Error(`wrk failed (code ${out.code}): ${text.slice(-500)}`);
  return JSON.parse(m[1]) as WrkResult;
}

/** Connect, read, write and timeout errors together. */
export function socketErrors(w: WrkResult): number {
  return w.err_connect + w.err_read + w.err_write + w.err_timeout;
}

/** Why a wrk run does not count (a non-2xx answer, a socket error, no requests), or undefined. */
export function wrkError(w: WrkResult): string | undefined {
  const errors = socketErrors(w);
  if (w.non2xx > 0 || w.err_status > 0) return `${w.non2xx} non-2xx responses`;
  if (errors > 0) return `${errors} socket errors: ${JSON.stringify(w)}`;
  if (w.requests === 0) return "no requests completed";
  return undefined;
}

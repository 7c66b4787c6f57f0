/**
 * One measured run of one server process: start it on a free port, check one answer, warm up,
 * drive it with wrk while reading its CPU time, check one answer again, stop it.
 *
 * @module
 */

import { type CallStyle, checkCall, openSession, wrkRequest } from "./check.ts";
import {
  cpuSeconds,
  freePort,
  logLine,
  rssMiB,
  type ServerSpec,
  startServer,
  stopServer,
  waitListening,
} from "./server.ts";
import { runWrk, wrkError, type WrkResult, type WrkShape } from "./wrk.ts";

/** How long, and how hard, to drive each server. */
export interface LoadOptions extends WrkShape {
  /** Length of the measured wrk run, in whole seconds. */
  seconds: number;
  /** Length of the unmeasured wrk run before it (0: none). */
  warmup: number;
}

/** The measured wrk run and what the processes spent on it. */
export interface Load {
  w: WrkResult;
  /** Server CPU (utime+stime, all threads) over the run, in seconds. */
  cpu: number;
  /** CPU of this process over the run, in seconds. */
  self: number;
  /** Wall time of the run, in seconds. */
  wall: number;
}

/** What one run produced; the fields are there as far as the run got. */
export interface Measured {
  port: number;
  /** Framing of the first checked answer. */
  framing?: string;
  /** Server RSS right after the measured run. */
  rssMiB?: number;
  /** The tools/call requests the server answered: checks, warm-up and measured. */
  served: number;
  /** Set once the check after the measured run passed. */
  load?: Load;
  /** Why the run does not count. */
  error?: string;
  /** How the server exited. */
  status?: Deno.CommandStatus;
}

/**
 * Runs one server (`label` heads its part of the log) and measures it. Failures of the checks,
 * of wrk or of the answers wrk saw end up in `error`; the server is always stopped (SIGTERM,
 * SIGKILL after `killAfterMs`).
 */
export async function measureServer(
  label: string,
  spec: ServerSpec,
  style: CallStyle,
  opt: LoadOptions,
  log: Deno.FsFile,
  killAfterMs: number,
): Promise<Measured> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  logLine(log, `--- ${label} port ${port}`);
  const m: Measured = { port, served: 0 };
  const child = startServer(spec, port, log);
  try {
    await waitListening(port, child);
    const sid = style.session ? await openSession(url, style) : undefined;
    const req = wrkRequest(style, sid);
    m.framing = await checkCall(url, style, sid);
    m.served++;
    if (opt.warmup > 0) m.served += (await runWrk(url, req, opt, opt.warmup)).requests;
    const cpu0 = cpuSeconds(child.pid);
    const self0 = cpuSeconds("self");
    const w0 = performance.now();
    const w = await runWrk(url, req, opt, opt.seconds);
    const wall = (performance.now() - w0) / 1000;
    const cpu = cpuSeconds(child.pid) - cpu0;
    const self = cpuSeconds("self") - self0;
    m.rssMiB = rssMiB(child.pid);
    m.served += w.requests;
    await checkCall(url, style, sid);
    m.served++;
    m.load = { w, cpu, self, wall };
    m.error = wrkError(w);
  } catch (e) {
    m.error = e instanceof Error ? e.message : String(e);
  } finally {
    m.status = await stopServer(child, killAfterMs);
  }
  return m;
}

/**
 * The figures of a measured run. With `detail`, also the p90 and the maximum latency (in the
 * order the results have always listed them).
 */
export function loadFigures({ w, cpu, wall }: Load, detail = false) {
  return {
    requests: w.requests,
    rps: w.requests / (w.duration_us / 1e6),
    p50Ms: w.lat_p50_us / 1000,
    ...(detail ? { p90Ms: w.lat_p90_us / 1000 } : {}),
    p99Ms: w.lat_p99_us / 1000,
    ...(detail ? { maxMs: w.lat_max_us / 1000 } : {}),
    cpuCores: cpu / wall,
    cpuUsPerReq: (cpu * 1e6) / w.requests,
  };
}

/**
 * Server processes for the HTTP benches: a free port, a direct child running the real Deno
 * binary (so that `/proc/<pid>` is the server itself), waiting for it to listen, stopping it,
 * and reading its CPU time and memory from `/proc`.
 *
 * Importing this module makes SIGINT and SIGTERM kill the server that is running (if any) and
 * exit with code 130.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
export { freePort, waitListening } from "./ports.ts";

/** denomcp's own deno.json (its import map), passed to every server with `--config` unless it names another. */
export const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** Clock ticks per second, the unit of the CPU times in `/proc/<pid>/stat`. */
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

/** utime + stime of a process (all its threads), in seconds. */
export function cpuSeconds(pid: number | "self"): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident memory of a process in MiB, NaN if it cannot be read. */
export function rssMiB(pid: number): number {
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

/** How to run one server program. */
export interface ServerSpec {
  /** Absolute path of the server program. */
  program: string;
  /** The deno.json to run it with (default {@link CONFIG}, denomcp's own). */
  config?: string;
  /** Extra `deno run` flags, placed before the program. */
  denoFlags?: string[];
  /** Environment variables (PORT is added by {@link startServer}). */
  env?: Record<string, string>;
  /** Start from an empty environment instead of inheriting this process's one. */
  clearEnv?: boolean;
}

/**
 * Starts a server as a direct child running the real Deno binary (not a shell or a wrapper
 * script), so that `/proc/<pid>` is the server's own process. Its stdout and stderr go to `log`.
 */
export function startServer(spec: ServerSpec, port: number, log: Deno.FsFile): Deno.ChildProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", spec.config ?? CONFIG, ...(spec.denoFlags ?? []), spec.program],
    clearEnv: spec.clearEnv,
    env: { ...spec.env, PORT: String(port) },
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

/** Writes one line of text to a server log. */
export function logLine(log: Deno.FsFile, text: string): void {
  log.writeSync(new TextEncoder().encode(`\n${text}\n`));
}

/** SIGTERM, then SIGKILL if the server is still running after `killAfterMs`. */
export async function stopServer(child: Deno.ChildProcess, killAfterMs: number): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGTERM");
  } catch { /* already exited */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, killAfterMs);
  const status = await child.status;
  clearTimeout(timer);
  live = undefined;
  return status;
}

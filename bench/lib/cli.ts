/**
 * What the HTTP benches share around the measuring: the load options, the output files under
 * /tmp/denomcp-bench/, and the end of a run (table, notes on bad runs, exit code).
 *
 * @module
 */

import type { LoadOptions } from "./measure.ts";
import { wrkCommand, type WrkShape } from "./wrk.ts";

const OUT_DIR = "/tmp/denomcp-bench";

/** The `parseArgs` options for {@link loadOptions}. */
export const LOAD_FLAGS = {
  seconds: { type: "string", default: "5" },
  rounds: { type: "string", default: "3" },
  warmup: { type: "string", default: "2" },
  conns: { type: "string", default: "32" },
  threads: { type: "string", default: "1" },
} as const;

/** The load options, and how many rounds. */
export interface RoundOptions extends LoadOptions {
  rounds: number;
}

/** Reads the {@link LOAD_FLAGS} values; exits 2 (naming `prog`) on a bad one. */
export function loadOptions(
  prog: string,
  values: { seconds: string; rounds: string; warmup: string; conns: string; threads: string },
): RoundOptions {
  return {
    seconds: count(prog, "seconds", values.seconds, 1),
    rounds: count(prog, "rounds", values.rounds, 1),
    warmup: count(prog, "warmup", values.warmup, 0),
    conns: count(prog, "conns", values.conns, 1),
    threads: count(prog, "threads", values.threads, 1),
  };
}

/** A whole-number option (wrk takes whole seconds). */
function count(prog: string, name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usageError(prog, `--${name} must be a whole number ≥ ${min}`);
  return n;
}

/** Says what is wrong with the command line and exits 2. */
export function usageError(prog: string, message: string): never {
  console.error(`${prog}: ${message}`);
  Deno.exit(2);
}

/** The items named on the command line (all of them if none is), in the order given. */
export function chosen<C extends { name: string }>(
  prog: string,
  kind: string,
  names: string[],
  all: C[],
): C[] {
  return names.length
    ? names.map((n) => all.find((c) => c.name === n) ?? usageError(prog, `unknown ${kind} ${n}`))
    : all;
}

/** Where one bench run writes: `<kind>-<time>.json` (and `.md`), and the server log `.log`. */
export interface Output {
  jsonPath: string;
  logPath: string;
  log: Deno.FsFile;
}

/** Creates the output folder and opens the server log. */
export async function openOutput(kind: string): Promise<Output> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  await Deno.mkdir(OUT_DIR, { recursive: true });
  const jsonPath = `${OUT_DIR}/${kind}-${stamp}.json`;
  const logPath = `${OUT_DIR}/${kind}-${stamp}.log`;
  const log = await Deno.open(logPath, { create: true, append: true });
  return { jsonPath, logPath, log };
}

/** The `meta` record of the results. */
export function benchMeta<O extends WrkShape & { seconds: number }>(opt: O) {
  return {
    date: new Date().toISOString(),
    deno: Deno.version,
    options: opt,
    wrk: wrkCommand(opt, opt.seconds),
    cpus: navigator.hardwareConcurrency,
  };
}

/**
 * Writes the results (JSON, and the table as `.md`), prints the table and `explanation`, notes
 * every bad run on stderr, prints where the results are, and exits 1 if any run was bad.
 */
export async function finish<R extends { ok: boolean; round: number; error?: string }>(
  jsonPath: string,
  results: unknown,
  md: string,
  explanation: string,
  runs: Map<string, R[]>,
  name: (r: R) => string,
): Promise<void> {
  await Deno.writeTextFile(jsonPath, JSON.stringify(results, null, 2) + "\n");
  await Deno.writeTextFile(jsonPath.replace(/\.json$/, ".md"), md + "\n");
  console.log(md);
  console.log(explanation);
  let bad = 0;
  for (const list of runs.values()) {
    for (const r of list) {
      if (r.ok) continue;
      bad++;
      console.error(`note: ${name(r)} round ${r.round}: ${r.error}`);
    }
  }
  console.log(`results: ${jsonPath}`);
  // Only correctness fails the run (a bad answer, a non-2xx response, a socket error, …), never speed.
  if (bad > 0) Deno.exit(1);
}

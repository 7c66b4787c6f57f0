/**
 * Pairing runs with a baseline, medians over rounds, and the markdown tables of the HTTP benches.
 *
 * @module
 */

/** The figures every measured run of the HTTP benches has (once it got that far). */
export interface BaseRun {
  round: number;
  ok: boolean;
  error?: string;
  rps?: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuCores?: number;
  cpuUsPerReq?: number;
  rssMiB?: number;
}

/**
 * Runs every one of `others` paired with a run of `base`, `rounds` times: the order of the others
 * rotates between rounds, and the base runs first in odd rounds, last in even ones. The base run
 * of a pair gets the other's name in `pairedWith`; the other run gets the base run's req/s (NaN
 * if the base run was bad) in the field `pairRps`. The runs are returned by name, the base first.
 */
export async function pairedRounds<C extends { name: string }, R extends BaseRun & { pairedWith?: string }>(
  base: C,
  others: C[],
  rounds: number,
  pairRps: NoInfer<keyof R & string>,
  measure: (c: C, round: number) => Promise<R>,
): Promise<Map<string, R[]>> {
  const results = new Map<string, R[]>([base, ...others].map((c) => [c.name, []]));
  for (let round = 1; round <= rounds; round++) {
    const order = others.map((_, i) => others[(i + round - 1) % others.length]);
    for (const c of order) {
      const baseFirst = round % 2 === 1;
      const first = await measure(baseFirst ? base : c, round);
      const second = await measure(baseFirst ? c : base, round);
      const [b, x] = baseFirst ? [first, second] : [second, first];
      b.pairedWith = c.name;
      (x as Record<string, unknown>)[pairRps] = b.ok ? b.rps : NaN;
      results.get(base.name)!.push(b);
      results.get(c.name)!.push(x);
    }
  }
  return results;
}

/** The median of the finite values, NaN if there are none. */
export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A number with thousands separators and `digits` decimals; `-` if there is none. */
export function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The progress line of one run; `extra` is appended to a good run's figures. */
export function runLine(r: BaseRun, name: string, width: number, extra = ""): string {
  return `  r${r.round} ${name.padEnd(width)} ${
    r.ok
      ? `${fmt(r.rps)} req/s  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  ` +
        `cpu ${fmt(r.cpuCores, 2)} cores  ${fmt(r.cpuUsPerReq, 1)} µs/req` + extra
      : `BAD: ${r.error}`
  }`;
}

/** Medians over the good runs of one configuration; see {@link summarize}. */
export interface Speed {
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  ratio: number;
  ratios: number[];
  p50Ms: number;
  p99Ms: number;
  cpuCores: number;
  cpuUsPerReq: number;
}

/** Memory and the count of runs; see {@link summarize}. */
export interface Tail {
  rssMiB: number;
  badRuns: number;
  runs: number;
}

/**
 * Medians over the good runs of one configuration. The ratio is the median of the per-pair ratios
 * to the baseline's req/s (`pairRps`), 1 for the baseline itself. The rows of a table list
 * `speed` first and `tail` last, with what only one bench reports between them.
 */
export function summarize<R extends BaseRun>(
  runs: R[],
  isBase: boolean,
  pairRps: (r: R) => number | undefined,
): { good: R[]; speed: Speed; tail: Tail } {
  const good = runs.filter((r) => r.ok);
  const rps = good.map((r) => r.rps!);
  const ratios = isBase ? [1] : good.map((r) => r.rps! / pairRps(r)!).filter(Number.isFinite);
  return {
    good,
    speed: {
      rpsMedian: median(rps),
      rpsMin: Math.min(...rps),
      rpsMax: Math.max(...rps),
      ratio: median(ratios),
      ratios,
      p50Ms: median(good.map((r) => r.p50Ms!)),
      p99Ms: median(good.map((r) => r.p99Ms!)),
      cpuCores: median(good.map((r) => r.cpuCores!)),
      cpuUsPerReq: median(good.map((r) => r.cpuUsPerReq!)),
    },
    tail: {
      rssMiB: median(good.map((r) => r.rssMiB!)),
      badRuns: runs.length - good.length,
      runs: runs.length,
    },
  };
}

/**
 * One configuration against another when both were paired with the same baseline in every round:
 * per round, `speed` is (its req/s ÷ its baseline run's) ÷ (the reference's req/s ÷ its baseline
 * run's), `direct` its req/s ÷ the reference's, and `cpu` its CPU µs per request ÷ the
 * reference's. Only rounds where both runs are good count; the figures are the medians over those
 * rounds, with the per-round values.
 */
export interface Relative {
  speed: number;
  speeds: number[];
  direct: number;
  directs: number[];
  cpu: number;
  cpus: number[];
  rounds: number;
}

/** See {@link Relative}; `pairRps` is a run's baseline req/s, as for {@link summarize}. */
export function relative<R extends BaseRun>(
  runs: R[],
  ref: R[],
  pairRps: (r: R) => number | undefined,
): Relative {
  const speeds: number[] = [];
  const directs: number[] = [];
  const cpus: number[] = [];
  for (const r of runs) {
    const q = ref.find((q) => q.round === r.round);
    if (!r.ok || !q?.ok) continue;
    const speed = (r.rps! / pairRps(r)!) / (q.rps! / pairRps(q)!);
    const direct = r.rps! / q.rps!;
    const cpu = r.cpuUsPerReq! / q.cpuUsPerReq!;
    if (![speed, direct, cpu].every(Number.isFinite)) continue;
    speeds.push(speed);
    directs.push(direct);
    cpus.push(cpu);
  }
  return {
    speed: median(speeds),
    speeds,
    direct: median(directs),
    directs,
    cpu: median(cpus),
    cpus,
    rounds: speeds.length,
  };
}

/** `min–max` of the finite values, `-` if there are none. */
export function spread(xs: number[], digits = 0): string {
  const f = xs.filter(Number.isFinite);
  return f.length ? `${fmt(Math.min(...f), digits)}–${fmt(Math.max(...f), digits)}` : "-";
}

/** One column of a markdown table. */
export interface Column<R> {
  title: string;
  /** Right-aligned (numbers). */
  right?: boolean;
  cell(r: R): string;
}

/** A markdown table, one row per item. */
export function markdownTable<R>(columns: Column<R>[], rows: R[]): string {
  const lines = [
    `| ${columns.map((c) => c.title).join(" | ")} |`,
    `|${columns.map((c) => (c.right ? "---:" : "---")).join("|")}|`,
  ];
  for (const r of rows) lines.push(`| ${columns.map((c) => c.cell(r)).join(" | ")} |`);
  return lines.join("\n");
}

/** The columns of {@link Speed}; `base` names the baseline in the ratio's title. */
export function speedColumns<R extends Speed>(base: string): Column<R>[] {
  return [
    { title: "req/s median", right: true, cell: (r) => fmt(r.rpsMedian) },
    { title: "min–max", right: true, cell: (r) => `${fmt(r.rpsMin)}–${fmt(r.rpsMax)}` },
    { title: `ratio to ${base} (paired)`, right: true, cell: (r) => fmt(r.ratio, 3) },
    { title: "p50 ms", right: true, cell: (r) => fmt(r.p50Ms, 2) },
    { title: "p99 ms", right: true, cell: (r) => fmt(r.p99Ms, 2) },
    { title: "server CPU (cores)", right: true, cell: (r) => fmt(r.cpuCores, 2) },
    { title: "CPU µs per req", right: true, cell: (r) => fmt(r.cpuUsPerReq, 1) },
  ];
}

/** The columns of {@link Tail}. */
export function tailColumns<R extends Tail>(): Column<R>[] {
  return [
    { title: "RSS after (MiB)", right: true, cell: (r) => fmt(r.rssMiB) },
    { title: "bad runs", right: true, cell: (r) => `${r.badRuns}/${r.runs}` },
  ];
}

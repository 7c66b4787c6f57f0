/**
 * The official conformance suite as the runners call it: one pinned version, run from the
 * checkout's root with colours off, and the parts of its output they read (scenario lists and
 * per-scenario verdicts).
 *
 * @module
 */

/** The suite, pinned: a new version may add or rename scenarios. */
export const SUITE = "npm:@modelcontextprotocol/conformance@0.2.0-alpha.12";
const ROOT = new URL("../../", import.meta.url);

/** Runs the suite with `args`; its exit code and stdout followed by stderr. */
export async function suite(args: string[]): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SUITE, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

/** The names listed as `  - name` lines of a `list` output (or a section of it). */
export function listedNames(text: string): string[] {
  return [...text.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
}

/** The required scenarios that passed and those that did not, and the unscored ones with their marks. */
export interface Verdicts {
  passed: string[];
  failed: string[];
  others: string[];
}

/** Reads the `✓ name: n passed, m failed` lines of a run against the required scenarios. */
export function verdicts(text: string, required: Set<string>): Verdicts {
  const seen = new Map<string, boolean>();
  for (const m of text.matchAll(/^([✓✗]) ([^:\s]+): \d+ passed, \d+ failed/gm)) seen.set(m[2], m[1] === "✓");
  return {
    passed: [...required].filter((name) => seen.get(name) === true),
    failed: [...required].filter((name) => seen.get(name) !== true),
    others: [...seen].filter(([name]) => !required.has(name)).map(([name, ok]) =>
      `${ok ? "✓" : "✗"} ${name}`
    ),
  };
}

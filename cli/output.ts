/**
 * How the CLI writes: results on stdout (JSON when asked), everything else on stderr, colour
 * only on a terminal and never with `NO_COLOR` set (https://no-color.org).
 *
 * @module
 */

function colorOn(): boolean {
  try {
    if (Deno.env.get("NO_COLOR")) return false;
  } catch {
    // No --allow-env: colour stays off only if stdout is not a terminal.
  }
  return Deno.stdout.isTerminal();
}

const ON = colorOn();
const paint = (code: number) => (text: string) => ON ? `\x1b[${code}m${text}\x1b[0m` : text;

/** Bold, when colour is on. */
export const bold: (text: string) => string = paint(1);
/** Dim, when colour is on. */
export const dim: (text: string) => string = paint(2);

/** Writes a line to stdout. */
export function out(line = ""): void {
  console.log(line);
}

/** Writes a value as indented JSON to stdout. */
export function outJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Writes a line to stderr. */
export function note(line: string): void {
  console.error(line);
}

/** A tool's arguments as a signature: `(city: string, days?: integer)`. */
export function signature(schema: unknown): string {
  const s = schema as { properties?: Record<string, { type?: unknown }>; required?: string[] } | undefined;
  const required = new Set(s?.required ?? []);
  const parts = Object.entries(s?.properties ?? {}).map(([name, prop]) => {
    const type = Array.isArray(prop?.type)
      ? prop.type.join("|")
      : typeof prop?.type === "string"
      ? prop.type
      : "any";
    return `${name}${required.has(name) ? "" : "?"}: ${type}`;
  });
  return `(${parts.join(", ")})`;
}

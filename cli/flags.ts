/**
 * Flags several commands share: `--header "Name: Value"` (`list`, `call`, `inspect`, `install`)
 * and port numbers (`run`, `dev`).
 *
 * @module
 */

import { UsageError } from "./server_spec.ts";

/** Headers from repeated `--header "Name: Value"` flags; a flag without a name is a usage error naming it. */
export function parseHeaderFlags(flags: readonly string[] = []): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const flag of flags) {
    const colon = flag.indexOf(":");
    if (colon <= 0) throw new UsageError(`--header "${flag}": expected "Name: Value"`);
    headers[flag.slice(0, colon).trim()] = flag.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * A port flag's number; `fallback` when it is absent. `allowZero` for a server that may pick a free
 * port (`run`); the Inspector needs a fixed one.
 */
export function parsePortFlag(
  value: string | undefined,
  flag: string,
  { fallback, allowZero = false }: { fallback?: number; allowZero?: boolean } = {},
): number | undefined {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new UsageError(`${flag} must be a port number: ${value}`);
  }
  return port;
}

/**
 * `--header "Name: Value"` flags, as `list`, `call`, `inspect` and `install` take them.
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

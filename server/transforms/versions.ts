/**
 * Component versions: how version strings compare, and the `VersionSpec` a client or a
 * transform uses to pick one (FastMCP's semantics: `eq`, or the range `gte <= v < lt`).
 *
 * Comparison: leading `v`s are ignored; versions made of dot-separated integers compare
 * numerically with trailing zeros insignificant (`"1"` = `"1.0"`, `"10"` > `"2"`); anything
 * else compares as a plain string, above every numeric version. An unversioned component sorts
 * below every version.
 *
 * @module
 */

/**
 * Which versions a lookup accepts. With `eq` the others are ignored.
 *
 * @example
 * ```ts
 * import type { VersionSpec } from "@denomcp/denomcp";
 * const twoPointAnything: VersionSpec = { gte: "2", lt: "3" };
 * ```
 */
export interface VersionSpec {
  /** Exactly this version. */
  readonly eq?: string;
  /** At least this version. */
  readonly gte?: string;
  /** Below this version. */
  readonly lt?: string;
}

const NUMERIC = /^\d+(\.\d+)*$/;

function normalized(version: string): { numeric?: number[]; raw: string } {
  const raw = version.replace(/^v+/, "");
  if (!NUMERIC.test(raw)) return { raw };
  const parts = raw.split(".").map(Number);
  while (parts.length > 1 && parts.at(-1) === 0) parts.pop();
  return { numeric: parts, raw };
}

/** Orders two versions (negative, zero, positive); `undefined` (unversioned) is lowest. */
export function compareVersions(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const x = normalized(a);
  const y = normalized(b);
  if (x.numeric && y.numeric) {
    for (let i = 0; i < Math.max(x.numeric.length, y.numeric.length); i++) {
      const d = (x.numeric[i] ?? 0) - (y.numeric[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }
  if (x.numeric) return -1;
  if (y.numeric) return 1;
  return x.raw < y.raw ? -1 : x.raw > y.raw ? 1 : 0;
}

/**
 * True when `version` satisfies `spec`. `matchUnversioned` decides for components without a
 * version: lookups accept them (a client asking for a version of an unversioned tool gets it),
 * visibility rules do not.
 */
export function matchesVersion(
  spec: VersionSpec,
  version: string | undefined,
  matchUnversioned: boolean,
): boolean {
  if (version === undefined) return matchUnversioned;
  if (spec.eq !== undefined) return compareVersions(version, spec.eq) === 0;
  if (spec.gte !== undefined && compareVersions(version, spec.gte) < 0) return false;
  if (spec.lt !== undefined && compareVersions(version, spec.lt) >= 0) return false;
  return true;
}

/**
 * The spec for the next lower version after `version` was found unusable (hidden), or undefined
 * when no lower one may be chosen (an exact version was asked for, or nothing is below).
 */
export function below(spec: VersionSpec | undefined, version: string | undefined): VersionSpec | undefined {
  if (spec?.eq !== undefined || version === undefined) return undefined;
  const lt = spec?.lt !== undefined && compareVersions(spec.lt, version) < 0 ? spec.lt : version;
  return { ...spec, lt };
}

/** The highest version among `items`; ties go to the earliest. */
export function highest<T extends { readonly version?: string }>(items: Iterable<T>): T | undefined {
  let best: T | undefined;
  for (const item of items) if (!best || compareVersions(item.version, best.version) > 0) best = item;
  return best;
}

/**
 * The version a request asks for in `_meta.fastmcp.version` (FastMCP's key, so that its clients
 * work unchanged): a string for an exact version, or `{ eq?, gte?, lt? }`.
 */
export function requestedVersion(params: Record<string, unknown>): VersionSpec | undefined {
  const meta = params._meta as { fastmcp?: { version?: unknown } } | undefined;
  const asked = meta?.fastmcp?.version;
  if (typeof asked === "string") return { eq: asked };
  if (typeof asked === "number") return { eq: String(asked) };
  if (typeof asked !== "object" || asked === null) return undefined;
  const { eq, gte, lt } = asked as Record<string, unknown>;
  const spec: { eq?: string; gte?: string; lt?: string } = {};
  if (typeof eq === "string") spec.eq = eq;
  if (typeof gte === "string") spec.gte = gte;
  if (typeof lt === "string") spec.lt = lt;
  return Object.keys(spec).length ? spec : undefined;
}

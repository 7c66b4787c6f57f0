/**
 * Measures of a decoded JSON value that limits are counted in: its nesting depth and its size in
 * bytes.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Bytes of `value` serialized as JSON (UTF-8). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  // ASCII text is the common case; only text with other characters needs encoding to count.
  // deno-lint-ignore no-control-regex
  return text === undefined ? 0 : /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).byteLength;
}

/** Up to this limit the walk recurses (fast, no allocation); beyond it, it keeps its own stack. */
const RECURSION_SAFE = 512;

/**
 * True when objects and arrays in `value` nest deeper than `max` levels (the value itself, if an
 * object or array, is level 1). It stops at the first branch that is too deep, so a hostile value
 * costs at most `max` levels of descent, and no value and no setting can exhaust the stack.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  return max <= RECURSION_SAFE ? deeper(value, max) : deeperIteratively(value, max);
}

function deeper(value: object, levels: number): boolean {
  if (levels <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "object" && item !== null && deeper(item, levels - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null && deeper(item, levels - 1)) return true;
  }
  return false;
}

function deeperIteratively(value: object, max: number): boolean {
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const items = Array.isArray(current) ? current : Object.values(current);
    for (const item of items) {
      if (typeof item === "object" && item !== null) {
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

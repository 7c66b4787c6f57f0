/**
 * `DereferenceRefsMiddleware`: tool listings whose JSON Schemas have their local `$ref`s inlined,
 * for clients that cannot follow them.
 *
 * A walker of our own rather than `@apidevtools/json-schema-ref-parser`: with
 * `circular: "ignore"` that library leaves every reference to a recursive definition as a
 * `$ref` (it inlines none of it), keeps every `$defs` entry, shares one object between the
 * places a definition is inlined, and brings a YAML parser along. What is wanted here is
 * narrower: local pointers only, a recursive definition inlined down to the point where it
 * recurs, the definitions still referenced kept and the rest dropped, fresh objects throughout.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { type MaybePromise, then } from "./compose.ts";
import type { Middleware, MiddlewareContext, Next } from "./middleware.ts";

type Json = Record<string, unknown>;

/** Keywords whose value maps names to subschemas: the names are never keywords themselves. */
const SCHEMA_MAPS = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
  "dependencies",
]);
/** Keywords whose value is instance data, not a schema: a `$ref` key in there is data. */
const DATA = new Set(["const", "enum", "default", "examples"]);
/** Keywords that only annotate: beside a `$ref` they can be merged into what it points to. */
const ANNOTATIONS = new Set([
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$comment",
]);
/** Where definitions live: dropped where they stand, put back only if something still points in. */
const DEFS = new Set(["$defs", "definitions"]);
/** Subschemas a walk may produce before it gives up (inlining can grow a schema exponentially). */
const NODE_BUDGET = 100_000;

/** Thrown inside a walk to leave a schema as it is: it uses something that cannot be inlined safely. */
class Unsupported extends Error {}

const MISSING = Symbol("missing");

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function escapeSegment(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** The segments of a local JSON Pointer reference (`#`, `#/a/b`), or undefined for any other. */
function pointerOf(ref: string): string[] | undefined {
  if (ref === "#") return [];
  if (!ref.startsWith("#/")) return undefined;
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(2));
  } catch {
    return undefined;
  }
  return fragment.split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The value at `segments` inside `root` (RFC 6901). */
function valueAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment) || Number(segment) >= node.length) return MISSING;
      node = node[Number(segment)];
    } else if (isObject(node) && Object.hasOwn(node, segment)) {
      node = node[segment];
    } else return MISSING;
  }
  return node;
}

/** Whether location `inner` is `outer` or inside it (both canonical pointers, `""` the root). */
function within(inner: string, outer: string): boolean {
  return outer === "" || inner === outer || inner.startsWith(outer + "/");
}

/** Whether `schema` has a `$ref` anywhere, or definitions at its root. */
function needsWork(schema: Json): boolean {
  if ("$defs" in schema || "definitions" in schema) return true;
  const stack: unknown[] = [schema];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (isObject(node)) {
      if (typeof node.$ref === "string") return true;
      stack.push(...Object.values(node));
    }
  }
  return false;
}

/**
 * Inlines the local references of one schema. References are resolved against the original
 * root; a reference back into a subschema being inlined (recursion) is left as a `$ref`, and
 * what it points to is put back under its old pointer so that it still resolves.
 */
class Inliner {
  readonly #root: Json;
  /** Canonical pointers left as `$ref`s. */
  readonly #kept = new Set<string>();
  #nodes = 0;

  constructor(root: Json) {
    this.#root = root;
  }

  /** The inlined schema, or undefined when the schema must be left as it is. */
  run(): Json | undefined {
    try {
      const out = this.#schema(this.#root, "", []) as Json;
      this.#restoreKept(out);
      return out;
    } catch (error) {
      if (error instanceof Unsupported) return undefined;
      throw error;
    }
  }

  /** A subschema at original location `loc`, inlined; `trail` holds the locations being inlined around it. */
  #schema(node: unknown, loc: string, trail: readonly string[]): unknown {
    if (++this.#nodes > NODE_BUDGET) throw new Unsupported();
    if (Array.isArray(node)) return node.map((item, i) => this.#schema(item, `${loc}/${i}`, trail));
    if (!isObject(node)) return node;
    if (typeof node.$ref === "string") return this.#reference(node, node.$ref, loc, trail);
    return this.#keywords(node, loc, trail);
  }

  #keywords(node: Json, loc: string, trail: readonly string[], without?: string): Json {
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === without || DEFS.has(key)) continue;
      // A nested `$id` moves the base that `#/…` resolves against; dynamic references resolve at run time.
      if ((key === "$id" && loc !== "") || key === "$dynamicRef" || key === "$recursiveRef") {
        throw new Unsupported();
      }
      const at = `${loc}/${escapeSegment(key)}`;
      if (DATA.has(key)) out[key] = structuredClone(value);
      else if (SCHEMA_MAPS.has(key) && isObject(value)) {
        const map: Json = {};
        for (const [name, sub] of Object.entries(value)) {
          map[name] = this.#schema(sub, `${at}/${escapeSegment(name)}`, trail);
        }
        out[key] = map;
      } else out[key] = this.#schema(value, at, trail);
    }
    return out;
  }

  #reference(node: Json, ref: string, loc: string, trail: readonly string[]): unknown {
    const segments = pointerOf(ref);
    // A remote or anchor reference: what it needs cannot be known, so nothing may be dropped.
    if (!segments) throw new Unsupported();
    const target = valueAt(this.#root, segments);
    if (target === MISSING) throw new Unsupported();
    const pointer = segments.map((s) => "/" + escapeSegment(s)).join("");
    const siblings = this.#keywords(node, loc, trail, "$ref");
    if (within(loc, pointer) || trail.some((t) => within(t, pointer))) {
      // Recursion: inlining again would never end.
      this.#kept.add(pointer);
      return { $ref: ref, ...siblings };
    }
    const inlined = this.#schema(target, pointer, [...trail, loc]);
    const names = Object.keys(siblings);
    if (names.length === 0) return inlined;
    if (isObject(inlined) && names.every((n) => ANNOTATIONS.has(n))) return { ...inlined, ...siblings };
    // Siblings that constrain apply beside the target (2020-12): merging keywords could change
    // what validates (`additionalProperties` next to another `properties`, say).
    const allOf = Array.isArray(siblings.allOf) ? siblings.allOf : [];
    return { ...siblings, allOf: [...allOf, inlined] };
  }

  /** Puts back, under its old pointer, what each kept `$ref` points to, shallowest first. */
  #restoreKept(out: Json): void {
    const done = new Set<string>();
    for (;;) {
      const pending = [...this.#kept].filter((p) => !done.has(p));
      if (!pending.length) return;
      pending.sort((a, b) => a.split("/").length - b.split("/").length);
      for (const pointer of pending) {
        done.add(pointer);
        const segments = pointer.split("/").slice(1).map((s) =>
          s.replaceAll("~1", "/").replaceAll("~0", "~")
        );
        if (valueAt(out, segments) !== MISSING) continue; // still in the inlined body
        const value = this.#schema(valueAt(this.#root, segments), pointer, []);
        place(out, segments, value);
      }
    }
  }
}

/** Sets `value` at `segments` in `root`, making objects on the way; every object there is the walk's own. */
function place(root: Json, segments: readonly string[], value: unknown): void {
  let node: unknown = root;
  for (const segment of segments.slice(0, -1)) {
    const next = valueAt(node, [segment]);
    if (next === MISSING) {
      if (!isObject(node)) throw new Unsupported();
      node = node[segment] = {};
    } else node = next;
  }
  if (!isObject(node)) throw new Unsupported();
  node[segments[segments.length - 1]] = value;
}

/**
 * Inlines local `$ref`s (`#/$defs/…`, `#/definitions/…`, any `#/…` pointer) in the tools'
 * `inputSchema` and `outputSchema` of `tools/list`, for clients that cannot follow references.
 * A recursive definition is inlined down to where it recurs, which is left as a `$ref`; the
 * definitions such `$ref`s need are kept, and every other `$defs` entry is dropped. Keywords
 * beside a `$ref` are kept: annotations (`description`, `default`, …) are merged into the
 * inlined schema, constraints are combined with it in an `allOf`.
 *
 * A schema that uses what cannot be inlined safely (a remote or anchor reference, a nested
 * `$id`, `$dynamicRef`) is listed as it is. Listings are never changed in place (the server keeps
 * them): changed tools are copies, computed once per tool and schema. Resource templates and
 * prompts carry no JSON Schema on the wire, so only tools are rewritten.
 *
 * @example
 * ```ts
 * import { DereferenceRefsMiddleware, FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo", middleware: [new DereferenceRefsMiddleware()] });
 * ```
 */
export class DereferenceRefsMiddleware implements Middleware {
  readonly #schemas = new WeakMap<Json, Json>();
  readonly #tools = new WeakMap<Json, Json>();

  /** Rewrites the schemas of the listed tools. */
  onListTools(context: MiddlewareContext, next: Next): MaybePromise<JsonObject | undefined> {
    return then(next(context), (result) => {
      if (!result || !Array.isArray(result.tools)) return result;
      let changed = false;
      const tools = result.tools.map((tool) => {
        const out = isObject(tool) ? this.#tool(tool) : tool;
        if (out !== tool) changed = true;
        return out;
      });
      return changed ? { ...result, tools } : result;
    });
  }

  #tool(tool: Json): Json {
    let out = this.#tools.get(tool);
    if (out) return out;
    out = tool;
    for (const key of ["inputSchema", "outputSchema"]) {
      const schema = tool[key];
      if (!isObject(schema)) continue;
      const inlined = this.#schema(schema);
      if (inlined !== schema) out = { ...out, [key]: inlined };
    }
    this.#tools.set(tool, out);
    return out;
  }

  #schema(schema: Json): Json {
    let out = this.#schemas.get(schema);
    if (!out) {
      out = needsWork(schema) ? new Inliner(schema).run() ?? schema : schema;
      this.#schemas.set(schema, out);
    }
    return out;
  }
}

/**
 * Copies schemas out of a document into one self-contained JSON Schema 2020-12: every local
 * `$ref` becomes `#/$defs/<name>` with its target copied once into `$defs`, so recursive schemas
 * stay finite and shared ones are written once per tool.
 *
 * @module
 */

import { resolvePointer } from "./spec.ts";

type Json = Record<string, unknown>;

/** The `$defs` key of a ref: the component's name for `#/components/schemas/X`, else the pointer's path. */
function defName(ref: string): string {
  const pointer = decodeURIComponent(ref.slice(1));
  const match = /^\/components\/schemas\/([^/]+)$/.exec(pointer);
  const raw = match ? match[1] : pointer.slice(1);
  return raw.replaceAll("~1", "/").replaceAll("~0", "~").replace(/[^A-Za-z0-9_.-]+/g, "_") || "root";
}

/** Builds the schemas of one component; {@link SchemaCopier.defs} holds what they refer to. */
export class SchemaCopier {
  readonly #document: unknown;
  readonly #names = new Map<string, string>();
  readonly #defs: Json = {};

  /** A copier reading `document`. */
  constructor(document: unknown) {
    this.#document = document;
  }

  /** The definitions referred to so far (empty when none). */
  get defs(): Json {
    return this.#defs;
  }

  /** A copy of `schema` with its refs rewritten; a top-level `$ref` alone is replaced by its target. */
  copy(schema: unknown, inlineTop = false): Json {
    const top = inlineTop ? this.target(schema) : schema;
    const out = this.#walk(top, new Set(), false);
    return typeof out === "object" && out !== null && !Array.isArray(out) ? out as Json : {};
  }

  /** The schema a chain of top-level `$ref`s points to (the schema itself when it has none). */
  target(schema: unknown): unknown {
    const seen = new Set<string>();
    let node = schema;
    while (isRefOnly(node)) {
      const ref = (node as { $ref: string }).$ref;
      if (seen.has(ref)) return {};
      seen.add(ref);
      node = resolvePointer(this.#document, ref) ?? {};
    }
    return node;
  }

  #refTo(ref: string): string | undefined {
    const known = this.#names.get(ref);
    if (known) return known;
    const target = resolvePointer(this.#document, ref);
    if (target === undefined) return undefined;
    let name = defName(ref);
    for (let n = 2; Object.hasOwn(this.#defs, name); n++) name = `${defName(ref)}_${n}`;
    this.#names.set(ref, name);
    // Reserve the name before copying, so that a schema that refers to itself finds it.
    this.#defs[name] = true;
    this.#defs[name] = this.#walk(target, new Set(), false) as Json;
    return name;
  }

  /** `names`: the keys of `node` are names (of properties, definitions), not keywords. */
  #walk(node: unknown, path: Set<object>, names: boolean): unknown {
    if (typeof node !== "object" || node === null) return node;
    // A cyclic object graph (a caller's pre-dereferenced spec) is cut where it loops.
    if (path.has(node)) return {};
    path.add(node);
    try {
      if (Array.isArray(node)) return node.map((item) => this.#walk(item, path, false));
      const out: Json = {};
      for (const [key, value] of Object.entries(node)) {
        if (names) {
          out[key] = this.#walk(value, path, false);
          continue;
        }
        if (key === "$ref" && typeof value === "string") {
          const name = value.startsWith("#") ? this.#refTo(value) : undefined;
          // A ref that resolves nowhere allows anything rather than breaking the whole schema.
          if (name !== undefined) out.$ref = `#/$defs/${encodePointer(name)}`;
          continue;
        }
        // Annotations that only cost bytes (and may hold refs of their own).
        if (key === "example" || key === "examples" || key === "xml" || key === "externalDocs") continue;
        out[key] = this.#walk(value, path, NAME_MAPS.has(key));
      }
      return "nullable" in out ? withoutNullable(out) : out;
    } finally {
      path.delete(node);
    }
  }
}

/**
 * OpenAPI 3.0's `nullable` left by the upgrade (it converts only schemas with a `type`): not a
 * 2020-12 keyword, and one Ajv refuses without `type`. `nullable: true` on a `oneOf` or `$ref`
 * means "or null" in every spec that writes it, so it becomes exactly that.
 */
function withoutNullable(schema: Json): Json {
  const { nullable, ...rest } = schema;
  if (nullable !== true || rest.type !== undefined) return rest;
  return { anyOf: [rest, { type: "null" }] };
}

const NAME_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);

function isRefOnly(node: unknown): boolean {
  return typeof node === "object" && node !== null && typeof (node as { $ref?: unknown }).$ref === "string";
}

function encodePointer(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Copies schemas out of a document into self-contained JSON Schema 2020-12: every local `$ref`
 * becomes `#/$defs/<name>`, and a component's `$defs` hold exactly the definitions it reaches, so
 * recursive schemas stay finite. Each definition is copied (and made valid) once per document and
 * shared by every component that uses it: in specs whose models all refer to each other (Microsoft
 * Graph: 11,000 operations), a copy per tool would hold the whole model thousands of times.
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

interface Definition {
  readonly name: string;
  schema: unknown;
  /** The refs this definition's schema refers to directly. */
  readonly refs: Set<string>;
}

/** The definitions of one document, copied on first use and shared by its components. */
export class SchemaLibrary {
  readonly #document: unknown;
  readonly #sanitize: (schema: Json, name: string) => Json;
  readonly #definitions = new Map<string, Definition>();
  readonly #names = new Set<string>();
  readonly #pending: string[] = [];

  /** A library of `document`'s schemas; `sanitize` makes each copied schema valid. */
  constructor(document: unknown, sanitize: (schema: Json, name: string) => Json) {
    this.#document = document;
    this.#sanitize = sanitize;
  }

  /** A copier for one component. */
  copier(): SchemaCopier {
    return new SchemaCopier(this);
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

  /** The `$defs` name of a local ref, its copy queued; undefined when it resolves nowhere. */
  nameOf(ref: string): string | undefined {
    const known = this.#definitions.get(ref);
    if (known) return known.name;
    if (!ref.startsWith("#") || resolvePointer(this.#document, ref) === undefined) return undefined;
    let name = defName(ref);
    for (let n = 2; this.#names.has(name); n++) name = `${defName(ref)}_${n}`;
    this.#names.add(name);
    this.#definitions.set(ref, { name, schema: true, refs: new Set() });
    this.#pending.push(ref);
    return name;
  }

  /** Copies the queued definitions (iteratively: chains of refs may be thousands long). */
  drain(): void {
    while (this.#pending.length) {
      const ref = this.#pending.pop()!;
      const definition = this.#definitions.get(ref)!;
      const copied = this.copy(resolvePointer(this.#document, ref), definition.refs);
      definition.schema = typeof copied === "object" && copied !== null && !Array.isArray(copied)
        ? this.#sanitize(copied as Json, definition.name)
        : copied;
    }
  }

  /** The definitions `refs` reach, by name. */
  closure(refs: Iterable<string>): Json {
    const out: Json = {};
    const stack = [...refs];
    const seen = new Set<string>();
    while (stack.length) {
      const ref = stack.pop()!;
      if (seen.has(ref)) continue;
      seen.add(ref);
      const definition = this.#definitions.get(ref);
      if (!definition) continue;
      out[definition.name] = definition.schema;
      for (const next of definition.refs) stack.push(next);
    }
    return out;
  }

  /** A copy of `node` with refs rewritten (their refs added to `refs`) and annotations that only cost bytes left out. */
  copy(node: unknown, refs: Set<string>): unknown {
    return this.#walk(node, refs, new Set(), false);
  }

  /** `names`: the keys of `node` are names (of properties, definitions), not keywords. */
  #walk(node: unknown, refs: Set<string>, path: Set<object>, names: boolean): unknown {
    if (typeof node !== "object" || node === null) return node;
    // A cyclic object graph (a caller's pre-dereferenced spec) is cut where it loops.
    if (path.has(node)) return {};
    path.add(node);
    try {
      if (Array.isArray(node)) return node.map((item) => this.#walk(item, refs, path, false));
      const out: Json = {};
      for (const [key, value] of Object.entries(node)) {
        if (names) {
          out[key] = this.#walk(value, refs, path, false);
          continue;
        }
        if (key === "$ref" && typeof value === "string") {
          const name = this.nameOf(value);
          // A ref that resolves nowhere allows anything rather than breaking the whole schema.
          if (name !== undefined) {
            out.$ref = `#/$defs/${encodePointer(name)}`;
            refs.add(value);
          }
          continue;
        }
        if (key === "example" || key === "examples" || key === "xml" || key === "externalDocs") continue;
        out[key] = this.#walk(value, refs, path, NAME_MAPS.has(key));
      }
      // The upgrader writes a 3.0 binary string as `contentMediaType` alone; it still takes a string.
      if (out.contentMediaType !== undefined && out.type === undefined) out.type = "string";
      return "nullable" in out ? withoutNullable(out) : out;
    } finally {
      path.delete(node);
    }
  }
}

/** Builds the schemas of one component; {@link SchemaCopier.defs} holds what they refer to. */
export class SchemaCopier {
  readonly #library: SchemaLibrary;
  readonly #refs = new Set<string>();

  /** A copier drawing on `library`. */
  constructor(library: SchemaLibrary) {
    this.#library = library;
  }

  /** The definitions the schemas copied so far reach (empty when none). */
  get defs(): Json {
    this.#library.drain();
    return this.#library.closure(this.#refs);
  }

  /** A copy of `schema` with its refs rewritten; with `inlineTop`, a top-level `$ref` is replaced by its target. */
  copy(schema: unknown, inlineTop = false): Json {
    const top = inlineTop ? this.target(schema) : schema;
    const out = this.#library.copy(top, this.#refs);
    return typeof out === "object" && out !== null && !Array.isArray(out) ? out as Json : {};
  }

  /** The schema a chain of top-level `$ref`s points to (the schema itself when it has none). */
  target(schema: unknown): unknown {
    return this.#library.target(schema);
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

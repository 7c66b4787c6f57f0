/**
 * Makes a schema taken from a spec valid JSON Schema 2020-12. Real-world specs carry keywords
 * their authors' tools tolerate and validators refuse (`required: true` on a property, a type
 * named `file`, a `pattern` JavaScript cannot compile): each such keyword is dropped, so the tool
 * keeps the rest of its schema instead of being lost, and clients that check schemas accept it.
 *
 * @module
 */

import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";

type Json = Record<string, unknown>;

let metaChecker: Ajv2020 | undefined;

function checker(): Ajv2020 {
  if (!metaChecker) {
    metaChecker = new Ajv2020({ strict: false, allErrors: true, logger: false, validateSchema: false });
    // A CommonJS module: the default import is `module.exports`, whose `default` is the plugin.
    ajvFormats.default(metaChecker);
  }
  return metaChecker;
}

/** At most this many rounds of dropping keywords; a schema still invalid after them allows anything. */
const MAX_ROUNDS = 20;

/** Told of each keyword dropped: its JSON pointer in the schema, and why. */
export type RepairReport = (pointer: string, reason: string) => void;

/** `schema` itself when it is valid, else a copy without the keywords that make it invalid (each told to `report`). */
export function sanitizeSchema(schema: Json, report: RepairReport = () => {}): Json {
  let current = dropBadPatterns(schema, report);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const ajv = checker();
    if (ajv.validateSchema(current)) return current;
    const errors = (ajv.errors ?? []).filter((e) => e.instancePath !== "");
    if (errors.length === 0) break;
    if (current === schema) current = structuredClone(schema);
    const paths = new Map(errors.map((e) => [e.instancePath, e.message ?? e.keyword]));
    // The deepest paths first, so that dropping one does not move another.
    for (const [path, reason] of [...paths].sort(([a], [b]) => b.length - a.length)) {
      report(path, reason);
      drop(current, path);
    }
  }
  report("", "still invalid after dropping keywords: allows anything");
  return {};
}

function drop(root: Json, pointer: string): void {
  const keys = pointer.slice(1).split("/").map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));
  let parent: unknown = root;
  for (const key of keys.slice(0, -1)) {
    // An element of a keyword's array (`type: ["string", "file"]`): the whole keyword goes.
    if (Array.isArray((parent as Json)[key])) {
      delete (parent as Json)[key];
      return;
    }
    parent = (parent as Json | undefined)?.[key];
    if (typeof parent !== "object" || parent === null) return;
  }
  const last = keys[keys.length - 1];
  if (Array.isArray(parent)) parent[Number(last)] = {};
  else delete (parent as Json)[last];
}

/** Drops `pattern`s (and `patternProperties`) that do not compile as Unicode regular expressions, as Ajv compiles them. */
function dropBadPatterns(schema: Json, report: RepairReport): Json {
  let copy: Json | undefined;
  const visit = (node: unknown, path: string[], names: boolean): void => {
    if (typeof node !== "object" || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      const badPattern = !names && key === "pattern" && typeof value === "string" && !compiles(value);
      if (badPattern || (names && path[path.length - 1] === "patternProperties" && !compiles(key))) {
        copy ??= structuredClone(schema);
        const pointer = "/" +
          [...path, key].map((k) => k.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
        report(pointer, "not a regular expression JavaScript compiles (with the u flag)");
        drop(copy, pointer);
        continue;
      }
      visit(value, [...path, key], !names && NAME_MAPS.has(key));
    }
  };
  visit(schema, [], false);
  return copy ?? schema;
}

const NAME_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

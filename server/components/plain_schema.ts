/**
 * Plain JSON Schema objects (advertised verbatim) enforced with Ajv: 2020-12 by default, 2019-09
 * and draft-07 when the schema declares them in `$schema`. Compiled once per schema object; Ajv
 * was chosen for its speed per call (a compiled validator) and because it refuses a broken schema
 * when the component is defined (measurements: docs/decisions/json_schema_validator.md).
 *
 * @module
 */

import { Ajv, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import type { JsonSchema, Validation } from "./schema.ts";

/**
 * The validator of a plain JSON Schema. Throws a TypeError naming `what` and the problem when the
 * dialect is unsupported, the schema does not match its meta-schema, or it cannot be compiled.
 */
export function compilePlainSchema(schema: JsonSchema, what: string): (value: unknown) => Validation {
  const check = compilePlain(schema, what);
  return (value) =>
    check(value) ? { ok: true, value } : { ok: false, message: formatErrors(check.errors ?? []) };
}

type Dialect = "2020-12" | "2019-09" | "draft-07";

/** `$schema` URIs and the dialect each names (`http`/`https`, with or without the empty fragment). */
const DIALECTS: ReadonlyArray<[RegExp, Dialect]> = [
  [/^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/, "2020-12"],
  [/^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/, "2019-09"],
  [/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/, "draft-07"],
];

/**
 * One Ajv per dialect, created on first use and shared by every schema of that dialect, so that
 * compiling many tools only pays for the meta-schemas once. `strict: false` ignores unknown
 * keywords (`x-mcp-header`, vendor annotations) and unknown formats; known formats are checked.
 * The meta-schema check runs once, explicitly, before compiling (`validateSchema: false`), and
 * compiled schemas are not registered by `$id` (`addUsedSchema: false`), so that two tools with
 * the same `$id` do not collide.
 */
const AJV_OPTIONS: AjvOptions = {
  strict: false,
  allErrors: true,
  // Only own properties count: `{}` must not have a `constructor` or `toString` to check.
  ownProperties: true,
  logger: false,
  validateSchema: false,
  addUsedSchema: false,
};
const validators = new Map<Dialect, Ajv>();

function ajvFor(dialect: Dialect): Ajv {
  let ajv = validators.get(dialect);
  if (!ajv) {
    const Class = dialect === "2020-12" ? Ajv2020 : dialect === "2019-09" ? Ajv2019 : Ajv;
    ajv = new Class(AJV_OPTIONS);
    // A CommonJS module: the default import is `module.exports`, whose `default` is the plugin.
    ajvFormats.default(ajv);
    validators.set(dialect, ajv);
  }
  return ajv;
}

let anonymousIds = 0;

/** Compiled plain schemas by identity: a schema object shared by several components compiles once. */
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/**
 * Compiles a plain JSON Schema with the Ajv of its dialect. Throws a TypeError naming `what` and
 * the problem when the dialect is unsupported, the schema does not match its meta-schema, or it
 * cannot be compiled (an unresolvable `$ref`, an invalid `pattern`).
 */
function compilePlain(schema: JsonSchema, what: string): ValidateFunction {
  const cached = compiled.get(schema);
  if (cached) return cached;
  let dialect: Dialect = "2020-12";
  let body = schema;
  if (schema.$schema !== undefined) {
    const uri = schema.$schema;
    const known = typeof uri === "string" ? DIALECTS.find(([pattern]) => pattern.test(uri)) : undefined;
    if (!known) {
      throw new TypeError(
        `${what}: unsupported $schema ${JSON.stringify(uri)}; use JSON Schema 2020-12 (the default), ` +
          "2019-09 or draft-07",
      );
    }
    dialect = known[1];
    // The dialect picked the Ajv; each has its own meta-schema as the default.
    const { $schema: _, ...rest } = schema;
    body = rest;
  }
  const ajv = ajvFor(dialect);
  if (!ajv.validateSchema(body)) {
    throw new TypeError(`${what}: invalid JSON Schema (${dialect}): ${formatErrors(ajv.errors ?? [])}`);
  }
  // A schema without an `$id` gets one of its own for compiling: Ajv resolves a `$ref` to the root
  // (`"#"`, a recursive tree) only against an identified schema, when schemas are not registered.
  const anonymous = body.$id === undefined;
  if (anonymous) body = { ...body, $id: `urn:denomcp:schema:${++anonymousIds}` };
  let check: ValidateFunction;
  try {
    check = ajv.compile(body);
  } catch (error) {
    throw new TypeError(
      `${what}: invalid JSON Schema (${dialect}): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // Ajv keeps compiled schemas in a Map; the WeakMap above is the only cache, so schemas compiled
  // for one call (an elicitation) can be collected. A schema with an `$id` stays in Ajv's cache,
  // as removing it would also drop whatever else is registered under that id.
  if (anonymous) ajv.removeSchema(body.$id as string);
  compiled.set(schema, check);
  return check;
}

/** At most this many failures are spelled out; the rest are counted. */
const MAX_LISTED_ERRORS = 10;

/**
 * One line naming each failure by its JSON pointer: `/count must be integer; /mode must be one of
 * "a", "b"`. Missing and unexpected properties are named by their own pointer.
 */
function formatErrors(errors: ReadonlyArray<ErrorObject>): string {
  const lines = new Set<string>();
  for (const error of errors) {
    let path = error.instancePath;
    let message = error.message ?? `fails ${error.keyword}`;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case "required":
        path += `/${pointerToken(String(params.missingProperty))}`;
        message = "is required";
        break;
      case "additionalProperties":
        path += `/${pointerToken(String(params.additionalProperty))}`;
        message = "is not allowed";
        break;
      case "unevaluatedProperties":
        path += `/${pointerToken(String(params.unevaluatedProperty))}`;
        message = "is not allowed";
        break;
      case "enum":
        message = `must be one of ${(params.allowedValues as unknown[]).map(show).join(", ")}`;
        break;
      case "const":
        message = `must be ${show(params.allowedValue)}`;
        break;
    }
    lines.add(path ? `${path} ${message}` : message);
  }
  const listed = [...lines];
  const more = listed.length - MAX_LISTED_ERRORS;
  return more > 0 ? `${listed.slice(0, MAX_LISTED_ERRORS).join("; ")}; and ${more} more` : listed.join("; ");
}

function pointerToken(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Compiles argument schemas once: any Standard Schema that can export JSON Schema (zod ≥ 4.2,
 * Valibot, ArkType), or a plain JSON Schema object, advertised verbatim and enforced with Ajv
 * (2020-12 by default; 2019-09 and draft-07 when the schema declares them in `$schema`).
 *
 * @module
 */

import { Ajv, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";

/**
 * The Standard Schema v1 interface (https://standardschema.dev) that zod, Valibot and ArkType
 * schemas implement. Declared here, as the spec allows, so that denomcp's public types are
 * documented without `@standard-schema/spec`'s own declarations; it matches them structurally.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

/** The types that go with {@link StandardSchemaV1}. */
export declare namespace StandardSchemaV1 {
  /** The Standard Schema properties. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version number of the standard. */
    readonly version: 1;
    /** The vendor name of the schema library. */
    readonly vendor: string;
    /** Validates an unknown input value. */
    readonly validate: (
      value: unknown,
      options?: Options | undefined,
    ) => Result<Output> | Promise<Result<Output>>;
    /** Inferred types associated with the schema. */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** Options of `validate`. */
  export interface Options {
    /** Vendor-specific parameters. */
    readonly libraryOptions?: Record<string, unknown> | undefined;
  }
  /** The result of `validate`. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  /** The result when validation succeeds. */
  export interface SuccessResult<Output> {
    /** The typed output value. */
    readonly value: Output;
    /** A falsy value for `issues` indicates success. */
    readonly issues?: undefined;
  }
  /** The result when validation fails. */
  export interface FailureResult {
    /** The issues of the failed validation. */
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One issue of a failed validation. */
  export interface Issue {
    /** The error message of the issue. */
    readonly message: string;
    /** The path of the issue, if any. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** One segment of an issue's path. */
  export interface PathSegment {
    /** The key of the segment. */
    readonly key: PropertyKey;
  }
  /** The input and output types of a schema. */
  export interface Types<Input = unknown, Output = Input> {
    /** The input type of the schema. */
    readonly input: Input;
    /** The output type of the schema. */
    readonly output: Output;
  }
  /** The input type of a schema. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
    Schema["~standard"]["types"]
  >["input"];
  /** The output type of a schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema["~standard"]["types"]
  >["output"];
}

/** A Standard Schema that also exports JSON Schema (the "Standard JSON Schema" extension). */
export interface StandardJsonSchema<Input = unknown, Output = Input> extends StandardSchemaV1<Input, Output> {
  readonly "~standard": StandardSchemaV1.Props<Input, Output> & {
    readonly jsonSchema: {
      readonly input: (options: { target: string }) => Record<string, unknown>;
      readonly output: (options: { target: string }) => Record<string, unknown>;
    };
  };
}

/** A plain JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

/** What a component accepts as its schema. */
export type SchemaLike = StandardSchemaV1 | JsonSchema;

/** The parsed type of a schema: Standard Schema output, or a plain record for JSON Schema. */
export type Infer<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Record<string, unknown>;

/**
 * Outcome of a validation: the parsed value, or one message naming every problem. Internal:
 * exported only because {@link CompiledSchema} refers to it.
 */
export type Validation = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * A schema compiled once at definition time. Internal: exported only because the component
 * classes expose it; not a stable API.
 */
export interface CompiledSchema {
  /** The JSON Schema advertised on the wire. */
  readonly jsonSchema: JsonSchema;
  /** Validates (and, for Standard Schemas, transforms) a value. May be async for async schemas. */
  validate(value: unknown): Validation | Promise<Validation>;
}

function isStandard(schema: SchemaLike): schema is StandardSchemaV1 {
  return typeof (schema as StandardSchemaV1)["~standard"]?.validate === "function";
}

function formatIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): string {
  return issues.map((issue) => {
    const path = issue.path?.map((p) => (typeof p === "object" ? p.key : p)).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  }).join("; ");
}

function fromResult(result: StandardSchemaV1.Result<unknown>): Validation {
  return result.issues
    ? { ok: false, message: formatIssues(result.issues) }
    : { ok: true, value: result.value };
}

/**
 * Compiles a schema. `what` names the component in error messages.
 * Throws at definition time when a Standard Schema cannot export JSON Schema.
 */
export function compileSchema(
  schema: SchemaLike,
  what: string,
  direction: "input" | "output" = "input",
): CompiledSchema {
  if (isStandard(schema)) {
    const exporter = (schema as StandardJsonSchema)["~standard"].jsonSchema;
    if (!exporter || typeof exporter[direction] !== "function") {
      throw new TypeError(
        `${what}: the schema (${schema["~standard"].vendor}) cannot export JSON Schema; ` +
          "use zod >= 4.2 or another Standard JSON Schema library, or pass a plain JSON Schema object",
      );
    }
    const jsonSchema = { ...exporter[direction]({ target: "draft-2020-12" }) };
    // The 2025-11-25 default dialect is 2020-12, so the marker only costs bytes on every listing.
    delete jsonSchema.$schema;
    const standard = schema["~standard"];
    return {
      jsonSchema,
      validate(value) {
        const result = standard.validate(value);
        return result instanceof Promise ? result.then(fromResult) : fromResult(result);
      },
    };
  }
  const check = compilePlain(schema, what);
  return {
    jsonSchema: schema,
    validate: (value) =>
      check(value) ? { ok: true, value } : { ok: false, message: formatErrors(check.errors ?? []) },
  };
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
  if (body.$id === undefined) ajv.removeSchema(body);
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

/** An empty object schema, for components that take no arguments. */
export const EMPTY_OBJECT_SCHEMA: CompiledSchema = {
  jsonSchema: { type: "object", properties: {} },
  validate: (value) => ({ ok: true, value: value ?? {} }),
};

/**
 * Compiles argument schemas once: any Standard Schema that can export JSON Schema (zod ≥ 4.2,
 * Valibot, ArkType), or a plain JSON Schema object, advertised verbatim and enforced with Ajv
 * (2020-12 by default; 2019-09 and draft-07 when the schema declares them in `$schema`).
 *
 * @module
 */

import { compilePlainSchema } from "./plain_schema.ts";

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
  return { jsonSchema: schema, validate: compilePlainSchema(schema, what) };
}

/** An empty object schema, for components that take no arguments. */
export const EMPTY_OBJECT_SCHEMA: CompiledSchema = {
  jsonSchema: { type: "object", properties: {} },
  validate: (value) => ({ ok: true, value: value ?? {} }),
};

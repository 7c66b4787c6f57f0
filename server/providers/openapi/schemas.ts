/**
 * The arguments of an operation: one per parameter and one per property of an object request
 * body (a body that is not an object is one `body` argument). A name used in more than one place
 * keeps it for the body property, and each parameter of that name is suffixed with its location
 * (`id__path`, `id__query`), as FastMCP does. The input schema and the plan that puts each
 * argument back where it belongs are built together, so that they cannot disagree.
 *
 * @module
 */

import type { SchemaCopier, SchemaLibrary } from "./schema_copy.ts";
import type { OpenAPIParameter, OpenAPIRoute } from "./spec.ts";

type Json = Record<string, unknown>;

/** How a request body is sent. */
export type BodyKind = "json" | "form" | "multipart" | "raw";

/** Where the arguments of a call go. */
export interface ArgumentPlan {
  /** Parameters and the argument each reads. */
  readonly parameters: readonly { readonly arg: string; readonly parameter: OpenAPIParameter }[];
  /** The request body, when the operation has one. */
  readonly body?: BodyPlan;
}

/** How the request body is assembled. */
export interface BodyPlan {
  /** The media type sent as `content-type`. */
  readonly mediaType: string;
  /** How it is encoded. */
  readonly kind: BodyKind;
  /** For an object body: the argument of each property. Otherwise undefined, and `arg` holds the whole body. */
  readonly properties?: readonly { readonly arg: string; readonly name: string; readonly binary: boolean }[];
  /** The argument holding the whole body (non-object bodies). */
  readonly arg?: string;
  /** Whether the API requires a body. */
  readonly required: boolean;
}

/** An input schema with its plan. */
export interface InputShape {
  readonly schema: Json;
  readonly plan: ArgumentPlan;
}

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b|^\*\/\*$/i;

function kindOf(mediaType: string): BodyKind {
  if (JSON_TYPE.test(mediaType)) return "json";
  if (/^application\/x-www-form-urlencoded\b/i.test(mediaType)) return "form";
  if (/^multipart\/form-data\b/i.test(mediaType)) return "multipart";
  return "raw";
}

/** The media type a body is sent as: JSON first, then forms, then whatever the spec lists first. */
function pickMediaType(content: Json): string | undefined {
  const types = Object.keys(content);
  const rank = (type: string) => ["json", "form", "multipart", "raw"].indexOf(kindOf(type));
  return types.sort((a, b) => rank(a) - rank(b))[0];
}

function isObjectSchema(schema: Json): boolean {
  return schema.type === "object" || (schema.type === undefined && typeof schema.properties === "object");
}

function isBinary(schema: unknown): boolean {
  const s = schema as Json | undefined;
  return s?.format === "binary" || s?.contentMediaType !== undefined && s?.type !== "object";
}

/** Builds the input schema of `route`, with schemas from `library`. */
export function inputShape(route: OpenAPIRoute, library: SchemaLibrary): InputShape {
  const copier = library.copier();
  const properties: Json = {};
  const required: string[] = [];
  let body: BodyPlan | undefined;
  const bodyNames = new Set<string>();
  const bodyProps: { name: string; schema: Json; required: boolean; binary: boolean }[] = [];
  let wholeBody: { schema: Json; description?: string } | undefined;
  const content = route.requestBody?.content as Json | undefined;
  const mediaType = content ? pickMediaType(content) : undefined;
  if (content && mediaType) {
    const kind = kindOf(mediaType);
    const raw = (content[mediaType] as Json | undefined)?.schema;
    const top = copier.target(raw ?? {}) as Json;
    const merged = mergeAllOf(top, copier);
    if (kind !== "raw" && merged && isObjectSchema(merged)) {
      const props = (merged.properties ?? {}) as Json;
      const needed = new Set(Array.isArray(merged.required) ? merged.required : []);
      for (const [name, schema] of Object.entries(props)) {
        bodyNames.add(name);
        bodyProps.push({
          name,
          schema: copier.copy(schema),
          required: needed.has(name),
          binary: isBinary(schema),
        });
      }
    } else {
      wholeBody = { schema: copier.copy(raw ?? {}), description: text(route.requestBody?.description) };
    }
    body = { mediaType, kind, required: route.requestBody?.required === true };
  }
  const counts = new Map<string, number>();
  for (const p of route.parameters) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  const taken = new Set([...bodyNames, ...(wholeBody ? ["body"] : [])]);
  const parameters: { arg: string; parameter: OpenAPIParameter }[] = [];
  for (const parameter of route.parameters) {
    const clash = taken.has(parameter.name) || (counts.get(parameter.name) ?? 0) > 1;
    const arg = clash ? `${parameter.name}__${parameter.in}` : parameter.name;
    parameters.push({ arg, parameter });
    const schema = copier.copy(parameter.schema);
    if (parameter.description && schema.description === undefined) schema.description = parameter.description;
    properties[arg] = schema;
    if (parameter.required) required.push(arg);
  }
  const bodyArgs: { arg: string; name: string; binary: boolean }[] = [];
  for (const prop of bodyProps) {
    properties[prop.name] = prop.schema;
    bodyArgs.push({ arg: prop.name, name: prop.name, binary: prop.binary });
    if (prop.required) required.push(prop.name);
  }
  if (wholeBody) {
    const schema = wholeBody.schema;
    if (wholeBody.description && schema.description === undefined) schema.description = wholeBody.description;
    properties.body = schema;
    if (body?.required) required.push("body");
  }
  if (body) body = wholeBody ? { ...body, arg: "body" } : { ...body, properties: bodyArgs };
  const schema: Json = { type: "object", properties };
  if (required.length) schema.required = [...new Set(required)];
  if (Object.keys(copier.defs).length) schema.$defs = copier.defs;
  return { schema, plan: { parameters, body } };
}

/** An object schema with the properties of its `allOf` parts merged in, or undefined when it is not one. */
function mergeAllOf(schema: Json, copier: SchemaCopier): Json | undefined {
  if (!Array.isArray(schema.allOf)) return schema;
  const properties: Json = { ...(schema.properties as Json | undefined) };
  const required = new Set<string>(Array.isArray(schema.required) ? schema.required : []);
  for (const part of schema.allOf) {
    const resolved = mergeAllOf(copier.target(part) as Json, copier);
    if (!resolved || !isObjectSchema(resolved)) return undefined;
    Object.assign(properties, resolved.properties);
    for (const name of Array.isArray(resolved.required) ? resolved.required : []) required.add(name);
  }
  return { type: "object", properties, required: [...required] };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The response a successful call is expected to give: the lowest 2xx with a JSON schema. */
export function successSchema(route: OpenAPIRoute): unknown {
  const statuses = Object.keys(route.responses).filter((s) => /^2(\d\d|XX)$/i.test(s)).sort();
  for (const status of statuses) {
    const content = route.responses[status].content as Json | undefined;
    for (const [type, media] of Object.entries(content ?? {})) {
      const schema = (media as Json | undefined)?.schema;
      if (JSON_TYPE.test(type) && schema !== undefined) return schema;
    }
  }
  return undefined;
}

/**
 * The output schema of `route`: the success response's (its top `$ref` followed, so that an
 * object stays an object), or a permissive one of the same shape when output is not validated.
 */
export function outputSchema(
  route: OpenAPIRoute,
  library: SchemaLibrary,
  validate: boolean,
): Json | undefined {
  const raw = successSchema(route);
  if (raw === undefined) return undefined;
  const copier = library.copier();
  const schema = copier.copy(raw, true);
  const isObject = schema.type === "object" || (schema.type === undefined && schema.properties !== undefined);
  if (!validate) return isObject ? { type: "object", additionalProperties: true } : {};
  // Only objects are structured content as they are; anything else is wrapped in { result }.
  if (isObject && schema.type === undefined) schema.type = "object";
  if (Object.keys(copier.defs).length) {
    schema.$defs = { ...(schema.$defs as Json | undefined), ...copier.defs };
  }
  return schema;
}

/** Whether a response body with this content type is JSON. */
export function isJsonType(contentType: string): boolean {
  return JSON_TYPE.test(contentType) && contentType !== "*/*";
}

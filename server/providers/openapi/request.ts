/**
 * Builds the HTTP request of one call exactly as the spec describes it (OpenAPI 3.1 §4.8.12.4
 * "Style Values"): path templating with every value percent-encoded, query styles `form`,
 * `spaceDelimited`, `pipeDelimited` and `deepObject` with or without `explode`, `allowReserved`,
 * headers and cookies, and bodies sent as JSON, `application/x-www-form-urlencoded`,
 * `multipart/form-data` or as they are. A blank value is sent (`?state=`); an absent or null one
 * is not.
 *
 * @module
 */

import type { ArgumentPlan, BodyPlan } from "./schemas.ts";
import type { OpenAPIParameter } from "./spec.ts";

type Args = Record<string, unknown>;

/** The parts of a request to send. */
export interface BuiltRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body?: BodyInit;
}

const enc = encodeURIComponent;

/** Percent-encodes all but RFC 3986 reserved characters (`allowReserved`). */
function encReserved(value: string): string {
  return enc(value).replace(
    /%(3A|2F|3F|23|5B|5D|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi,
    (m) => decodeURIComponent(m),
  );
}

function scalar(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

function entries(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
}

/** A path value in `simple`, `label` or `matrix` style. */
function pathValue(p: OpenAPIParameter, value: unknown): string {
  const prefix = p.style === "label" ? "." : p.style === "matrix" ? `;${enc(p.name)}=` : "";
  if (Array.isArray(value)) {
    const items = value.map((v) => enc(scalar(v)));
    if (!p.explode) return prefix + items.join(",");
    if (p.style === "label") return items.map((v) => `.${v}`).join("");
    if (p.style === "matrix") return items.map((v) => `;${enc(p.name)}=${v}`).join("");
    return items.join(",");
  }
  if (typeof value === "object" && value !== null && !p.mediaType) {
    const pairs = entries(value).map(([k, v]) => [enc(k), enc(scalar(v))]);
    if (!p.explode) return prefix + pairs.flat().join(",");
    if (p.style === "label") return pairs.map(([k, v]) => `.${k}=${v}`).join("");
    if (p.style === "matrix") return pairs.map(([k, v]) => `;${k}=${v}`).join("");
    return pairs.map(([k, v]) => `${k}=${v}`).join(",");
  }
  return prefix + enc(scalar(value));
}

/** The `name=value` pairs of one query parameter, already encoded. */
function queryPairs(p: OpenAPIParameter, value: unknown): string[] {
  const e = p.allowReserved ? encReserved : enc;
  const name = enc(p.name);
  if (p.mediaType) return [`${name}=${e(JSON.stringify(value))}`];
  if (p.style === "deepObject" && typeof value === "object" && value !== null) {
    return deepPairs(name, value, e);
  }
  if (Array.isArray(value)) {
    const items = value.filter((v) => v !== undefined && v !== null).map((v) => e(scalar(v)));
    if (p.explode) return items.map((v) => `${name}=${v}`);
    const separator = p.style === "spaceDelimited" ? "%20" : p.style === "pipeDelimited" ? "|" : ",";
    return [`${name}=${items.join(separator)}`];
  }
  if (typeof value === "object" && value !== null) {
    const pairs = entries(value).map(([k, v]) => [enc(k), e(scalar(v))]);
    if (p.explode) return pairs.map(([k, v]) => `${k}=${v}`);
    return [`${name}=${pairs.flat().join(",")}`];
  }
  return [`${name}=${e(scalar(value))}`];
}

/** `deepObject`: `name[key]=value`, nested objects as `name[a][b]`, arrays as repeated keys. */
function deepPairs(prefix: string, value: object, e: (s: string) => string): string[] {
  const out: string[] = [];
  for (const [key, item] of entries(value)) {
    const name = `${prefix}[${enc(key)}]`;
    if (Array.isArray(item)) {
      for (const v of item) if (v !== undefined && v !== null) out.push(`${name}=${e(scalar(v))}`);
    } else if (typeof item === "object" && item !== null) out.push(...deepPairs(name, item, e));
    else out.push(`${name}=${e(scalar(item))}`);
  }
  return out;
}

/** A header value in `simple` style (not percent-encoded: headers are not URLs). */
function headerValue(p: OpenAPIParameter, value: unknown): string {
  if (p.mediaType) return JSON.stringify(value);
  if (Array.isArray(value)) return value.map(scalar).join(",");
  if (typeof value === "object" && value !== null) {
    const pairs = entries(value).map(([k, v]) => [k, scalar(v)]);
    return p.explode ? pairs.map(([k, v]) => `${k}=${v}`).join(",") : pairs.flat().join(",");
  }
  return scalar(value);
}

/** The `name=value` cookie pairs of one parameter (`form` style). */
function cookiePairs(p: OpenAPIParameter, value: unknown): string[] {
  if (p.mediaType) return [`${p.name}=${enc(JSON.stringify(value))}`];
  if (Array.isArray(value)) {
    const items = value.map((v) => enc(scalar(v)));
    return p.explode ? items.map((v) => `${p.name}=${v}`) : [`${p.name}=${items.join(",")}`];
  }
  if (typeof value === "object" && value !== null) {
    const pairs = entries(value).map(([k, v]) => [k, enc(scalar(v))]);
    return p.explode ? pairs.map(([k, v]) => `${k}=${v}`) : [`${p.name}=${pairs.flat().join(",")}`];
  }
  return [`${p.name}=${enc(scalar(value))}`];
}

/** `base` and `path` joined, without doubling or losing the slash between them. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

/** The request of a call with `args` to `path` on `baseUrl`. Throws a TypeError for a missing path value. */
export function buildRequest(
  baseUrl: string,
  method: string,
  path: string,
  plan: ArgumentPlan,
  args: Args,
): BuiltRequest {
  const headers = new Headers();
  const query: string[] = [];
  const cookies: string[] = [];
  let resolvedPath = path;
  for (const { arg, parameter } of plan.parameters) {
    const value = args[arg];
    if (parameter.in === "path") {
      if (value === undefined || value === null) throw new TypeError(`missing path parameter '${arg}'`);
      resolvedPath = resolvedPath.replaceAll(`{${parameter.name}}`, pathValue(parameter, value));
      continue;
    }
    if (value === undefined || value === null) continue;
    if (parameter.in === "query") query.push(...queryPairs(parameter, value));
    else if (parameter.in === "header") headers.set(parameter.name, headerValue(parameter, value));
    else cookies.push(...cookiePairs(parameter, value));
  }
  if (cookies.length) headers.set("cookie", cookies.join("; "));
  const url = joinUrl(baseUrl, resolvedPath) + (query.length ? `?${query.join("&")}` : "");
  const body = plan.body ? encodeBody(plan.body, args, headers) : undefined;
  return { url, method, headers, body };
}

function encodeBody(plan: BodyPlan, args: Args, headers: Headers): BodyInit | undefined {
  const fields = plan.properties ? plan.properties.filter(({ arg }) => args[arg] !== undefined) : undefined;
  if (fields && fields.length === 0 && !plan.required) return undefined;
  if (!fields && args[plan.arg!] === undefined) return undefined;
  const contentType = plan.mediaType === "*/*" ? "application/json" : plan.mediaType;
  switch (plan.kind) {
    case "json": {
      headers.set("content-type", contentType);
      const value = fields
        ? Object.fromEntries(fields.map(({ arg, name }) => [name, args[arg]]))
        : args[plan.arg!];
      return JSON.stringify(value);
    }
    case "form": {
      headers.set("content-type", contentType);
      if (!fields) return scalar(args[plan.arg!]);
      const form = new URLSearchParams();
      for (const { arg, name } of fields) {
        const value = args[arg];
        if (Array.isArray(value)) { for (const item of value) form.append(name, scalar(item)); }
        else if (value !== null) form.append(name, scalar(value));
      }
      return form;
    }
    case "multipart": {
      // fetch writes the content type with its boundary.
      if (!fields) {
        headers.set("content-type", contentType);
        return scalar(args[plan.arg!]);
      }
      const form = new FormData();
      for (const { arg, name, binary } of fields) {
        const value = args[arg];
        const items = Array.isArray(value) ? value : [value];
        for (const item of items) {
          if (item === null || item === undefined) continue;
          if (binary) form.append(name, new Blob([scalar(item)]), name);
          else form.append(name, scalar(item));
        }
      }
      return form;
    }
    case "raw": {
      headers.set("content-type", contentType);
      const value = fields
        ? Object.fromEntries(fields.map(({ arg, name }) => [name, args[arg]]))
        : args[plan.arg!];
      return typeof value === "string" ? value : JSON.stringify(value);
    }
  }
}

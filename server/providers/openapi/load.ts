/**
 * Loading a spec: an object, JSON or YAML text, a file path or a URL becomes one OpenAPI 3.1
 * document with every external `$ref` bundled in (local ones are kept: the schema builder turns
 * them into `$defs`, which keeps recursive schemas finite). Swagger 2.0 and OpenAPI 3.0 are
 * upgraded by Scalar's upgrader, so the rest of the provider reads one version, whose schemas are
 * JSON Schema 2020-12.
 *
 * Imported dynamically by the provider, so that servers without OpenAPI never load the parser.
 *
 * @module
 */

import { parse as parseYaml } from "yaml";
import { upgrade } from "@scalar/openapi-upgrader";
import { guardedFetch } from "../../../auth/guarded_fetch.ts";
import { OpenAPISpecError, type SpecSource } from "./spec.ts";

/** How a spec and its external references are read. */
export interface LoadOptions {
  /** Largest spec (or referenced document) read, in bytes. */
  maxSpecBytes: number;
  /** Whether `$ref`s to other URLs are fetched. */
  allowRemoteRefs: boolean;
  /** Time allowed for each fetch, in ms. */
  timeoutMs: number;
}

/** A loaded document and where it came from (a URL, for relative server URLs). */
export interface LoadedSpec {
  readonly document: Record<string, unknown>;
  readonly origin?: URL;
}

/** Reads, parses, upgrades and bundles `source`; throws {@link OpenAPISpecError} naming the problem. */
export async function loadSpec(source: SpecSource, options: LoadOptions): Promise<LoadedSpec> {
  const { value, origin } = await read(source, options);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OpenAPISpecError("the spec is not an object");
  }
  const raw = value as Record<string, unknown>;
  const version = String(raw.openapi ?? raw.swagger ?? "");
  if (!/^(2\.0|3\.[0-2])(\.\d+)?$/.test(version)) {
    throw new OpenAPISpecError(
      version
        ? `unsupported OpenAPI version ${JSON.stringify(version)} (2.0, 3.0, 3.1 and 3.2 are read)`
        : "no 'openapi' or 'swagger' version field: this is not an OpenAPI document",
    );
  }
  if (raw.paths !== undefined && (typeof raw.paths !== "object" || raw.paths === null)) {
    throw new OpenAPISpecError("'paths' is not an object");
  }
  let document: Record<string, unknown>;
  try {
    // The upgrader edits in place: never the caller's object.
    const own = typeof source === "object" && !(source instanceof URL) ? structuredClone(raw) : raw;
    document = version.startsWith("3.1") || version.startsWith("3.2")
      ? own
      : upgrade(own, "3.1") as unknown as Record<string, unknown>;
  } catch (error) {
    throw new OpenAPISpecError(`cannot upgrade the ${version} document: ${(error as Error).message}`);
  }
  if (hasExternalRef(document)) document = await bundleExternal(document, origin, options);
  return { document, origin };
}

async function read(source: SpecSource, options: LoadOptions): Promise<{ value: unknown; origin?: URL }> {
  if (source instanceof URL) return await readUrl(source, options);
  if (typeof source === "object") return { value: source };
  const text = source.trimStart();
  if (text.startsWith("{") || text.startsWith("[")) return { value: parseText(text, "JSON") };
  if (/^https?:\/\//i.test(text)) return await readUrl(new URL(text), options);
  if (text.includes("\n") || /^(openapi|swagger)\s*:/.test(text)) return { value: parseText(text, "YAML") };
  const url = text.startsWith("file:") ? new URL(text) : new URL(text, `file://${Deno.cwd()}/`);
  let content: string;
  try {
    const info = await Deno.stat(url);
    if (info.size > options.maxSpecBytes) {
      throw new OpenAPISpecError(
        `${text}: ${info.size} bytes is over maxSpecBytes (${options.maxSpecBytes})`,
      );
    }
    content = await Deno.readTextFile(url);
  } catch (error) {
    if (error instanceof OpenAPISpecError) throw error;
    throw new OpenAPISpecError(`cannot read the spec file ${text}: ${(error as Error).message}`);
  }
  return { value: parseText(content, /\.ya?ml$/i.test(url.pathname) ? "YAML" : "any"), origin: url };
}

async function readUrl(url: URL, options: LoadOptions): Promise<{ value: unknown; origin: URL }> {
  const text = await fetchText(url, options);
  return { value: parseText(text, "any"), origin: url };
}

async function fetchText(url: URL, options: LoadOptions): Promise<string> {
  let response;
  try {
    response = await guardedFetch(url, {
      maxBytes: options.maxSpecBytes,
      timeoutMs: options.timeoutMs,
      headers: { accept: "application/json, application/yaml, text/yaml, */*" },
    });
  } catch (error) {
    throw new OpenAPISpecError(`cannot fetch ${url.href}: ${(error as Error).message}`);
  }
  if (response.status !== 200) throw new OpenAPISpecError(`${url.href} answered HTTP ${response.status}`);
  return response.text;
}

function parseText(text: string, format: "JSON" | "YAML" | "any"): unknown {
  if (format !== "YAML") {
    try {
      return JSON.parse(text);
    } catch (error) {
      if (format === "JSON") {
        throw new OpenAPISpecError(`the spec is not valid JSON: ${(error as Error).message}`);
      }
    }
  }
  try {
    // YAML 1.2 core schema, as OpenAPI asks; merge keys are common in hand-written specs.
    return parseYaml(text, { merge: true, maxAliasCount: 10_000 });
  } catch (error) {
    throw new OpenAPISpecError(`the spec is neither JSON nor valid YAML: ${(error as Error).message}`);
  }
}

function hasExternalRef(node: unknown): boolean {
  const stack = [node];
  const seen = new Set<object>();
  while (stack.length) {
    const value = stack.pop();
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === "string" && !ref.startsWith("#")) return true;
    for (const child of Object.values(value)) stack.push(child);
  }
  return false;
}

/**
 * Pulls every external document in (Scalar's bundler, under `x-ext`, with its refs rewritten to
 * local ones). Files are read relative to a spec that is a file; URLs only with `allowRemoteRefs`,
 * through the SSRF-guarded fetcher.
 */
async function bundleExternal(
  document: Record<string, unknown>,
  origin: URL | undefined,
  options: LoadOptions,
): Promise<Record<string, unknown>> {
  const { bundleWithDiagnostics } = await import("@scalar/json-magic/bundle");
  const failures = new Map<string, string>();
  const load = async (ref: string) => {
    try {
      const target = new URL(ref, origin ?? `file://${Deno.cwd()}/`);
      let text: string;
      if (target.protocol === "file:") {
        if (origin && origin.protocol !== "file:") throw new Error("a file reference in a remote spec");
        text = await Deno.readTextFile(target);
      } else {
        if (!options.allowRemoteRefs) throw new Error("remote references are off (allowRemoteRefs)");
        text = await fetchText(target, options);
      }
      return { ok: true as const, data: parseText(text, "any"), raw: text };
    } catch (error) {
      failures.set(ref, (error as Error).message);
      return { ok: false as const };
    }
  };
  const loader = { type: "loader" as const, validate: (value: string) => !value.startsWith("#"), exec: load };
  // The diagnostics form reports what failed instead of writing a warning to the console.
  const result = await bundleWithDiagnostics(document, {
    plugins: [loader],
    treeShake: false,
    origin: origin?.href,
  });
  if (!result.complete || result.diagnostics.length) {
    const problems = result.diagnostics.map((d) => {
      const why = d.kind === "missing-target" ? "points to nothing in its document" : "cannot be read";
      const cause = [...failures].find(([ref]) => d.reference.startsWith(ref.split("#")[0]))?.[1];
      return `${d.reference} ${why}${cause ? ` (${cause})` : ""}`;
    });
    throw new OpenAPISpecError(`external $ref ${problems.slice(0, 3).join("; ") || "not resolved"}`);
  }
  return result.document as Record<string, unknown>;
}

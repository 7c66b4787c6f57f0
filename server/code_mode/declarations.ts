/**
 * TypeScript declarations of tools, from their JSON Schemas: one `callTool` overload per tool, so
 * that a model writing code for `execute` sees the exact argument names and types and what each
 * call resolves to. The text is for reading, not compiling against: what a schema says that
 * TypeScript cannot (formats, ranges, patterns) stays in the JSON Schema `get_schema` also
 * offers, and anything unfamiliar, too deep, or a reference outside the schema becomes `unknown`.
 *
 * Written here rather than with json-schema-to-typescript: that package loads prettier, which
 * asks for `--allow-env` and `--allow-sys` at import, and resolves remote `$ref`s, neither of
 * which a server listing untrusted (proxied) schemas should do.
 *
 * @module
 */

import type { Tool } from "../../protocol/types.ts";

type Schema = Record<string, unknown> | boolean;

/** Nesting deeper than this becomes `unknown`. */
const MAX_DEPTH = 12;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Whether a tool's output schema wraps a non-object result in `{ result }` (FastMCP's marker). */
export function wrapsResult(schema: unknown): boolean {
  return typeof schema === "object" && schema !== null &&
    (schema as Record<string, unknown>)["x-fastmcp-wrap-result"] === true;
}

/** The declarations of `tools`: type aliases for their `$defs`, then a `callTool` overload each. */
export function toolDeclarations(tools: readonly Tool[]): string {
  return tools.map(declarationOf).join("\n\n") + "\n";
}

function declarationOf(tool: Tool): string {
  const prefix = pascal(tool.name);
  const aliases = new Map<string, string>();
  const input = new Renderer(tool.inputSchema, prefix, aliases).render(tool.inputSchema, 0);
  let output = "unknown";
  if (tool.outputSchema) {
    const root = tool.outputSchema as Record<string, unknown>;
    const renderer = new Renderer(root, prefix, aliases);
    const result = (root.properties as Record<string, Schema> | undefined)?.result;
    output = wrapsResult(root) && result !== undefined
      ? renderer.render(result, 0)
      : renderer.render(root, 0);
  }
  const lines = [...aliases.values()];
  const description = tool.description ?? tool.title;
  if (description) lines.push(docComment(description, ""));
  lines.push(
    `declare function callTool(name: ${JSON.stringify(tool.name)}, args: ${input}): Promise<${output}>;`,
  );
  return lines.join("\n");
}

/** Renders schemas of one root, naming its `$defs` as aliases prefixed with the tool's name. */
class Renderer {
  constructor(
    private readonly root: Record<string, unknown> | boolean,
    private readonly prefix: string,
    private readonly aliases: Map<string, string>,
  ) {}

  render(schema: Schema, depth: number): string {
    if (schema === true) return "unknown";
    if (schema === false) return "never";
    if (typeof schema !== "object" || schema === null || depth > MAX_DEPTH) return "unknown";
    if (typeof schema.$ref === "string") return this.#reference(schema.$ref, depth);
    if ("const" in schema) return literal(schema.const);
    if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));
    const anyOf = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
    if (Array.isArray(anyOf)) return union(anyOf.map((s) => this.render(s, depth + 1)));
    if (Array.isArray(schema.allOf)) {
      return (schema.allOf as Schema[]).map((s) => parenthesised(this.render(s, depth + 1))).join(" & ");
    }
    const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
    if (types.length === 0) {
      if (schema.properties || schema.additionalProperties !== undefined) return this.#object(schema, depth);
      if (schema.items) return this.#array(schema, depth);
      return "unknown";
    }
    return union(types.map((type) => {
      switch (type) {
        case "string":
          return "string";
        case "number":
        case "integer":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array":
          return this.#array(schema, depth);
        case "object":
          return this.#object(schema, depth);
        default:
          return "unknown";
      }
    }));
  }

  #array(schema: Record<string, unknown>, depth: number): string {
    const tuple = (schema.prefixItems ?? (Array.isArray(schema.items) ? schema.items : undefined)) as
      | Schema[]
      | undefined;
    if (tuple) return `[${tuple.map((s) => this.render(s, depth + 1)).join(", ")}]`;
    const items = schema.items as Schema | undefined;
    return `${parenthesised(items === undefined ? "unknown" : this.render(items, depth + 1))}[]`;
  }

  #object(schema: Record<string, unknown>, depth: number): string {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
    const indent = "  ".repeat(depth + 1);
    const members = Object.entries(properties).map(([key, property]) => {
      const name = IDENTIFIER.test(key) ? key : JSON.stringify(key);
      const description = typeof property === "object" ? property.description : undefined;
      const doc = typeof description === "string" ? docComment(description, indent) + "\n" : "";
      return `${doc}${indent}${name}${required.has(key) ? "" : "?"}: ${this.render(property, depth + 1)};`;
    });
    const extra = schema.additionalProperties as Schema | undefined;
    if (typeof extra === "object" || (members.length === 0 && extra !== false)) {
      members.push(
        `${indent}[key: string]: ${extra === undefined ? "unknown" : this.render(extra, depth + 1)};`,
      );
    }
    if (members.length === 0) return "Record<string, never>";
    return `{\n${members.join("\n")}\n${"  ".repeat(depth)}}`;
  }

  /** A local reference as an alias (declared once, so recursive schemas stay finite). */
  #reference(ref: string, depth: number): string {
    const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    if (!match || typeof this.root !== "object") return "unknown";
    const defs = this.root[match[1]] as Record<string, Schema> | undefined;
    const key = match[2].replaceAll("~1", "/").replaceAll("~0", "~");
    const target = defs && Object.hasOwn(defs, key) ? defs[key] : undefined;
    if (target === undefined) return "unknown";
    const alias = `${this.prefix}_${key.replace(/[^A-Za-z0-9_$]/g, "_")}`;
    if (!this.aliases.has(alias)) {
      this.aliases.set(alias, ""); // declared before rendering, so a cycle ends here
      this.aliases.set(
        alias,
        `type ${alias} = ${new Renderer(this.root, this.prefix, this.aliases).render(target, 0)};`,
      );
    }
    return depth > MAX_DEPTH ? "unknown" : alias;
  }
}

function literal(value: unknown): string {
  return value === undefined ? "undefined" : JSON.stringify(value) ?? "unknown";
}

function union(types: string[]): string {
  const distinct = [...new Set(types)];
  if (distinct.includes("unknown")) return "unknown";
  return distinct.length === 0 ? "never" : distinct.join(" | ");
}

function parenthesised(type: string): string {
  // Extra parentheses around a type that needs none are harmless; missing ones change its meaning.
  return /[|&]/.test(type) ? `(${type})` : type;
}

/** A tool name as the start of a type name (`get_user` gives `GetUser`). */
function pascal(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1));
  const joined = words.join("");
  return /^[A-Za-z]/.test(joined) ? joined : `Tool${joined}`;
}

function docComment(text: string, indent: string): string {
  const lines = text.replaceAll("*/", "*\\/").trim().split("\n");
  if (lines.length === 1) return `${indent}/** ${lines[0]} */`;
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`.trimEnd()), `${indent} */`].join("\n");
}

/**
 * The commands that talk to a server: `list`, `call` and `inspect`.
 *
 * @module
 */

import { Client } from "../client/client.ts";
import type { ClientOptions } from "../client/types.ts";
import type { Tool } from "../protocol/types.ts";
import { parseHeaderFlags } from "./flags.ts";
import { bold, dim, note, out, outJson, signature } from "./output.ts";
import { clientTargetFor, parseServerSpec, UsageError } from "./server_spec.ts";

/** Options every client command takes. */
export interface ClientCommandOptions {
  json?: boolean;
  timeout?: string;
  header?: string[];
}

function clientOptions(options: ClientCommandOptions, extra: ClientOptions = {}): ClientOptions {
  const headers = parseHeaderFlags(options.header);
  const timeoutMs = options.timeout === undefined ? undefined : Number(options.timeout) * 1000;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    throw new UsageError(`--timeout must be a number of seconds: ${options.timeout}`);
  }
  return { name: "denomcp-cli", stderr: "null", headers, ...(timeoutMs ? { timeoutMs } : {}), ...extra };
}

async function connect(server: string, rest: string[], options: ClientCommandOptions, extra?: ClientOptions) {
  const spec = parseServerSpec(server, rest);
  const target = await clientTargetFor(spec);
  // A file is served by this CLI in a child, whose errors (a missing export, a syntax error) the user must see.
  const stderr = spec.kind === "file" ? "inherit" as const : "null" as const;
  const client = new Client(target, { ...clientOptions(options, extra), stderr });
  await client.connect();
  return client;
}

/** `denomcp list <server>`: tools (and, when asked, resources, templates and prompts). */
export async function list(
  server: string,
  rest: string[],
  options: ClientCommandOptions & { resources?: boolean; prompts?: boolean; schemas?: boolean },
): Promise<void> {
  await using client = await connect(server, rest, options);
  const tools = await client.listTools();
  const resources = options.resources ? await client.listResources() : undefined;
  const templates = options.resources ? await client.listResourceTemplates() : undefined;
  const prompts = options.prompts ? await client.listPrompts() : undefined;
  if (options.json) {
    outJson({
      tools,
      ...(resources ? { resources, resourceTemplates: templates } : {}),
      ...(prompts ? { prompts } : {}),
    });
    return;
  }
  out(bold(`Tools (${tools.length})`));
  for (const tool of tools) {
    out(
      `  ${bold(tool.name)}${signature(tool.inputSchema)}${
        tool.description ? dim(`  ${tool.description}`) : ""
      }`,
    );
    if (options.schemas) out(dim(JSON.stringify(tool.inputSchema, null, 2).replace(/^/gm, "    ")));
  }
  if (resources) {
    out(bold(`Resources (${resources.length})`));
    for (const r of resources) out(`  ${r.uri}${r.description ? dim(`  ${r.description}`) : ""}`);
    out(bold(`Resource templates (${templates!.length})`));
    for (const t of templates!) out(`  ${t.uriTemplate}${t.description ? dim(`  ${t.description}`) : ""}`);
  }
  if (prompts) {
    out(bold(`Prompts (${prompts.length})`));
    for (const p of prompts) {
      const args = (p.arguments ?? []).map((a) => `${a.name}${a.required ? "" : "?"}`).join(", ");
      out(`  ${bold(p.name)}(${args})${p.description ? dim(`  ${p.description}`) : ""}`);
    }
  }
}

/** `key=value` words as tool arguments; a value is read as JSON unless the tool's schema says string. */
export function toolArguments(words: string[], schema: unknown): Record<string, unknown> {
  const properties =
    (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  const args: Record<string, unknown> = {};
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new UsageError(`argument '${word}': expected key=value`);
    const [key, raw] = [word.slice(0, eq), word.slice(eq + 1)];
    if (properties[key]?.type === "string") {
      args[key] = raw;
      continue;
    }
    try {
      args[key] = JSON.parse(raw);
    } catch {
      args[key] = raw;
    }
  }
  return args;
}

/** `denomcp call <server> <tool> [key=value ...]`, or `--prompt` / `--resource`. */
export async function call(
  server: string,
  name: string | undefined,
  words: string[],
  options: ClientCommandOptions & { args?: string; prompt?: string; resource?: string },
): Promise<number> {
  // With --prompt or --resource there is no tool: the word in its place is the first argument.
  if ((options.prompt !== undefined || options.resource !== undefined) && name !== undefined) {
    words = [name, ...words];
    name = undefined;
  }
  await using client = await connect(server, [], options);
  if (options.resource !== undefined) {
    const contents = await client.readResource(options.resource);
    if (options.json) outJson(contents);
    else {for (const c of contents) {
        out("text" in c ? String(c.text) : `[${c.mimeType ?? "binary"}, base64] ${String(c.blob)}`);
      }}
    return 0;
  }
  if (options.prompt !== undefined) {
    const promptArgs = toolArguments(words, undefined);
    const result = await client.getPrompt(
      options.prompt,
      Object.fromEntries(
        Object.entries(promptArgs).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      ),
    );
    if (options.json) outJson(result);
    else {for (const m of result.messages) {
        out(`${bold(m.role)}: ${"text" in m.content ? m.content.text : JSON.stringify(m.content)}`);
      }}
    return 0;
  }
  if (name === undefined) throw new UsageError("the tool name is missing (or give --prompt or --resource)");
  const tools: Tool[] = await client.listTools();
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    throw new UsageError(
      `the server has no tool '${name}' (it has ${tools.map((t) => t.name).join(", ") || "none"})`,
    );
  }
  let args: Record<string, unknown>;
  if (options.args !== undefined) {
    try {
      args = JSON.parse(options.args);
    } catch (error) {
      throw new UsageError(`--args is not JSON: ${(error as Error).message}`);
    }
  } else args = toolArguments(words, tool.inputSchema);
  const result = await client.callToolResult(name, args, {
    onProgress: (p) =>
      note(
        dim(
          `progress ${p.progress}${p.total !== undefined ? `/${p.total}` : ""}${
            p.message ? ` ${p.message}` : ""
          }`,
        ),
      ),
  });
  if (options.json) outJson(result);
  else if (result.structuredContent !== undefined) outJson(result.structuredContent);
  else {
    for (const block of result.content) out(block.type === "text" ? block.text : JSON.stringify(block));
  }
  // A tool that reported an error is a failed command.
  return result.isError ? 1 : 0;
}

/** `denomcp inspect <server>`: what the server offers, on both eras' handshakes. */
export async function inspect(
  server: string,
  rest: string[],
  options: ClientCommandOptions & { format?: string },
): Promise<void> {
  const format = options.format ?? (options.json ? "json" : "text");
  if (!["text", "json", "mcp"].includes(format)) {
    throw new UsageError(`--format must be text, json or mcp, not ${format}`);
  }
  await using client = await connect(server, rest, options);
  const [tools, resources, resourceTemplates, prompts] = [
    await client.listTools(),
    await client.listResources(),
    await client.listResourceTemplates(),
    await client.listPrompts(),
  ];
  if (format === "mcp") {
    outJson({ tools, resources, resourceTemplates, prompts });
    return;
  }
  // The other era's handshake, for servers that speak both.
  const eras: Record<string, unknown> = { [client.protocolVersion ?? "?"]: client.serverCapabilities };
  try {
    const negotiation = client.protocolVersion === "2026-07-28" ? "legacy" as const : { pin: "2026-07-28" };
    await using other = await connect(server, rest, options, { negotiation });
    eras[other.protocolVersion ?? "?"] = other.serverCapabilities;
  } catch {
    // Only one era: reported as such.
  }
  const report = {
    server: client.serverInfo,
    instructions: client.instructions,
    protocolVersions: Object.keys(eras),
    capabilities: eras,
    tools,
    resources,
    resourceTemplates,
    prompts,
  };
  if (format === "json") {
    outJson(report);
    return;
  }
  out(`${bold(report.server?.name ?? "server")} ${report.server?.version ?? ""}`);
  if (report.instructions) out(dim(report.instructions));
  out(`protocol: ${report.protocolVersions.join(", ")}`);
  for (const [version, caps] of Object.entries(eras)) {
    out(`capabilities (${version}): ${Object.keys(caps ?? {}).join(", ")}`);
  }
  out(bold(`Tools (${tools.length})`));
  for (const t of tools) {
    out(`  ${bold(t.name)}${signature(t.inputSchema)}${t.description ? dim(`  ${t.description}`) : ""}`);
  }
  out(bold(`Resources (${resources.length})`));
  for (const r of resources) out(`  ${r.uri}`);
  out(bold(`Resource templates (${resourceTemplates.length})`));
  for (const t of resourceTemplates) out(`  ${t.uriTemplate}`);
  out(bold(`Prompts (${prompts.length})`));
  for (const p of prompts) out(`  ${p.name}`);
}

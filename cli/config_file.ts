/**
 * Editing a host's configuration file in place: one entry added or replaced, everything else
 * (other servers, settings, comments, formatting) kept as it was. JSON and JSONC files are edited
 * with `jsonc-parser` (VS Code's own, so comments in `mcp.json` survive), YAML with `yaml`'s
 * document API (Goose's `config.yaml` keeps its comments too). The old file is kept as
 * `<file>.bak`; the new one is written beside it and renamed over it, so a crash never leaves
 * half a file.
 *
 * @module
 */

import { applyEdits, modify, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { dirname } from "node:path";
import { isMap, parseDocument } from "yaml";
import { UsageError } from "./server_spec.ts";

/** Where an entry goes: a file, the path of keys to the map that holds the servers, and the entry's name. */
export interface ConfigEdit {
  /** The configuration file (created when missing). */
  file: string;
  /** Keys leading to the map of servers, e.g. `["mcpServers"]`. */
  path: string[];
  /** The server's name in that map. */
  name: string;
  /** The entry. */
  entry: Record<string, unknown>;
  /** Replace an entry of the same name. */
  force?: boolean;
}

/** What an edit did. */
export interface ConfigEditResult {
  /** The file written. */
  file: string;
  /** The copy of the previous file, when there was one. */
  backup?: string;
  /** True when an entry of the same name was replaced. */
  replaced: boolean;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    // Some editors save UTF-8 with a byte order mark; the parsers want it gone.
    return (await Deno.readTextFile(file)).replace(/^\uFEFF/, "");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Line and column (1-based) of an offset, for error messages. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

function jsonEdit(text: string, edit: ConfigEdit): { text: string; replaced: boolean } {
  const errors: ParseError[] = [];
  const tree = text.trim() ? parseTree(text, errors, { allowTrailingComma: true }) : undefined;
  if (errors.length) {
    const first = errors[0];
    throw new UsageError(
      `${edit.file}:${position(text, first.offset)}: not valid JSON (${
        printParseErrorCode(first.error)
      }); nothing was changed`,
    );
  }
  if (tree && tree.type !== "object") {
    throw new UsageError(`${edit.file}: expected a JSON object at the top; nothing was changed`);
  }
  let node = tree;
  for (const key of edit.path) {
    node = node?.children?.find((p) => p.children?.[0].value === key)?.children?.[1];
    if (node && node.type !== "object") {
      throw new UsageError(`${edit.file}: "${edit.path.join(".")}" is not an object; nothing was changed`);
    }
  }
  const replaced = node?.children?.some((p) => p.children?.[0].value === edit.name) ?? false;
  if (replaced && !edit.force) {
    throw new UsageError(
      `${edit.file} already has a server '${edit.name}': add --force to replace it, or --name to pick another name`,
    );
  }
  const indent = /\n(\t| +)"/.exec(text)?.[1];
  const formattingOptions = {
    insertSpaces: indent !== "\t",
    tabSize: indent && indent !== "\t" ? indent.length : 2,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
  const base = text.trim() ? text : "{}\n";
  const edits = modify(base, [...edit.path, edit.name], edit.entry, { formattingOptions });
  return { text: applyEdits(base, edits), replaced };
}

function yamlEdit(text: string, edit: ConfigEdit): { text: string; replaced: boolean } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const first = doc.errors[0];
    throw new UsageError(
      `${edit.file}:${first.linePos?.[0].line ?? "?"}:${first.linePos?.[0].col ?? "?"}: not valid YAML (${
        first.message.split("\n")[0]
      }); nothing was changed`,
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new UsageError(`${edit.file}: expected a mapping at the top; nothing was changed`);
  }
  const holder = doc.getIn(edit.path);
  if (holder !== undefined && holder !== null && !isMap(holder)) {
    throw new UsageError(`${edit.file}: "${edit.path.join(".")}" is not a mapping; nothing was changed`);
  }
  const replaced = doc.hasIn([...edit.path, edit.name]);
  if (replaced && !edit.force) {
    throw new UsageError(
      `${edit.file} already has '${edit.name}': add --force to replace it, or --name to pick another name`,
    );
  }
  doc.setIn([...edit.path, edit.name], doc.createNode(edit.entry));
  return { text: doc.toString(), replaced };
}

/**
 * Adds (or with `force`, replaces) one entry in a JSON, JSONC or YAML configuration file. A file
 * that does not parse is left untouched and named in the error with the line and column.
 */
export async function editConfig(edit: ConfigEdit): Promise<ConfigEditResult> {
  const old = await readText(edit.file);
  const yaml = /\.ya?ml$/i.test(edit.file);
  const { text, replaced } = yaml ? yamlEdit(old ?? "", edit) : jsonEdit(old ?? "", edit);
  await Deno.mkdir(dirname(edit.file), { recursive: true });
  let backup: string | undefined;
  if (old !== undefined) {
    backup = `${edit.file}.bak`;
    await Deno.copyFile(edit.file, backup);
  }
  const temp = `${edit.file}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  // Host configuration files can hold secrets (env values): readable by the owner only, like the hosts write them.
  const mode = old === undefined ? 0o600 : (await Deno.stat(edit.file)).mode ?? 0o600;
  await Deno.writeTextFile(temp, text.endsWith("\n") ? text : text + "\n", { mode: mode & 0o777 });
  await Deno.rename(temp, edit.file);
  return { file: edit.file, ...(backup ? { backup } : {}), replaced };
}

/**
 * `FileUpload`: the user drops files into an MCP App; the model lists and reads them. Files are
 * kept in memory per owner (the authenticated user, else the 2025 session, else the stdio or
 * in-process client), bounded in bytes and count.
 *
 * @module
 */

import { ResourceComponent } from "../../components/resource.ts";
import { ToolComponent } from "../../components/tool.ts";
import type { Context } from "../../context.ts";
import { ToolError } from "../../errors.ts";
import { BuiltinApp } from "./builtin_app.ts";
import { appPage } from "./page.ts";

/**
 * Options of {@link FileUpload}.
 *
 * @example
 * ```ts
 * import type { FileUploadOptions } from "@denomcp/denomcp";
 * const options: FileUploadOptions = { maxFileBytes: 1024 * 1024, maxFiles: 5 };
 * ```
 */
export interface FileUploadOptions {
  /** Names the tools' page; default `"files"`. */
  name?: string;
  /** The largest file, in bytes. Default 10 MiB. */
  maxFileBytes?: number;
  /** Files kept per owner; storing more replaces the oldest. Default 20. */
  maxFiles?: number;
  /** Bytes kept per owner in all. Default 50 MiB. */
  maxTotalBytes?: number;
}

interface StoredFile {
  name: string;
  type: string;
  size: number;
  uploadedAt: string;
  bytes: Uint8Array;
}

const TEXT_EXTENSIONS = /\.(csv|json|txt|md|py|ya?ml|toml|ts|js|html|css|xml|log)$/i;

const BODY = `<h1 id="title">Files</h1>
<p id="hint"></p>
<input id="picker" type="file" multiple>
<ul id="list"></ul>
<p id="error" class="error" hidden></p>`;

/** Reads the picked files as base64, stores them with the app-only tool, and shows what is kept. */
const SCRIPT = `(app) => (result) => {
  const spec = result.structuredContent;
  const byId = (id) => document.getElementById(id);
  const show = (files) => {
    const list = byId("list");
    list.replaceChildren();
    for (const f of files) {
      const item = document.createElement("li");
      item.textContent = f.name + " (" + f.size + " bytes)";
      list.append(item);
    }
    app.resized();
  };
  byId("hint").textContent = "Up to " + spec.maxFileBytes + " bytes per file.";
  show(spec.files);
  byId("picker").addEventListener("change", async (event) => {
    const files = [];
    for (const file of event.target.files) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      files.push({ name: file.name, type: file.type, data: btoa(binary) });
    }
    const answer = await app.callTool(spec.storeTool, { files });
    const error = byId("error");
    if (answer.isError) {
      error.textContent = (answer.content ?? []).map((c) => c.text ?? "").join("\\n");
      error.hidden = false;
    } else {
      error.hidden = true;
      show(answer.structuredContent.files);
    }
    app.resized();
  });
}`;

const PAGE = appPage("Files", BODY, SCRIPT);

/**
 * Files from the user, as an MCP App: `file_manager()` shows a file picker; the page stores the
 * picked files with the app-only `store_files`; the model reads them with `list_files()` and
 * `read_file({ name })` (text as text, other files as their size and type). Limits are in bytes
 * (per file and per owner) and files; a file over them is refused with the limit's name. Files
 * are kept in memory per owner (the authenticated user, else the 2025 session, else the stdio or
 * in-process client): a stateless HTTP client without a token cannot store files.
 *
 * @example
 * ```ts
 * import { FastMCP, FileUpload } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "docs" });
 * mcp.addProvider(new FileUpload({ maxFileBytes: 2 * 1024 * 1024 }));
 * ```
 */
export class FileUpload extends BuiltinApp {
  /** Creates the app's tools and page; see {@link FileUploadOptions}. */
  constructor(options: FileUploadOptions = {}) {
    const {
      name = "files",
      maxFileBytes = 10 * 1024 * 1024,
      maxFiles = 20,
      maxTotalBytes = 50 * 1024 * 1024,
    } = options;
    const uri = `ui://file-upload/${name}`;
    const owners = new Map<string, StoredFile[]>();
    const filesOf = (ctx: Context, storing = false): StoredFile[] => {
      const owner = ownerOf(ctx);
      if (!owner) {
        if (!storing) return [];
        throw new ToolError(
          "files are kept per user or session: sign in, or connect with a 2025-11-25 session",
        );
      }
      let files = owners.get(owner);
      if (!files) owners.set(owner, files = []);
      return files;
    };
    const summary = (f: StoredFile) => ({
      name: f.name,
      type: f.type,
      size: f.size,
      uploadedAt: f.uploadedAt,
    });
    const manager = new ToolComponent("file_manager", {
      description:
        "Show the user a file picker to upload files; read them afterwards with list_files and read_file.",
      app: { resourceUri: uri, visibility: ["model"] },
    }, async (_args, ctx) =>
      await Promise.resolve({
        files: filesOf(ctx).map(summary),
        maxFileBytes,
        storeTool: "store_files",
      }));
    const store = new ToolComponent("store_files", {
      description: "Store files the user picked (called by the file manager).",
      input: {
        type: "object",
        properties: {
          files: {
            type: "array",
            maxItems: maxFiles,
            items: {
              type: "object",
              properties: {
                name: { type: "string", minLength: 1 },
                type: { type: "string" },
                data: { type: "string" },
              },
              required: ["name", "data"],
            },
          },
        },
        required: ["files"],
      },
      app: { resourceUri: uri, visibility: ["app"] },
    }, async (args, ctx) => {
      const files = filesOf(ctx, true);
      for (const file of (args as { files: { name: string; type?: string; data: string }[] }).files) {
        // Counted on the decoded bytes, before they are decoded.
        const size = Math.floor(file.data.length * 3 / 4) -
          (file.data.endsWith("==") ? 2 : file.data.endsWith("=") ? 1 : 0);
        if (size > maxFileBytes) {
          throw new ToolError(`${file.name} is ${size} bytes, over maxFileBytes (${maxFileBytes})`);
        }
        let bytes: Uint8Array;
        try {
          bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
        } catch {
          throw new ToolError(`${file.name}: data is not base64`);
        }
        const kept = files.filter((f) => f.name !== file.name);
        kept.push({
          name: file.name,
          type: file.type ?? "",
          size: bytes.length,
          uploadedAt: new Date().toISOString(),
          bytes,
        });
        while (kept.length > maxFiles || kept.reduce((n, f) => n + f.size, 0) > maxTotalBytes) {
          if (kept.length === 1) throw new ToolError(`${file.name} is over maxTotalBytes (${maxTotalBytes})`);
          kept.shift();
        }
        files.splice(0, files.length, ...kept);
      }
      return await Promise.resolve({ files: files.map(summary) });
    });
    const list = new ToolComponent("list_files", {
      description: "The files the user uploaded: name, type, size and when.",
      annotations: { readOnlyHint: true },
    }, async (_args, ctx) => await Promise.resolve({ files: filesOf(ctx).map(summary) }));
    const read = new ToolComponent("read_file", {
      description: "A file the user uploaded, by name: its text, or for other files their type and size.",
      annotations: { readOnlyHint: true },
      input: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    }, async (args, ctx) => {
      const wanted = (args as { name: string }).name;
      const files = filesOf(ctx);
      const file = files.find((f) => f.name === wanted);
      if (!file) {
        throw new ToolError(
          `no file named ${wanted}; the files are: ${files.map((f) => f.name).join(", ") || "none"}`,
        );
      }
      const text = file.type.startsWith("text/") || TEXT_EXTENSIONS.test(file.name)
        ? utf8(file.bytes)
        : undefined;
      return await Promise.resolve({ ...summary(file), ...(text !== undefined ? { content: text } : {}) });
    });
    super([manager, store, list, read], [
      new ResourceComponent(uri, { name: `${name} upload`, app: { prefersBorder: true } }, () => PAGE.html),
    ], PAGE);
  }
}

/** Whose files a request sees: the user, else the session, else the one client of stdio or memory. */
function ownerOf(ctx: Context): string | undefined {
  const token = ctx.accessToken;
  if (token) return `user:${token.clientId}:${token.subject ?? ""}`;
  if (ctx.sessionId) return `session:${ctx.sessionId}`;
  return ctx.facts.transport === "http" ? undefined : ctx.facts.transport;
}

/** The bytes as text, when they are UTF-8. */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A server whose components live in a folder: every module under `tools/` exports standalone
 * definitions, and `FileSystemProvider` serves them, reloading a module when it is edited.
 *
 *   deno run --allow-read examples/filesystem/server.ts                 # stdio
 *   deno run --allow-read --allow-net examples/filesystem/server.ts --http
 *
 * (`--allow-read` for the folder, and here for the checkout, which the pool workers load.)
 *
 * @module
 */

import { FastMCP, FileSystemProvider } from "../../mod.ts";

export const mcp = new FastMCP({ name: "folder", version: "1.0.0" });
mcp.addProvider(new FileSystemProvider({ root: new URL("./tools/", import.meta.url), reload: true }));

if (import.meta.main) await mcp.run();

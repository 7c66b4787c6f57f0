/**
 * Benchmark server: denomcp with one tool, `add(a, b)`, answering the sum as text.
 *
 * Serves Streamable HTTP on `127.0.0.1:$PORT/mcp`, both wire eras on the same endpoint:
 * 2025-era requests (initialize, then `Mcp-Session-Id` on every call) and stateless
 * 2026-07-28 requests (the `_meta` envelope plus `Mcp-Method`/`Mcp-Name` headers).
 *
 *   PORT=8123 deno run -A bench/servers/add.ts
 *
 * @module
 */

import { serveAdd } from "./add_server.ts";

serveAdd({ name: "bench-add" });

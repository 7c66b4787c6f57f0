/**
 * The quickstart for `deno serve` and Deno Deploy, which serve the main module's default export:
 *
 *   deno serve -A examples/quickstart_serve.ts    # http://localhost:8000/mcp
 *
 * @module
 */

export { mcp as default } from "./quickstart.ts";

/**
 * The README's server: a tool, a resource template and a prompt.
 *
 *   deno run -A examples/quickstart.ts            # stdio
 *   deno run -A examples/quickstart.ts --http     # Streamable HTTP on http://127.0.0.1:8000/mcp
 *   deno serve -A examples/quickstart_serve.ts    # the same, with deno serve
 *
 * No `export default mcp` here: `deno run` warns on stderr about a main module whose default
 * export has `fetch`, and stdio clients show that stderr as errors. `quickstart_serve.ts` gives
 * `deno serve` (and Deno Deploy) the default export.
 *
 * @module
 */

import { FastMCP } from "../mod.ts";
import { z } from "zod";

const mcp = new FastMCP({ name: "weather", version: "1.0.0", instructions: "Weather lookups for demos." });

mcp.tool("forecast", {
  description: "Forecast for a city",
  input: z.object({
    city: z.string().describe("City name"),
    days: z.number().int().min(1).max(7).default(1),
  }),
  annotations: { readOnlyHint: true },
}, async ({ city, days }, ctx) => {
  await ctx.info(`looking up ${city}`);
  return { city, days, tempC: 21, conditions: "sunny" };
});

mcp.tool("add", {
  description: "Add two numbers",
  input: z.object({ a: z.number(), b: z.number() }),
}, ({ a, b }) => String(a + b));

mcp.resource("weather://{city}/current", {
  description: "Current weather of a city",
  mimeType: "application/json",
}, ({ city }) => ({ city, tempC: 19 }));

mcp.prompt("plan_trip", {
  description: "Plan a trip around the weather",
  args: z.object({ city: z.string().describe("Where to go") }),
}, ({ city }) => `Plan a day in ${city}. Check the forecast first.`);

export { mcp }; // quickstart_serve.ts makes it the default export, for deno serve

if (import.meta.main) await mcp.run();

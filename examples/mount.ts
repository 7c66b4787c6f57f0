/**
 * Composition: one server made of two others. `weather` brings a lifespan (a connection it opens
 * and closes), a middleware of its own, a synchronous tool (run in the worker pool), a task tool,
 * a resource template and a prompt; `notes` brings a static resource and a health route. The
 * parent mounts them under namespaces and adds a route of its own.
 *
 *   deno run -A examples/mount.ts             # stdio
 *   deno run -A examples/mount.ts --http      # http://127.0.0.1:8000/mcp, GET /health, GET /notes/health
 *
 * Clients see `weather_forecast`, `weather_fib`, `weather_report`, `weather://weather/{city}/current`,
 * `weather_plan_trip`, `notes_add_note`, `notes://notes/all`.
 *
 * @module
 */

// deno-lint-ignore-file require-await -- `async` keeps a handler in the main isolate (synchronous ones run in the worker pool)

import { FastMCP, type Middleware } from "../mod.ts";
import { z } from "zod";

/** Counts the calls the weather server itself sees (its middleware runs inside the parent's). */
const callCounter: Middleware = {
  async onCallTool(context, next) {
    const result = await next(context);
    calls++;
    return result;
  },
};
let calls = 0;

export const weather = new FastMCP({
  name: "weather",
  version: "1.0.0",
  middleware: [callCounter],
  // The lifespan runs when the parent starts, and its value is what this server's handlers see.
  lifespan: async function* () {
    const connection = { opened: new Date().toISOString() };
    yield connection;
  },
});

weather.tool("forecast", {
  description: "Forecast for a city",
  input: z.object({ city: z.string() }),
}, async ({ city }, ctx) => {
  const connection = ctx.lifespan as { opened: string };
  return { city, tempC: 21, connectionOpened: connection.opened, calls };
});

weather.tool("fib", {
  description: "The n-th Fibonacci number (synchronous: runs in the worker pool)",
  input: z.object({ n: z.number().int().min(0).max(80) }),
}, ({ n }) => {
  let [a, b] = [0, 1];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return String(a);
});

weather.tool("report", {
  description: "A weekly report, made as a task",
  input: z.object({ city: z.string() }),
  task: true,
}, async ({ city }) => `weekly report for ${city}: mild`);

weather.resource(
  "weather://{city}/current",
  { mimeType: "application/json" },
  ({ city }) => ({ city, tempC: 19 }),
);

weather.prompt("plan_trip", { args: z.object({ city: z.string() }) }, ({ city }) => `Plan a day in ${city}.`);

export const notes = new FastMCP({ name: "notes", version: "1.0.0" });
const saved: string[] = [];

notes.tool("add_note", { input: z.object({ text: z.string() }) }, async ({ text }) => {
  saved.push(text);
  return `${saved.length} notes`;
});

notes.resource("notes://all", () => saved.join("\n"));

notes.customRoute("/notes/health", { methods: ["GET"] }, () => Response.json({ notes: saved.length }));

const mcp = new FastMCP({ name: "assistant", version: "1.0.0" })
  .mount(weather, { namespace: "weather" })
  .mount(notes, { namespace: "notes" })
  .customRoute("/health", { methods: ["GET"] }, () => Response.json({ ok: true }));

// No `export default mcp` in a module that `deno run` starts: Deno would warn on stderr (see quickstart.ts).
if (import.meta.main) await mcp.run();

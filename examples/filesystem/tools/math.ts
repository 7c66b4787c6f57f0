/**
 * Arithmetic tools. `add` is synchronous, so it runs in the worker pool; `max` is async and runs
 * in the server's isolate.
 *
 * @module
 */

import { tool } from "../../../mod.ts";
import { z } from "zod";

const pair = z.object({ a: z.number(), b: z.number() });

/** Adds two numbers. */
export const add = tool("add", { description: "Add two numbers", input: pair }, ({ a, b }) => a + b);

export default [
  tool("max", { description: "The larger of two numbers", input: pair }, async ({ a, b }, ctx) => {
    await ctx.info(`comparing ${a} and ${b}`);
    return Math.max(a, b);
  }),
];

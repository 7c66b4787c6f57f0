/**
 * A prompt and a resource template, from a sub-folder.
 *
 * @module
 */

import { prompt, resource } from "../../../../mod.ts";
import { z } from "zod";

/** Asks the model to greet someone. */
export const greet = prompt(
  "greet",
  { args: z.object({ name: z.string() }) },
  ({ name }) => `Greet ${name} warmly, in one sentence.`,
);

/** A greeting card for anyone. */
export const card = resource("card://{name}", ({ name }) => `Hello, ${name}!`);

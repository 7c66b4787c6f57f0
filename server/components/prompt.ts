/**
 * Prompts: argument schemas compiled once, and the conversion of what a handler returns into
 * `prompts/get` messages.
 *
 * @module
 */

import type {
  ContentBlock,
  GetPromptResult,
  Prompt as WirePrompt,
  PromptArgument,
  PromptMessage,
} from "../../protocol/types.ts";
import type { Context } from "../context.ts";
import { Audio, File, Image, isContentBlock } from "./content.ts";
import {
  type CompiledSchema,
  compileSchema,
  EMPTY_OBJECT_SCHEMA,
  type Infer,
  type SchemaLike,
} from "./schema.ts";
import { checkName, Component, type ComponentOptions, withMetadata } from "./common.ts";
import type { CompletionHandler } from "./resource.ts";

/** A prompt handler's return: text, a message, a list of those, or a full result. */
export type PromptHandler<S> = (args: Infer<S>, ctx: Context) => unknown;

/**
 * Options of a prompt.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.prompt("review", {
 *   args: z.object({ code: z.string().describe("The code to review") }),
 *   complete: { code: (v) => ["fn main() {}"].filter((s) => s.startsWith(v)) },
 * }, ({ code }) => `Please review:\n${code}`);
 * ```
 */
export interface PromptOptions<S extends SchemaLike | undefined = SchemaLike | undefined>
  extends ComponentOptions {
  /** Argument schema (an object of strings on the wire; other types are parsed from JSON text). */
  args?: S;
  /** Completions for arguments, by name. */
  complete?: Record<string, CompletionHandler>;
}

/**
 * A prompt message helper.
 *
 * @example
 * ```ts
 * import { Message } from "@denomcp/denomcp";
 * const m = new Message("Sure, here is a draft.", "assistant");
 * ```
 */
export class Message {
  /** Creates a message from text, a content block or a content helper. */
  constructor(
    readonly content: string | ContentBlock | Image | Audio | File,
    readonly role: "user" | "assistant" = "user",
  ) {}

  /** The wire message. */
  toMessage(): PromptMessage {
    const c = this.content;
    const content: ContentBlock = typeof c === "string"
      ? { type: "text", text: c }
      : c instanceof Image || c instanceof Audio || c instanceof File
      ? c.toContent()
      : c;
    return { role: this.role, content };
  }
}

/** A prompt compiled for serving. */
export class PromptComponent extends Component {
  /** Component kind: listed by `prompts/list`. */
  readonly kind = "prompts" as const;
  /** Held in the registry's prompt map. */
  readonly slot = "prompts" as const;
  /** @internal the compiled argument schema */
  readonly args: CompiledSchema;
  /** Names of arguments whose schema type is not string (sent as JSON text on the wire). */
  readonly jsonArgs: ReadonlySet<string>;
  /** The `prompts/list` entry. */
  readonly listing: WirePrompt;

  /** Compiles a prompt definition. */
  constructor(
    readonly name: string,
    readonly options: PromptOptions,
    readonly handler: PromptHandler<unknown>,
  ) {
    super(options);
    checkName("prompt", name);
    this.args = options.args ? compileSchema(options.args, `prompt '${name}' args`) : EMPTY_OBJECT_SCHEMA;
    const properties = (this.args.jsonSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
    const required = new Set((this.args.jsonSchema.required ?? []) as string[]);
    const args: PromptArgument[] = Object.entries(properties).map(([argName, schema]) => {
      const arg: PromptArgument = { name: argName };
      if (typeof schema.title === "string") arg.title = schema.title;
      if (typeof schema.description === "string") arg.description = schema.description;
      arg.required = required.has(argName);
      return arg;
    });
    this.jsonArgs = new Set(
      Object.entries(properties).filter(([, s]) => s.type !== undefined && s.type !== "string").map(([n]) =>
        n
      ),
    );
    for (const argName of Object.keys(options.complete ?? {})) {
      if (!Object.hasOwn(properties, argName)) {
        throw new TypeError(`prompt '${name}': completion for unknown argument '${argName}'`);
      }
    }
    const listing: WirePrompt = { name };
    if (args.length) listing.arguments = args;
    this.listing = withMetadata(listing, options);
  }

  /** The prompt name. */
  get identifier(): string {
    return this.name;
  }

  /** Sets the identifier of a derived copy and rebuilds its listing. */
  protected renamed(name: string): void {
    (this as { name: string }).name = name;
    (this as { listing: WirePrompt }).listing = { ...this.listing, name };
  }

  /**
   * Wire arguments are strings; non-string arguments are parsed from JSON where they parse. Only
   * arguments the client sent count (an argument named `constructor` is not Object's).
   */
  coerce(args: Record<string, unknown>): Record<string, unknown> {
    if (this.jsonArgs.size === 0) return args;
    const out = { ...args };
    for (const name of this.jsonArgs) {
      if (!Object.hasOwn(out, name)) continue;
      const value = out[name];
      if (typeof value !== "string") continue;
      try {
        // An own property already (checked above), so even `__proto__` stays a plain value.
        out[name] = JSON.parse(value);
      } catch {
        // Left as text: the schema's own message will say what was expected.
      }
    }
    return out;
  }
}

/** Converts a prompt handler's value into a `GetPromptResult`. */
export function toPromptResult(value: unknown, description: string | undefined): GetPromptResult {
  if (typeof value === "object" && value !== null && Array.isArray((value as GetPromptResult).messages)) {
    return value as GetPromptResult;
  }
  const items = Array.isArray(value) ? value : [value];
  const messages = items.map(toPromptMessage);
  return description === undefined ? { messages } : { description, messages };
}

function toPromptMessage(item: unknown): PromptMessage {
  if (item instanceof Message) return item.toMessage();
  if (typeof item === "string") return { role: "user", content: { type: "text", text: item } };
  if (item instanceof Image || item instanceof Audio || item instanceof File) {
    return new Message(item).toMessage();
  }
  if (isContentBlock(item)) return { role: "user", content: item };
  if (typeof item === "object" && item !== null && "role" in item && "content" in item) {
    const m = item as { role: "user" | "assistant"; content: unknown };
    return new Message(m.content as ContentBlock, m.role).toMessage();
  }
  return { role: "user", content: { type: "text", text: JSON.stringify(item) } };
}

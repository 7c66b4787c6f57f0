/**
 * Resources as tools, for clients that speak only tools: `list_resources` and `read_resource`.
 * They ask the server as the client would (`ctx.listResources()`, `ctx.listResourceTemplates()`,
 * `ctx.readResource()`): the visibility rules and the caller's auth checks apply as to
 * `resources/list`, `resources/templates/list` and `resources/read`.
 *
 * @module
 */

import type { ResourceContents } from "../../protocol/types.ts";
import { ToolComponent } from "../components/tool.ts";
import type { MaybePromise } from "../middleware/compose.ts";
import { AddedTools, forModel } from "./search_common.ts";
import type { GetNext, Transform } from "./transform.ts";
import type { VersionSpec } from "./versions.ts";

/** What `list_resources` shows of each resource and template. */
const LISTED = ["uri", "uriTemplate", "name", "title", "description", "mimeType"];

/**
 * What `read_resource` answers (FastMCP's form): one text content as its text, one binary content
 * as its base64, several as a JSON list of their contents.
 */
function contentsText(contents: ResourceContents[]): string {
  if (contents.length === 1) {
    const only = contents[0] as { text?: string; blob?: string };
    return only.text ?? only.blob ?? "";
  }
  return JSON.stringify(contents, ["uri", "mimeType", "text", "blob"]);
}

/**
 * Adds the tools `list_resources` (the static resources and the templates the caller may see, as
 * JSON text: resources with a `uri`, templates with a `uriTemplate`) and
 * `read_resource({ uri })` (a static resource or a URI a template matches). Both are marked
 * read-only. An unknown URI is a tool error the model can read; a refusal stays the protocol
 * error it is. A server that already has a tool of either name makes the listing throw, naming it.
 *
 * @example
 * ```ts
 * import { FastMCP, ResourcesAsTools } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.resource("config://app", () => ({ theme: "dark" }));
 * mcp.resource("users://{id}/profile", ({ id }) => ({ id }));
 * mcp.addTransform(new ResourcesAsTools()); // tools: list_resources, read_resource
 * ```
 */
export class ResourcesAsTools implements Transform {
  readonly #added = new AddedTools("ResourcesAsTools", [
    new ToolComponent("list_resources", {
      description: "List the resources of this server as JSON: resources with a uri, and templates with a " +
        "uriTemplate whose {placeholders} make the uri to read.",
      annotations: { readOnlyHint: true },
    }, async (_args, ctx) => {
      const [resources, templates] = await Promise.all([ctx.listResources(), ctx.listResourceTemplates()]);
      return JSON.stringify([...resources, ...templates], LISTED, 2);
    }),
    new ToolComponent("read_resource", {
      description: "Read a resource of this server by its URI (a template's placeholders filled in). Text " +
        "comes back as it is, binary content as base64.",
      annotations: { readOnlyHint: true },
      input: {
        type: "object",
        properties: { uri: { type: "string", description: "The URI of the resource" } },
        required: ["uri"],
      },
    }, async (args, ctx) => {
      try {
        return contentsText(await ctx.readResource((args as { uri: string }).uri));
      } catch (error) {
        throw forModel(error);
      }
    }),
  ]);

  /** Lists the server's tools, then `list_resources` and `read_resource`. */
  listTools(tools: readonly ToolComponent[]): readonly ToolComponent[] {
    return this.#added.appendTo(tools);
  }

  /** Finds `list_resources` and `read_resource`, and every other tool as the layers below do. */
  getTool(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined> {
    return this.#added.get(name, version, next);
  }
}

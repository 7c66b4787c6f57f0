/**
 * The skills extension (`io.modelcontextprotocol/skills`, SEP-2640): `skills/list` and
 * `skills/get` answer with the entries of the skills a caller may see (each skill's `SKILL.md`
 * resource carries its entry, so visibility, component auth and mount namespaces apply as they
 * do to `resources/list`), and `resources/directory/read` lists the direct children of a
 * directory of resources. Added to a server by any skills provider.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { type SkillEntry, SKILLS_EXTENSION_ID } from "../../protocol/skills.ts";
import type { Resource } from "../../protocol/types.ts";
import type { Component } from "../components/common.ts";
import type { ResourceComponent } from "../components/resource.ts";
import type { Context } from "../context.ts";
import { invalidParams } from "../engine/outcome.ts";
import type { Extension } from "../extensions/extension.ts";
import { skillFileUri, SkillMainResource } from "./resources.ts";

const DIRECTORY = "inode/directory";

/** The entries of the skills among `components` (resources a caller may use), under the URIs they are served at. */
export function skillEntries(components: readonly Component[]): SkillEntry[] {
  const entries: SkillEntry[] = [];
  for (const component of components) {
    if (!(component instanceof SkillMainResource)) continue;
    const root = component.uri.slice(0, -"/SKILL.md".length);
    const skillPath = root.slice("skill://".length);
    entries.push({
      uri: component.uri,
      frontmatter: component.skill.frontmatter,
      resources: component.skill.files === "dynamic" ? "dynamic" : component.skill.files.map((
        { path, digest, size },
      ) => ({
        uri: root.startsWith("skill://") ? skillFileUri(skillPath, path) : `${root}/${path}`,
        digest,
        size,
      })),
    });
  }
  return entries;
}

/**
 * The direct children of the directory `uri` among `components`: files as their listings,
 * subdirectories as directory resources. Undefined when nothing lies under it (it is not a
 * directory).
 */
export function directoryChildren(components: readonly Component[], uri: string): Resource[] | undefined {
  if (uri.endsWith("/") || !uri.includes("://")) return undefined;
  const prefix = `${uri}/`;
  const children = new Map<string, Resource>();
  for (const component of components) {
    if (component.slot !== "resources") continue;
    const resource = component as ResourceComponent;
    if (!resource.uri.startsWith(prefix)) continue;
    const rest = resource.uri.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) children.set(resource.uri, resource.listing);
    else {
      const child = prefix + rest.slice(0, slash);
      if (!children.has(child)) {
        children.set(child, {
          uri: child,
          name: decodeURIComponent(rest.slice(0, slash)),
          mimeType: DIRECTORY,
        });
      }
    }
  }
  return children.size ? [...children.values()] : undefined;
}

/** The one page every listing of this extension has: a cursor can only be one it never gave. */
function refuseCursor(params: JsonObject): void {
  if (params.cursor !== undefined) throw invalidParams(`Invalid cursor: ${JSON.stringify(params.cursor)}`);
}

function uriParam(params: JsonObject, method: string): string {
  if (typeof params.uri !== "string") throw invalidParams(`${method} needs a uri`);
  return params.uri;
}

/**
 * The skills extension: `skills/list`, `skills/get` (cacheable on 2026-07-28) and
 * `resources/directory/read`, with `directoryRead: true`, and the `resources` capability it
 * implies. One object for every server, so that several skills providers add it once.
 *
 * @example
 * ```ts
 * import { FastMCP, SKILLS_EXTENSION } from "@denomcp/denomcp";
 * // A server whose skill resources come from elsewhere (a custom provider) declares it itself.
 * const mcp = new FastMCP({ name: "skills" });
 * mcp.addExtension(SKILLS_EXTENSION);
 * ```
 */
export const SKILLS_EXTENSION: Extension = Object.freeze({
  id: SKILLS_EXTENSION_ID,
  settings: { directoryRead: true },
  capabilities: { resources: {} },
  methods: {
    "skills/list": {
      cacheable: true,
      handler: async (params: JsonObject, ctx: Context) => {
        refuseCursor(params);
        return { skills: await ctx.listSkills() as unknown as JsonObject[] };
      },
    },
    "skills/get": {
      cacheable: true,
      handler: async (params: JsonObject, ctx: Context) => {
        const uri = uriParam(params, "skills/get");
        const skill = (await ctx.listSkills()).find((s) => s.uri === uri);
        if (!skill) throw invalidParams(`No skill is served at ${uri}`);
        return { skill: skill as unknown as JsonObject };
      },
    },
    "resources/directory/read": {
      handler: async (params: JsonObject, ctx: Context) => {
        refuseCursor(params);
        const uri = uriParam(params, "resources/directory/read");
        const children = await ctx.readDirectory(uri);
        if (!children) throw invalidParams(`${uri} is not a directory resource`);
        return { resources: children as unknown as JsonObject[] };
      },
    },
  },
});

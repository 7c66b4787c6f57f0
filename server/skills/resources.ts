/**
 * A skill as resources: each file at `skill://<skill-path>/<file-path>`, the `SKILL.md` one
 * carrying the skill's entry (frontmatter and manifest, file paths relative to the skill) so that
 * wherever the resource is served from (a mount renames it) the entry follows it.
 *
 * @module
 */

import type { AuthRule } from "../../auth/authorization.ts";
import { ResourceComponent, type ResourceOptions } from "../components/resource.ts";
import type { SkillEntry } from "../../protocol/skills.ts";
import { isText, type Skill, type SkillFrontmatter } from "./skill.ts";

/** What a served skill's `SKILL.md` resource knows of its skill. */
export interface SkillInfo {
  readonly frontmatter: SkillFrontmatter;
  /** The files, by path within the skill (`"dynamic"` when the content is generated). */
  readonly files:
    | readonly { readonly path: string; readonly digest: string; readonly size: number }[]
    | "dynamic";
}

/**
 * The info of a skill entry another server gave (a proxy's upstream), with its files' paths
 * relative to the skill; undefined when a file is not inside the skill.
 */
export function skillInfoOf(entry: SkillEntry): SkillInfo | undefined {
  if (!entry.uri.endsWith("/SKILL.md")) return undefined;
  const root = entry.uri.slice(0, -"SKILL.md".length);
  if (entry.resources === "dynamic") return { frontmatter: entry.frontmatter, files: "dynamic" };
  const files = [];
  for (const { uri, digest, size } of entry.resources) {
    if (!uri.startsWith(root)) return undefined;
    files.push({ path: uri.slice(root.length).split("/").map(decodeURIComponent).join("/"), digest, size });
  }
  return { frontmatter: entry.frontmatter, files };
}

/** The `SKILL.md` resource of a skill, with the skill's entry. */
export class SkillMainResource extends ResourceComponent {
  /** Creates the resource; `skill` is the entry it carries. */
  constructor(
    uri: string,
    options: ResourceOptions,
    handler: ResourceComponent["handler"],
    readonly skill: SkillInfo,
  ) {
    super(uri, options, handler);
  }
}

/** How a provider serves its skills. */
export interface SkillResourceOptions {
  /** Who may see and read them (component auth). */
  auth?: AuthRule;
  /** Tags of every resource of the skills. */
  tags?: string[];
}

/** The URI of a file of the skill at `skillPath` (each segment percent-encoded). */
export function skillFileUri(skillPath: string, path: string): string {
  return `skill://${skillPath}/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** The resources of `skill` served at `skillPath`: `SKILL.md` first. */
export function skillResources(
  skill: Skill,
  skillPath: string,
  options: SkillResourceOptions,
): ResourceComponent[] {
  const info: SkillInfo = {
    frontmatter: skill.frontmatter,
    files: skill.files.map(({ path, digest, size }) => ({ path, digest, size })),
  };
  return skill.files.map((file) => {
    const uri = skillFileUri(skillPath, file.path);
    const handler = async () => {
      const bytes = await file.read();
      // Text only when it carries the bytes exactly: the digest is of the bytes.
      return isText(bytes) ? new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes) : bytes;
    };
    const common: ResourceOptions = {
      mimeType: file.mimeType,
      size: file.size,
      auth: options.auth,
      tags: options.tags,
    };
    if (file.path !== "SKILL.md") return new ResourceComponent(uri, { ...common, name: file.path }, handler);
    return new SkillMainResource(
      uri,
      { ...common, name: skill.name, description: skill.description },
      handler,
      info,
    );
  });
}

/**
 * What client and server share of the skills extension (`io.modelcontextprotocol/skills`,
 * SEP-2640): its identifier, the entry shapes of `skills/list` and `skills/get`, the SKILL.md
 * frontmatter format, and whether a server declares the extension.
 *
 * @module
 */

import { isObject } from "./jsonrpc.ts";

/** The extension's identifier. */
export const SKILLS_EXTENSION_ID = "io.modelcontextprotocol/skills";

/** A skill's file as its entry lists it. */
export interface SkillResourceEntry {
  /** The resource URI of the file. */
  uri: string;
  /** `sha256:` and the hex SHA-256 of its bytes. */
  digest: string;
  /** Its length in bytes. */
  size: number;
}

/** A skill as `skills/list` and `skills/get` give it. */
export interface SkillEntry {
  /** The URI of its `SKILL.md`. */
  uri: string;
  /** Its `SKILL.md` frontmatter, verbatim. */
  frontmatter: { name: string; description: string; [key: string]: unknown };
  /** Every file, `SKILL.md` included (or `"dynamic"` for generated content). */
  resources: SkillResourceEntry[] | "dynamic";
}

/** The YAML frontmatter block at the start of a SKILL.md (a byte-order mark allowed). */
export const FRONTMATTER_BLOCK: RegExp = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Whether a server's capabilities (from `initialize` or `server/discover`) declare the extension. */
export function declaresSkills(capabilities: unknown): boolean {
  const extensions = isObject(capabilities) ? capabilities.extensions : undefined;
  return isObject(extensions) && isObject(extensions[SKILLS_EXTENSION_ID]);
}

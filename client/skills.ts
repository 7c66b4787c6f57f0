/**
 * The client's side of the skills extension: reading a skill's file checked against the entry it
 * was listed with (SEP-2640 "Integrity and Verification"): only files the entry lists, the size
 * and SHA-256 digest of the bytes, and for `SKILL.md` the frontmatter field by field. Content
 * that fails is never returned.
 *
 * @module
 */

import { FRONTMATTER_BLOCK, type SkillEntry } from "../protocol/skills.ts";
import type { ResourceContents } from "../protocol/types.ts";
import { ClientError } from "./errors.ts";

/**
 * A skill file that does not match the entry it was read under: not listed, another size or
 * digest, or (for `SKILL.md`) other frontmatter. The content is not used; refresh the entry with
 * `getSkill()` and read again.
 *
 * @example
 * ```ts
 * import { SkillVerificationError } from "@denomcp/denomcp/client";
 * const err = new SkillVerificationError("skill://a/SKILL.md: 10 bytes, the entry says 12");
 * console.log(err.code); // "skill_verification"
 * ```
 */
export class SkillVerificationError extends ClientError {
  /** Creates the error. */
  constructor(message: string) {
    super(message, "skill_verification");
    this.name = "SkillVerificationError";
  }
}

/** A verified file of a skill. */
export interface SkillFileContent {
  /** Its URI. */
  uri: string;
  /** Its bytes, as the entry's digest covers them. */
  bytes: Uint8Array;
  /** Its text, when it is UTF-8. */
  text?: string;
  /** Its MIME type, as the server gave it. */
  mimeType?: string;
}

/** The URI of `path` within the skill of `entry` (`SKILL.md` by default). */
export function skillFileUri(entry: SkillEntry, path = "SKILL.md"): string {
  if (path.includes("://")) return path;
  const root = entry.uri.slice(0, entry.uri.length - "SKILL.md".length);
  return root + path.split("/").map(encodeURIComponent).join("/");
}

/** Checks contents read at `uri` against `entry`; resolves with the file, or throws {@link SkillVerificationError}. */
export async function verifySkillFile(
  entry: SkillEntry,
  uri: string,
  contents: readonly ResourceContents[],
): Promise<SkillFileContent> {
  const listed = entry.resources === "dynamic" ? undefined : entry.resources.find((r) => r.uri === uri);
  if (entry.resources !== "dynamic" && !listed) {
    throw new SkillVerificationError(`${uri} is not a file of the skill ${entry.uri}`);
  }
  const content = contents.find((c) => c.uri === uri) ?? contents[0];
  if (!content) throw new SkillVerificationError(`${uri}: the server returned no contents`);
  const text = "text" in content && typeof content.text === "string" ? content.text : undefined;
  const bytes = text !== undefined
    ? new TextEncoder().encode(text)
    : Uint8Array.from(atob((content as { blob?: string }).blob ?? ""), (c) => c.charCodeAt(0));
  if (listed) {
    if (bytes.length !== listed.size) {
      throw new SkillVerificationError(`${uri}: ${bytes.length} bytes, the entry says ${listed.size}`);
    }
    const digest = `sha256:${hex(await crypto.subtle.digest("SHA-256", bytes))}`;
    if (digest !== listed.digest) throw new SkillVerificationError(`${uri}: its digest is not the entry's`);
  }
  if (uri === entry.uri) await checkFrontmatter(entry, bytes);
  return {
    uri,
    bytes,
    ...(text !== undefined ? { text } : {}),
    ...(content.mimeType ? { mimeType: content.mimeType } : {}),
  };
}

/** The frontmatter of the SKILL.md read must equal the entry's, field by field. */
async function checkFrontmatter(entry: SkillEntry, bytes: Uint8Array): Promise<void> {
  const match = FRONTMATTER_BLOCK.exec(new TextDecoder().decode(bytes));
  if (!match) throw new SkillVerificationError(`${entry.uri}: the file has no frontmatter`);
  const { CORE_SCHEMA, load } = await import("js-yaml");
  let read: unknown;
  try {
    read = JSON.parse(JSON.stringify(load(match[1], { schema: CORE_SCHEMA })));
  } catch {
    throw new SkillVerificationError(`${entry.uri}: the file's frontmatter is not valid YAML`);
  }
  if (!sameJson(read, entry.frontmatter)) {
    throw new SkillVerificationError(`${entry.uri}: the file's frontmatter differs from the entry's`);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length &&
    ka.every((k) =>
      Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    );
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

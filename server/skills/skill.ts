/**
 * `Skill`: an Agent Skill (a `SKILL.md` with YAML frontmatter, and supporting files), validated
 * when it is made, with the digest and size of every file. Files are held in memory or read from
 * a folder on demand (and checked against the digest taken when the skill was made).
 *
 * @module
 */

import { createHash } from "node:crypto";
// js-yaml rather than yaml (used by the CLI): yaml reads process.env on every parse, which a server
// without --allow-env cannot.
import { CORE_SCHEMA, load as loadYaml } from "js-yaml";
import { FRONTMATTER_BLOCK } from "../../protocol/skills.ts";

/** The limits the skills extension fixes per skill (hosts must accept up to these). */
export const SKILL_LIMITS: { readonly files: number; readonly totalBytes: number } = Object.freeze({
  files: 512,
  totalBytes: 16 * 1024 * 1024,
});

/**
 * A skill that cannot be served as it is: the message names the skill (or its folder), the file
 * and the problem.
 *
 * @example
 * ```ts
 * import { Skill, SkillError } from "@denomcp/denomcp";
 * try {
 *   Skill.fromFiles({ "SKILL.md": "no frontmatter here" });
 * } catch (error) {
 *   if (error instanceof SkillError) console.error(error.message);
 * }
 * ```
 */
export class SkillError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SkillError";
  }
}

/** A file of a skill, as its manifest lists it. */
export interface SkillFile {
  /** The path within the skill, `/`-separated (`SKILL.md`, `references/FORMS.md`). */
  readonly path: string;
  /** `sha256:` and the hex SHA-256 of the bytes. */
  readonly digest: string;
  /** Length of the bytes. */
  readonly size: number;
  /** The MIME type served. */
  readonly mimeType: string;
  /** The bytes (checked against the digest when read again from disk). */
  read(): Promise<Uint8Array>;
}

/** The frontmatter of a `SKILL.md`: `name` and `description`, and whatever else its author wrote. */
export interface SkillFrontmatter {
  /** The skill's name: 1–64 of `a-z`, `0-9` and single hyphens inside. */
  name: string;
  /** What the skill is for and when to use it (at most 1,024 characters). */
  description: string;
  /** Any other field, passed through verbatim. */
  [key: string]: unknown;
}

const NAME = /^(?!-)(?!.*--)[a-z0-9-]{1,64}(?<!-)$/;

/**
 * A skill: its frontmatter and its files. Made from files in memory ({@link Skill.fromFiles}) or
 * from a folder ({@link Skill.fromDirectory}); serve it with a `SkillCatalogProvider`.
 *
 * @example
 * ```ts
 * import { FastMCP, Skill, SkillCatalogProvider } from "@denomcp/denomcp";
 * const review = Skill.fromFiles({
 *   "SKILL.md": "---\nname: code-review\ndescription: Review a change the way this team does\n---\n\nRead the diff, then...",
 *   "checklist.md": "- tests\n- names\n",
 * });
 * const mcp = new FastMCP({ name: "team" });
 * mcp.addProvider(new SkillCatalogProvider([review])); // skill://code-review/SKILL.md
 * ```
 */
export class Skill {
  /** The parsed frontmatter. */
  readonly frontmatter: SkillFrontmatter;
  /** Every file, `SKILL.md` first, then by path. */
  readonly files: readonly SkillFile[];

  private constructor(frontmatter: SkillFrontmatter, files: SkillFile[]) {
    this.frontmatter = frontmatter;
    this.files = files;
  }

  /** The skill's name (its frontmatter's). */
  get name(): string {
    return this.frontmatter.name;
  }

  /** The skill's description (its frontmatter's). */
  get description(): string {
    return this.frontmatter.description;
  }

  /** A skill from files in memory, by path within the skill; `SKILL.md` is required. */
  static fromFiles(files: Record<string, string | Uint8Array>, label = "skill"): Skill {
    const encoder = new TextEncoder();
    const entries = Object.entries(files).map(([path, content]) => {
      checkPath(path, label);
      const bytes = typeof content === "string" ? encoder.encode(content) : content;
      return fileOf(path, bytes, () => Promise.resolve(bytes));
    });
    return Skill.#make(entries, label);
  }

  /**
   * A skill from a folder: every file under it (symbolic links must stay inside it), read now
   * for its digest and again, checked against it, when served. The folder's name must be the
   * skill's name.
   */
  static fromDirectory(folder: string): Skill {
    const root = Deno.realPathSync(folder);
    const entries: Loaded[] = [];
    const folders = new Set([root]);
    let total = 0;
    const walk = (dir: string, prefix: string) => {
      for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
        const path = prefix ? `${prefix}/${entry.name}` : entry.name;
        const full = `${dir}/${entry.name}`;
        const real = Deno.realPathSync(full);
        if (real !== root && !real.startsWith(root + "/") && !real.startsWith(root + "\\")) {
          throw new SkillError(`skill folder ${folder}: ${path} leads outside the folder (to ${real})`);
        }
        const info = Deno.statSync(real);
        if (info.isDirectory) {
          // A link back to a folder already read would make the walk endless.
          if (folders.has(real)) {
            throw new SkillError(`skill folder ${folder}: ${path} leads back to a folder of the skill`);
          }
          folders.add(real);
          walk(full, path);
          continue;
        }
        checkPath(path, folder);
        // Counted before reading: a huge file is refused, not loaded.
        total += info.size;
        if (total > SKILL_LIMITS.totalBytes || entries.length >= SKILL_LIMITS.files) {
          throw new SkillError(
            `skill folder ${folder}: more than ${SKILL_LIMITS.files} files or ${SKILL_LIMITS.totalBytes} bytes, ` +
              "the most a host must accept",
          );
        }
        const bytes = Deno.readFileSync(real);
        const file = fileOf(path, bytes, async () => {
          // Read again through the same checks: the file may have changed or been swapped for a link.
          const now = await Deno.realPath(full);
          if (now !== real) throw new SkillError(`skill file ${path} now leads to ${now}`);
          const fresh = await Deno.readFile(real);
          if (digestOf(fresh) !== file.digest) {
            throw new SkillError(
              `skill file ${path} changed on disk since the server started; restart to serve it`,
            );
          }
          return fresh;
        });
        entries.push(file);
      }
    };
    walk(root, "");
    const skill = Skill.#make(entries, folder);
    const folderName = root.split(/[\\/]/).at(-1);
    if (folderName !== skill.name) {
      throw new SkillError(
        `skill folder ${folder}: SKILL.md names the skill '${skill.name}', not '${folderName}'`,
      );
    }
    return skill;
  }

  static #make(files: Loaded[], label: string): Skill {
    const main = files.find((f) => f.path === "SKILL.md");
    if (!main) throw new SkillError(`${label}: there is no SKILL.md`);
    if (files.length > SKILL_LIMITS.files) {
      throw new SkillError(`${label}: more than ${SKILL_LIMITS.files} files, the most a host must accept`);
    }
    const total = files.reduce((sum, f) => sum + f.size, 0);
    if (total > SKILL_LIMITS.totalBytes) {
      throw new SkillError(
        `${label}: ${total} bytes in all, over the ${SKILL_LIMITS.totalBytes} a host must accept`,
      );
    }
    const frontmatter = parseFrontmatter(main.bytes, `${label}/SKILL.md`);
    const rest = files.filter((f) => f !== main).sort((a, b) => a.path.localeCompare(b.path));
    return new Skill(frontmatter, [main, ...rest].map(({ bytes: _, ...file }) => file));
  }
}

/** The frontmatter of a SKILL.md, validated by the Agent Skills rules; `where` names it in errors. */
export function parseFrontmatter(bytes: Uint8Array, where: string): SkillFrontmatter {
  const text = new TextDecoder().decode(bytes);
  const match = FRONTMATTER_BLOCK.exec(text);
  if (!match) throw new SkillError(`${where}: it must begin with YAML frontmatter between --- lines`);
  let data: unknown;
  try {
    data = loadYaml(match[1], { schema: CORE_SCHEMA });
  } catch (error) {
    throw new SkillError(
      `${where}: the frontmatter is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new SkillError(`${where}: the frontmatter must be a mapping`);
  }
  const fields = data as Record<string, unknown>;
  if (typeof fields.name !== "string" || !NAME.test(fields.name)) {
    throw new SkillError(
      `${where}: name ${
        JSON.stringify(fields.name)
      } must be 1-64 lowercase letters, digits and single hyphens, ` +
        "not starting or ending with one",
    );
  }
  if (typeof fields.description !== "string" || fields.description.trim() === "") {
    throw new SkillError(`${where}: description must be a non-empty string`);
  }
  if (fields.description.length > 1024) {
    throw new SkillError(`${where}: description is ${fields.description.length} characters, over 1024`);
  }
  // JSON is what the wire carries: YAML dates and the like become their JSON form now, once.
  return JSON.parse(JSON.stringify(fields)) as SkillFrontmatter;
}

/** `sha256:` and the lowercase hex SHA-256 of `bytes`. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A file with the bytes read when the skill was made (dropped once the frontmatter is parsed). */
type Loaded = SkillFile & { bytes: Uint8Array };

function fileOf(path: string, bytes: Uint8Array, read: () => Promise<Uint8Array>): Loaded {
  return {
    path,
    digest: digestOf(bytes),
    size: bytes.length,
    mimeType: mimeTypeOf(path, bytes),
    read,
    bytes,
  };
}

/** A path within a skill: relative, `/`-separated, no empty, `.` or `..` segment. */
function checkPath(path: string, label: string): void {
  const segments = path.split("/");
  if (path.includes("\\") || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new SkillError(`${label}: '${path}' is not a plain relative path inside the skill`);
  }
}

const TYPES: Record<string, string> = {
  md: "text/markdown",
  txt: "text/plain",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  py: "text/x-python",
  sh: "text/x-shellscript",
  js: "text/javascript",
  ts: "text/typescript",
  html: "text/html",
  css: "text/css",
  csv: "text/csv",
  xml: "application/xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  pdf: "application/pdf",
};

/** The MIME type of a file by its extension, else text or bytes by whether it is UTF-8. */
function mimeTypeOf(path: string, bytes: Uint8Array): string {
  const known = TYPES[path.split(".").at(-1)?.toLowerCase() ?? ""];
  if (known) return known;
  return isText(bytes) ? "text/plain" : "application/octet-stream";
}

/** Whether the bytes are UTF-8 that decodes and encodes back to themselves (so `text` carries them exactly). */
export function isText(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

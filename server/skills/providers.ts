/**
 * Skills providers: `SkillCatalogProvider` serves `Skill` values; `SkillsDirectoryProvider`
 * serves every folder with a `SKILL.md` under its roots (validated when it is made: a bad skill
 * stops start-up naming the file and the problem), including the folders where coding agents
 * keep theirs (`SkillsDirectoryProvider.vendor("claude")`). Each brings the skills extension.
 *
 * @module
 */

import type { Extension } from "../extensions/extension.ts";
import { FixedProvider } from "../providers/fixed.ts";
import { SKILLS_EXTENSION } from "./extension.ts";
import { type SkillResourceOptions, skillResources } from "./resources.ts";
import { Skill, SkillError } from "./skill.ts";

/**
 * Options of a skills provider.
 *
 * @example
 * ```ts
 * import { requireScopes, type SkillProviderOptions } from "@denomcp/denomcp";
 * const options: SkillProviderOptions = { prefix: "acme/billing", auth: requireScopes("skills:read") };
 * ```
 */
export interface SkillProviderOptions extends SkillResourceOptions {
  /** Path segments before each skill's name (`acme/billing` serves `skill://acme/billing/<name>/SKILL.md`). */
  prefix?: string;
}

/**
 * Serves skills: each file as a resource at `skill://<prefix>/<name>/<path>` (`SKILL.md` as
 * `text/markdown` with the skill's name and description), and their entries through
 * `skills/list` and `skills/get`. Two skills at one path are an error.
 *
 * @example
 * ```ts
 * import { FastMCP, Skill, SkillCatalogProvider } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "team" });
 * mcp.addProvider(new SkillCatalogProvider([
 *   Skill.fromFiles({ "SKILL.md": "---\nname: release\ndescription: Cut a release\n---\nSteps..." }),
 * ]));
 * ```
 */
export class SkillCatalogProvider extends FixedProvider {
  /** The skills extension, which the server adds with this provider. */
  readonly extensions: readonly Extension[] = [SKILLS_EXTENSION];

  readonly #mains = new Set<string>();
  readonly #options: SkillProviderOptions;

  /** Serves `skills`; see {@link SkillProviderOptions}. */
  constructor(skills: readonly Skill[], options: SkillProviderOptions = {}) {
    super();
    this.#options = options;
    for (const skill of skills) this.place(skill, skill.name);
  }

  /** Serves `skill` at `path` (whose last segment is its name) under the provider's prefix. */
  protected place(skill: Skill, path: string): void {
    const prefix = this.#options.prefix?.replace(/^\/+|\/+$/g, "");
    const skillPath = prefix ? `${prefix}/${path}` : path;
    const main = `skill://${skillPath}/SKILL.md`;
    if (this.#mains.has(main)) throw new SkillError(`two skills are served at ${main}`);
    this.#mains.add(main);
    for (const resource of skillResources(skill, skillPath, this.#options)) {
      // A nested skill's SKILL.md is also a file of the skill around it: it is served once, as a skill.
      if (resource.uri !== main && this.#mains.has(resource.uri)) continue;
      this.resources.set(resource.uri, resource);
    }
  }
}

/** The coding agents whose skill folders {@link SkillsDirectoryProvider.vendor} knows. */
export type SkillVendor =
  | "claude"
  | "cursor"
  | "vscode"
  | "copilot"
  | "codex"
  | "gemini"
  | "goose"
  | "opencode";

/** Where each agent keeps its skills: absolute, or under the home folder (`~`). */
const VENDOR_ROOTS: Readonly<Record<SkillVendor, readonly string[]>> = {
  claude: ["~/.claude/skills"],
  cursor: ["~/.cursor/skills"],
  vscode: ["~/.copilot/skills"],
  copilot: ["~/.copilot/skills"],
  codex: ["/etc/codex/skills", "~/.codex/skills"],
  gemini: ["~/.gemini/skills"],
  goose: ["~/.config/agents/skills"],
  opencode: ["~/.config/opencode/skills"],
};

/**
 * Options of {@link SkillsDirectoryProvider}.
 *
 * @example
 * ```ts
 * import type { SkillsDirectoryOptions } from "@denomcp/denomcp";
 * const options: SkillsDirectoryOptions = { root: "./skills", prefix: "team" };
 * ```
 */
export interface SkillsDirectoryOptions extends SkillProviderOptions {
  /** The folder whose skill folders are served. */
  root?: string;
  /** Several folders; a skill path found in an earlier one wins. */
  roots?: string[];
  /** Roots that do not exist are skipped instead of an error (the vendor folders are optional). */
  optionalRoots?: boolean;
}

/**
 * Serves every folder under its roots that holds a `SKILL.md` (nested folders keep their path:
 * `root/acme/billing/refunds` is `skill://acme/billing/refunds/SKILL.md`). Each skill is read and
 * validated when the provider is made (frontmatter, the folder's name equal to the skill's name,
 * files inside the folder, the extension's size limits): a bad one throws a `SkillError` naming
 * the file and the problem, so the server does not start with it. Files are read again when
 * served and checked against their digests. Needs `--allow-read` for the roots.
 *
 * @example
 * ```ts
 * import { FastMCP, SkillsDirectoryProvider } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "skills" });
 * mcp.addProvider(new SkillsDirectoryProvider({ root: "./skills" }));
 * mcp.addProvider(SkillsDirectoryProvider.vendor("claude", { prefix: "claude" })); // ~/.claude/skills
 * ```
 */
export class SkillsDirectoryProvider extends SkillCatalogProvider {
  /** Reads and validates the skills under the roots. */
  constructor(options: SkillsDirectoryOptions) {
    const roots = options.roots ?? (options.root === undefined ? [] : [options.root]);
    if (roots.length === 0) throw new TypeError("SkillsDirectoryProvider needs a root");
    const found = new Map<string, Skill>();
    for (const root of roots) {
      if (!isDirectory(root)) {
        if (options.optionalRoots) continue;
        throw new SkillError(`skills root ${root} is not a folder`);
      }
      for (const [path, skill] of scan(root)) if (!found.has(path)) found.set(path, skill);
    }
    super([], options);
    for (const [path, skill] of found) this.place(skill, path);
  }

  /**
   * The skills of a coding agent's folder (missing folders are skipped): `claude`
   * (`~/.claude/skills`), `cursor` (`~/.cursor/skills`), `vscode` and `copilot`
   * (`~/.copilot/skills`), `codex` (`/etc/codex/skills`, then `~/.codex/skills`), `gemini`
   * (`~/.gemini/skills`), `goose` (`~/.config/agents/skills`), `opencode`
   * (`~/.config/opencode/skills`). Needs `--allow-env=HOME` (`USERPROFILE` on Windows).
   */
  static vendor(vendor: SkillVendor, options: SkillProviderOptions = {}): SkillsDirectoryProvider {
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    const roots = VENDOR_ROOTS[vendor].flatMap((root) => {
      if (!root.startsWith("~/")) return [root];
      return home ? [`${home}${root.slice(1)}`] : [];
    });
    return new SkillsDirectoryProvider({ ...options, roots, optionalRoots: true });
  }
}

/** The skill folders under `root`, by path relative to it. */
function scan(root: string): Map<string, Skill> {
  const out = new Map<string, Skill>();
  const walk = (dir: string, path: string) => {
    const names = [...Deno.readDirSync(dir)];
    if (path && names.some((e) => e.name === "SKILL.md" && e.isFile)) out.set(path, Skill.fromDirectory(dir));
    for (const entry of names.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory && !entry.name.startsWith(".")) {
        walk(`${dir}/${entry.name}`, path ? `${path}/${entry.name}` : entry.name);
      }
    }
  };
  walk(root, "");
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

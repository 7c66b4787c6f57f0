/**
 * `FileSystemProvider`: the components that modules under a folder define with the standalone
 * `tool()`, `resource()` and `prompt()`, loaded when the server starts and, with `reload`,
 * reloaded when a module changes.
 *
 * What a request sees is one immutable snapshot of every module's definitions: a reload imports
 * the changed modules and assembles the whole next snapshot before it replaces the current one
 * in a single assignment, so that no listing or lookup ever sees a module half registered
 * (FastMCP 3.3 fixed such a race, where a rescan cleared the registry before refilling it).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ComponentKind } from "../components/common.ts";
import type { PromptComponent } from "../components/prompt.ts";
import type { ResourceComponent, TemplateComponent } from "../components/resource.ts";
import { type Definition, definitionsOf } from "../components/standalone.ts";
import type { ToolComponent } from "../components/tool.ts";
import { errorMessage } from "../errors.ts";
import { stderrLogger } from "../logger.ts";
import type { VersionSpec } from "../transforms/versions.ts";
import { DEFAULT_MODULE_PATTERN, fileIn, listModules, rootOf } from "./filesystem_scan.ts";
import { digestOf, versionedUrl } from "../workers/module_version.ts";
import { LocalProvider } from "./local.ts";
import type { Provider, TemplateMatch } from "./provider.ts";

/**
 * Options of a {@link FileSystemProvider}.
 *
 * @example
 * ```ts
 * import { FileSystemProvider } from "@denomcp/denomcp";
 * const provider = new FileSystemProvider({
 *   root: new URL("./tools/", import.meta.url),
 *   reload: true,
 *   pattern: /\.ts$/,
 *   onReloadError: (error) => console.error(error.message),
 * });
 * void provider;
 * ```
 */
export interface FileSystemProviderOptions {
  /** The folder whose modules are served: a path (relative to the working directory) or a `file:` URL. */
  root: string | URL;
  /**
   * Watch the folder and reload a module when it changes, is added or is removed. Default false:
   * the modules are loaded once, when the server starts.
   */
  reload?: boolean;
  /**
   * Which files are modules, tested against the path relative to `root` (with `/`). Default:
   * `.ts`, `.mts`, `.js` and `.mjs` files, but not `.d.ts` files or tests (`_test.ts`, `.test.ts`).
   */
  pattern?: RegExp;
  /** How long the folder must be quiet before a reload, in milliseconds (editors write in bursts). Default 50. */
  reloadDelayMs?: number;
  /**
   * Hears a reload that failed (a module that cannot be imported, two modules defining one name):
   * the components served before stay. Default: a line on stderr.
   */
  onReloadError?: (error: Error) => void;
}

/** A module as loaded: the digest of its text, and what it defines. */
interface LoadedModule {
  readonly digest: string;
  readonly definitions: readonly Definition[];
}

/** What requests see: the loaded modules by path, and their definitions served together. */
interface Snapshot {
  readonly modules: ReadonlyMap<string, LoadedModule>;
  readonly served: LocalProvider;
}

/**
 * Serves the standalone definitions (`tool()`, `resource()`, `prompt()`) that the modules under
 * a folder export, named or default, arrays included. The modules are imported when the server
 * starts; one that cannot be imported, or two that define one name, stop start-up with an error
 * naming the files. Synchronous tools run in the worker pool, which imports their module.
 *
 * Each module is imported under a URL naming its text (`tools.ts?sha256=…`), so a module under the
 * folder that another one imports would run twice: keep shared code where the scan does not look.
 * With `reload: true` a changed module is imported again under its new URL and the server's
 * clients get `list_changed`; a module that fails to load keeps its previous definitions. Only
 * the changed file is imported again (a module that imports it keeps what it first linked), and
 * every imported version stays in memory: a development aid, not a way to ship updates. Needs
 * `--allow-read` for the folder.
 *
 * @example
 * ```ts
 * import { FastMCP, FileSystemProvider } from "@denomcp/denomcp";
 * // tools/add.ts: export default tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
 * const mcp = new FastMCP({ name: "folder" });
 * mcp.addProvider(new FileSystemProvider({ root: new URL("./tools/", import.meta.url), reload: true }));
 * ```
 */
export class FileSystemProvider implements Provider {
  readonly #root: URL;
  readonly #rootPath: string;
  readonly #reload: boolean;
  readonly #pattern: RegExp;
  readonly #delayMs: number;
  readonly #report: (error: Error) => void;
  #snapshot: Snapshot = { modules: new Map(), served: new LocalProvider("error", () => {}) };
  readonly #listeners: ((kind: ComponentKind) => void)[] = [];
  #loading: Promise<void> = Promise.resolve();
  #watcher?: Deno.FsWatcher;
  #watching?: Promise<void>;
  #timer?: ReturnType<typeof setTimeout>;

  /** Creates the provider; nothing is read before the server starts. */
  constructor(options: FileSystemProviderOptions) {
    const root = rootOf(options.root);
    this.#root = root.url;
    this.#rootPath = root.path;
    this.#reload = options.reload ?? false;
    this.#pattern = options.pattern ?? DEFAULT_MODULE_PATTERN;
    this.#delayMs = options.reloadDelayMs ?? 50;
    const log = stderrLogger(`FileSystemProvider ${root.path}`, "warning");
    this.#report = options.onReloadError ?? ((error) => log("error", error.message));
  }

  /** The folder served, as a directory URL. */
  get root(): URL {
    return this.#root;
  }

  /** Loads every module, then (with `reload`) watches the folder; throws naming a module that cannot load. */
  async start(): Promise<void> {
    await this.#exclusive(() => this.#rescan(true));
    if (!this.#reload || this.#watcher) return;
    const watcher = this.#watcher = Deno.watchFs(this.#rootPath, { recursive: true });
    this.#watching = (async () => {
      for await (const event of watcher) {
        if (event.kind !== "access" && event.kind !== "other") this.#schedule();
      }
    })().catch((error) =>
      this.#report(new Error(`watching ${this.#rootPath} failed: ${errorMessage(error)}`))
    );
  }

  /** Ends the watch and waits for a reload under way. */
  async stop(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#watching;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#loading;
  }

  /**
   * Reads the folder again now and swaps in what changed; resolves once the new definitions (or,
   * when a module fails, the previous ones) are served. Failures go to `onReloadError`.
   */
  reload(): Promise<void> {
    return this.#exclusive(() => this.#rescan(false).catch((error) => this.#report(error)));
  }

  /** Runs one scan at a time: a reload that starts during another sees its result. */
  #exclusive(scan: () => Promise<void>): Promise<void> {
    const next = this.#loading.then(scan);
    this.#loading = next.catch(() => {});
    return next;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.reload();
    }, this.#delayMs);
  }

  /**
   * Loads the modules that changed since the current snapshot and replaces it. `strict` (start-up)
   * throws at the first failure; otherwise a module that fails keeps its previous definitions.
   */
  async #rescan(strict: boolean): Promise<void> {
    const current = this.#snapshot;
    const modules = new Map<string, LoadedModule>();
    const failures: Error[] = [];
    const touched = new Set<ComponentKind>();
    let changed = false;
    for (const file of await listModules(this.#root, this.#pattern)) {
      const digest = await digestOf(fileIn(this.#root, file));
      if (digest === undefined) continue;
      const before = current.modules.get(file);
      if (before?.digest === digest) {
        modules.set(file, before);
        continue;
      }
      try {
        const loaded = await this.#import(file, digest);
        modules.set(file, loaded);
        changed = true;
        for (const c of [...loaded.definitions, ...before?.definitions ?? []]) touched.add(c.kind);
      } catch (error) {
        const failure = new Error(`cannot load ${this.#pathOf(file)}: ${errorMessage(error)}`, {
          cause: error,
        });
        if (strict) throw failure;
        failures.push(failure);
        if (before) modules.set(file, before);
      }
    }
    for (const [file, gone] of current.modules) {
      if (modules.has(file)) continue;
      changed = true;
      for (const c of gone.definitions) touched.add(c.kind);
    }
    for (const failure of failures) this.#report(failure);
    if (!changed) return;
    let served: LocalProvider;
    try {
      served = this.#assemble(modules);
    } catch (error) {
      // The definitions still served must keep notifying through the snapshot that serves them.
      for (const loaded of current.modules.values()) {
        for (const c of loaded.definitions) c.owner = current.served;
      }
      throw error;
    }
    served.subscribe((kind) => this.#changed(kind));
    this.#snapshot = { modules, served };
    for (const kind of touched) this.#changed(kind);
  }

  async #import(file: string, digest: string): Promise<LoadedModule> {
    // A new URL for each text: Deno imports a URL once; a pool worker checks that the text is still this one.
    const exports = await import(versionedUrl(fileIn(this.#root, file), digest)) as Record<string, unknown>;
    return { digest, definitions: definitionsOf(exports) };
  }

  /** Every module's definitions in one provider; two modules defining one name is an error naming both. */
  #assemble(modules: ReadonlyMap<string, LoadedModule>): LocalProvider {
    const served = new LocalProvider("error", () => {});
    const definedIn = new Map<string, string>();
    const added = new Set<Definition>();
    for (const [file, loaded] of modules) {
      for (const component of loaded.definitions) {
        // A module that re-exports another's definitions serves nothing twice.
        if (added.has(component)) continue;
        added.add(component);
        const what = `${component.slot.slice(0, -1)} '${component.identifier}'` +
          (component.version === undefined ? "" : ` version ${component.version}`);
        const other = definedIn.get(component.key);
        if (other !== undefined) {
          throw new Error(`${this.#pathOf(file)} defines ${what}, which ${this.#pathOf(other)} defines too`);
        }
        definedIn.set(component.key, file);
        try {
          served.add(component);
        } catch (error) {
          throw new Error(`${this.#pathOf(file)}: ${errorMessage(error)}`, { cause: error });
        }
      }
    }
    return served;
  }

  /** The path of a module, for messages. */
  #pathOf(file: string): string {
    return fileURLToPath(fileIn(this.#root, file));
  }

  #changed(kind: ComponentKind): void {
    for (const listener of this.#listeners) listener(kind);
  }

  /** Hears when a reload changes a list (the server subscribes, to send `list_changed`). */
  subscribe(listener: (kind: ComponentKind) => void): void {
    this.#listeners.push(listener);
  }

  /** Every tool the modules define. */
  listTools(): readonly ToolComponent[] {
    return this.#snapshot.served.listTools();
  }

  /** A tool by name (the highest version `version` allows). */
  getTool(name: string, version?: VersionSpec): ToolComponent | undefined {
    return this.#snapshot.served.getTool(name, version);
  }

  /** Every static resource the modules define. */
  listResources(): readonly ResourceComponent[] {
    return this.#snapshot.served.listResources();
  }

  /** A static resource by URI. */
  getResource(uri: string, version?: VersionSpec): ResourceComponent | undefined {
    return this.#snapshot.served.getResource(uri, version);
  }

  /** Every resource template the modules define. */
  listResourceTemplates(): readonly TemplateComponent[] {
    return this.#snapshot.served.listResourceTemplates();
  }

  /** The template a concrete URI matches, with its variables. */
  getResourceTemplate(uri: string, version?: VersionSpec): TemplateMatch | undefined {
    return this.#snapshot.served.getResourceTemplate(uri, version);
  }

  /** Every prompt the modules define. */
  listPrompts(): readonly PromptComponent[] {
    return this.#snapshot.served.listPrompts();
  }

  /** A prompt by name. */
  getPrompt(name: string, version?: VersionSpec): PromptComponent | undefined {
    return this.#snapshot.served.getPrompt(name, version);
  }
}

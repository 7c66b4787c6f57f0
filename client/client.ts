/**
 * The `Client` class: one API over every transport and over several servers at once.
 *
 * Longer than ~400 lines: the public class, one documented method per MCP request; fan-out to
 * several servers is the part that would move out (`fan_out.ts`) when the client next grows.
 *
 * @module
 */

import type {
  CallToolResult,
  GetPromptResult,
  Implementation,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceContents,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from "../protocol/types.ts";
import { ClientError, McpError, ToolError } from "./errors.ts";
import { Session } from "./session.ts";
import { ErrorCode, isObject, type JsonObject } from "../protocol/jsonrpc.ts";
import { resolveTarget } from "./target.ts";
import { declaresSkills, type SkillEntry } from "../protocol/skills.ts";
import { type SkillFileContent, skillFileUri, SkillVerificationError, verifySkillFile } from "./skills.ts";
import { type TaskCallOptions, TASKS_EXTENSION, ToolTask } from "./tasks.ts";
import type {
  CallOptions,
  CallToolOptions,
  ClientOptions,
  ClientTarget,
  CompleteOptions,
  Completion,
  CompletionRef,
  ServerSummary,
} from "./types.ts";

const SEPARATOR = "_";

const LIST_CHANGED: ReadonlyMap<string, "tools" | "resources" | "prompts"> = new Map(
  [
    ["notifications/tools/list_changed", "tools"],
    ["notifications/resources/list_changed", "resources"],
    ["notifications/prompts/list_changed", "prompts"],
  ] as const,
);

/**
 * An MCP client. The target decides the transport (see {@link ClientTarget}); nothing happens
 * until `connect()` or the first call, and `await using` closes it.
 *
 * With a configuration of several servers, tool and prompt names are prefixed with the server's
 * entry name and an underscore (`weather_forecast`); resources keep their URIs and are routed to
 * the server that lists them.
 *
 * @example
 * ```ts ignore
 * import { Client } from "@denomcp/denomcp/client";
 *
 * await using client = new Client("https://example.com/mcp");
 * const tools = await client.listTools();
 * const forecast = await client.callTool("forecast", { city: "Paris" });
 * console.log(tools.map((t) => t.name), forecast);
 * ```
 */
export class Client implements AsyncDisposable {
  readonly #target: ClientTarget;
  readonly #options: ClientOptions;
  #sessions: Session[] = [];
  #prefixed = false;
  #connecting?: Promise<void>;
  readonly #resourceOwners = new Map<string, Session>();

  /** Creates a client; it connects on `connect()` or on first use. */
  constructor(target: ClientTarget, options: ClientOptions = {}) {
    this.#target = target;
    this.#options = options;
  }

  /** True once connected and until closed. */
  get connected(): boolean {
    return this.#sessions.length > 0 && this.#sessions.every((s) => s.connected);
  }

  /**
   * Connects to every server of the target (in parallel). If one fails, the others are closed
   * and the error names the failing entry.
   *
   * @example
   * ```ts ignore
   * import { Client } from "@denomcp/denomcp/client";
   * const client = new Client("deno run -A server.ts");
   * await client.connect();
   * console.log(client.serverInfo?.name);
   * await client.close();
   * ```
   */
  connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.connected) return Promise.resolve();
    return this.#connecting ??= this.#open(options.signal).finally(() => (this.#connecting = undefined));
  }

  async #open(signal?: AbortSignal): Promise<void> {
    const endpoints = await resolveTarget(this.#target, this.#options);
    const sessions = [...endpoints].map(([name, endpoint]) => new Session(name, endpoint, this.#options));
    const { onListChanged } = this.#options;
    if (onListChanged) {
      for (const session of sessions) {
        session.onNotification = (method) => {
          const kind = LIST_CHANGED.get(method);
          if (kind) onListChanged(kind, session.name || undefined);
        };
      }
    }
    const results = await Promise.allSettled(sessions.map((s) => s.connect(signal)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      await Promise.all(sessions.map((s) => s.close()));
      throw failed.reason;
    }
    this.#sessions = sessions;
    this.#prefixed = sessions.length > 1;
  }

  /** Closes every connection (ending 2025 HTTP sessions, stopping stdio servers). */
  async close(): Promise<void> {
    await this.#connecting?.catch(() => {});
    const sessions = this.#sessions;
    this.#sessions = [];
    this.#resourceOwners.clear();
    await Promise.all(sessions.map((s) => s.close()));
  }

  /** `await using` support: closes the client. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #ready(): Promise<Session[]> {
    if (!this.connected) await this.connect();
    return this.#sessions;
  }

  #summary(s: Session): ServerSummary {
    return {
      name: s.name,
      info: s.serverInfo,
      capabilities: s.serverCapabilities,
      protocolVersion: s.protocolVersion,
      instructions: s.instructions,
    };
  }

  /** The connected servers (one entry per configuration entry). */
  get servers(): ServerSummary[] {
    return this.#sessions.map((s) => this.#summary(s));
  }

  /** Name and version of the server (the first one, with a configuration). */
  get serverInfo(): Implementation | undefined {
    return this.#sessions[0]?.serverInfo;
  }

  /** Capabilities of the server (the first one, with a configuration). */
  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#sessions[0]?.serverCapabilities;
  }

  /** The protocol revision in use with the server (the first one, with a configuration). */
  get protocolVersion(): string | undefined {
    return this.#sessions[0]?.protocolVersion;
  }

  /** The server's instructions (the first one, with a configuration). */
  get instructions(): string | undefined {
    return this.#sessions[0]?.instructions;
  }

  #prefix(session: Session, name: string): string {
    return this.#prefixed ? `${session.name}${SEPARATOR}${name}` : name;
  }

  /** The session owning a prefixed name, and the name without its prefix. */
  #route(sessions: Session[], name: string, kind: string): [Session, string] {
    if (!this.#prefixed) return [sessions[0], name];
    const owner = sessions
      .filter((s) => name.startsWith(s.name + SEPARATOR))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!owner) {
      throw new ClientError(
        `no server for ${kind} '${name}': expected a name prefixed with one of ${
          sessions.map((s) => `'${s.name}${SEPARATOR}'`).join(", ")
        }`,
        "unknown_server",
      );
    }
    return [owner, name.slice(owner.name.length + SEPARATOR.length)];
  }

  /**
   * Lists every tool (all pages).
   *
   * @example
   * ```ts ignore
   * const tools = await client.listTools();
   * console.log(tools.map((t) => t.name));
   * ```
   */
  async listTools(options: CallOptions = {}): Promise<Tool[]> {
    const sessions = await this.#ready();
    const lists = await Promise.all(sessions.map(async (s) => {
      const tools = s.noteTools(
        await s.listAll("tools/list", "tools", "tools", options) as unknown as Tool[],
      );
      return tools.map((t) => ({ ...t, name: this.#prefix(s, t.name) }));
    }));
    return lists.flat();
  }

  /**
   * Calls a tool and returns the full result, whether or not it reports an error.
   *
   * @example
   * ```ts ignore
   * const result = await client.callToolResult("add", { a: 1, b: 2 });
   * console.log(result.isError, result.content);
   * ```
   */
  async callToolResult(
    name: string,
    args: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<CallToolResult> {
    const sessions = await this.#ready();
    const [session, tool] = this.#route(sessions, name, "tool");
    let result: JsonObject;
    try {
      result = await session.request("tools/call", { name: tool, arguments: args as JsonObject }, options, {
        tool,
      });
    } catch (error) {
      // A 2026 tool that runs only as a task: call it as one, and wait for its end.
      if (!requiresTasks(error)) throw error;
      return await (await ToolTask.start(session, name, tool, args, options)).result();
    }
    if (!Array.isArray(result.content)) {
      throw new McpError(ErrorCode.InternalError, `tools/call '${name}': the result has no content list`);
    }
    return result as unknown as CallToolResult;
  }

  /**
   * Calls a tool as a task: resolves, once the server has accepted it, with a {@link ToolTask}
   * that polls, answers the task's questions through the call's handlers, reports status
   * changes, and gives the result at the end. A server that runs the call at once gives a task
   * that is already complete. The call's `signal` cancels the task.
   *
   * @example
   * ```ts ignore
   * const task = await client.callTool("render", { scene: "forest" }, { task: true });
   * task.onStatus((s) => console.log(s.status));
   * console.log((await task.result()).content);
   * ```
   */
  callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    options: CallToolOptions & { task: true | TaskCallOptions },
  ): Promise<ToolTask>;
  /**
   * Calls a tool. Returns its structured content when it has any, else its content blocks.
   * An `isError` result throws {@link ToolError} unless `raiseOnError: false`. A 2026 tool that
   * runs only as a task is run as one and awaited.
   *
   * @example
   * ```ts ignore
   * const weather = await client.callTool("weather", { city: "Oslo" }, { timeoutMs: 5_000 });
   * console.log(weather); // { city: "Oslo", tempC: 21, ... }
   * ```
   */
  callTool<T = unknown>(name: string, args?: Record<string, unknown>, options?: CallToolOptions): Promise<T>;
  async callTool<T = unknown>(
    name: string,
    args: Record<string, unknown> = {},
    options: CallToolOptions & { task?: boolean | TaskCallOptions } = {},
  ): Promise<T | ToolTask> {
    const { task, ...rest } = options;
    if (task) {
      const sessions = await this.#ready();
      const [session, tool] = this.#route(sessions, name, "tool");
      return await ToolTask.start(session, name, tool, args, { ...rest, ...(task === true ? {} : task) });
    }
    const result = await this.callToolResult(name, args, rest);
    if (result.isError && options.raiseOnError !== false) throw new ToolError(name, result);
    return (result.structuredContent !== undefined ? result.structuredContent : result.content) as T;
  }

  /**
   * Lists every resource (all pages).
   *
   * @example
   * ```ts ignore
   * const resources = await client.listResources();
   * console.log(resources.map((r) => r.uri));
   * ```
   */
  async listResources(options: CallOptions = {}): Promise<Resource[]> {
    const sessions = await this.#ready();
    const lists = await Promise.all(sessions.map(async (s) => {
      const resources = await s.listAll(
        "resources/list",
        "resources",
        "resources",
        options,
      ) as unknown as Resource[];
      for (const r of resources) this.#resourceOwners.set(r.uri, s);
      return resources.map((r) => this.#prefixed ? { ...r, name: this.#prefix(s, r.name) } : r);
    }));
    return lists.flat();
  }

  /**
   * Lists every resource template (all pages).
   *
   * @example
   * ```ts ignore
   * const templates = await client.listResourceTemplates();
   * console.log(templates.map((t) => t.uriTemplate));
   * ```
   */
  async listResourceTemplates(options: CallOptions = {}): Promise<ResourceTemplate[]> {
    const sessions = await this.#ready();
    const lists = await Promise.all(sessions.map(async (s) => {
      const templates = await s.listAll(
        "resources/templates/list",
        "resourceTemplates",
        "resources",
        options,
      ) as unknown as ResourceTemplate[];
      return templates.map((t) => this.#prefixed ? { ...t, name: this.#prefix(s, t.name) } : t);
    }));
    return lists.flat();
  }

  /**
   * Reads a resource and returns its contents. With several servers the one that listed the
   * URI answers; an unlisted URI is tried on each server in turn.
   *
   * @example
   * ```ts ignore
   * const [contents] = await client.readResource("config://app");
   * console.log("text" in contents ? contents.text : contents.blob);
   * ```
   */
  async readResource(uri: string, options: CallOptions = {}): Promise<ResourceContents[]> {
    return (await this.readResourceResult(uri, options)).contents;
  }

  /**
   * Reads a resource and returns the whole result (its contents and `_meta`).
   *
   * @example
   * ```ts ignore
   * const { contents, _meta } = await client.readResourceResult("config://app");
   * console.log(contents.length, _meta);
   * ```
   */
  async readResourceResult(uri: string, options: CallOptions = {}): Promise<ReadResourceResult> {
    const sessions = await this.#ready();
    const read = async (s: Session) => {
      const result = await s.request("resources/read", { uri }, options, { uri });
      if (!Array.isArray(result.contents)) {
        throw new McpError(ErrorCode.InternalError, `resources/read: the result has no contents`);
      }
      return result as unknown as ReadResourceResult;
    };
    const owner = this.#resourceOwners.get(uri);
    if (owner || sessions.length === 1) return await read(owner ?? sessions[0]);
    let first: unknown;
    for (const s of sessions) {
      if (!s.serverCapabilities?.resources) continue;
      try {
        return await read(s);
      } catch (err) {
        if (!(err instanceof McpError)) throw err;
        first ??= err;
      }
    }
    throw first ?? new ClientError(`no server offers resources (reading ${uri})`, "unknown_server");
  }

  /**
   * Lists the skills of the servers that declare the skills extension (SEP-2640), all pages:
   * each entry has its `SKILL.md` URI, its frontmatter and its files with digests. Nothing is
   * read; {@link readSkill} reads a file when it is needed, verified against its entry.
   *
   * @example
   * ```ts ignore
   * const skills = await client.listSkills();
   * console.log(skills.map((s) => `${s.frontmatter.name}: ${s.frontmatter.description}`));
   * ```
   */
  async listSkills(options: CallOptions = {}): Promise<SkillEntry[]> {
    const sessions = (await this.#ready()).filter((s) => declaresSkills(s.serverCapabilities));
    const lists = await Promise.all(sessions.map(async (s) => {
      const skills = await s.listAll(
        "skills/list",
        "skills",
        "resources",
        options,
      ) as unknown as SkillEntry[];
      for (const skill of skills) this.#ownSkill(s, skill);
      return skills;
    }));
    return lists.flat();
  }

  /**
   * The current entry of one skill by the URI of its `SKILL.md` (listed or not); a server that
   * does not serve it answers -32602.
   *
   * @example
   * ```ts ignore
   * const skill = await client.getSkill("skill://pdf-processing/SKILL.md");
   * ```
   */
  async getSkill(uri: string, options: CallOptions = {}): Promise<SkillEntry> {
    const sessions = (await this.#ready()).filter((s) => declaresSkills(s.serverCapabilities));
    const owner = this.#resourceOwners.get(uri);
    let first: unknown;
    for (const s of owner ? [owner] : sessions) {
      try {
        const { skill } = await s.request("skills/get", { uri }, options);
        if (!isObject(skill) || skill.uri !== uri) {
          throw new McpError(ErrorCode.InternalError, `skills/get: no skill entry for ${uri}`);
        }
        this.#ownSkill(s, skill as unknown as SkillEntry);
        return skill as unknown as SkillEntry;
      } catch (err) {
        if (!(err instanceof McpError)) throw err;
        first ??= err;
      }
    }
    throw first ??
      new ClientError(`no server declares the skills extension (getting ${uri})`, "unknown_server");
  }

  /**
   * Reads a file of a skill (`SKILL.md` by default, or a path within the skill, or a listed URI)
   * and verifies it against the entry: the file must be listed, its size and SHA-256 digest must
   * match, and a `SKILL.md` must carry the entry's frontmatter. A mismatch throws
   * {@link SkillVerificationError} and the content is not returned.
   *
   * @example
   * ```ts ignore
   * const [skill] = await client.listSkills();
   * const { text } = await client.readSkill(skill); // SKILL.md, verified
   * const forms = await client.readSkill(skill, "references/FORMS.md");
   * ```
   */
  async readSkill(
    entry: SkillEntry,
    path = "SKILL.md",
    options: CallOptions = {},
  ): Promise<SkillFileContent> {
    const uri = skillFileUri(entry, path);
    if (entry.resources !== "dynamic" && !entry.resources.some((r) => r.uri === uri)) {
      throw new SkillVerificationError(`${uri} is not a file of the skill ${entry.uri}`);
    }
    const { contents } = await this.readResourceResult(uri, options);
    return await verifySkillFile(entry, uri, contents);
  }

  /** Reads of a skill's files go to the server that listed it. */
  #ownSkill(session: Session, skill: SkillEntry): void {
    this.#resourceOwners.set(skill.uri, session);
    if (Array.isArray(skill.resources)) {
      for (const r of skill.resources) this.#resourceOwners.set(r.uri, session);
    }
  }

  /**
   * Lists every prompt (all pages).
   *
   * @example
   * ```ts ignore
   * const prompts = await client.listPrompts();
   * console.log(prompts.map((p) => p.name));
   * ```
   */
  async listPrompts(options: CallOptions = {}): Promise<Prompt[]> {
    const sessions = await this.#ready();
    const lists = await Promise.all(sessions.map(async (s) => {
      const prompts = await s.listAll("prompts/list", "prompts", "prompts", options) as unknown as Prompt[];
      return prompts.map((p) => ({ ...p, name: this.#prefix(s, p.name) }));
    }));
    return lists.flat();
  }

  /**
   * Renders a prompt with its arguments.
   *
   * @example
   * ```ts ignore
   * const { messages } = await client.getPrompt("review", { code: "let x = 1" });
   * console.log(messages[0].content);
   * ```
   */
  async getPrompt(
    name: string,
    args: Record<string, string> = {},
    options: CallOptions = {},
  ): Promise<GetPromptResult> {
    const sessions = await this.#ready();
    const [session, prompt] = this.#route(sessions, name, "prompt");
    const result = await session.request("prompts/get", { name: prompt, arguments: args }, options, {
      prompt,
    });
    if (!Array.isArray(result.messages)) {
      throw new McpError(ErrorCode.InternalError, `prompts/get: the result has no messages`);
    }
    return result as unknown as GetPromptResult;
  }

  /**
   * Asks for completions of a prompt argument or a resource-template variable.
   *
   * @example
   * ```ts ignore
   * const { values } = await client.complete({ type: "ref/prompt", name: "review" }, {
   *   name: "language",
   *   value: "ty",
   * });
   * console.log(values); // ["typescript"]
   * ```
   */
  async complete(
    ref: CompletionRef,
    argument: { name: string; value: string },
    options: CompleteOptions = {},
  ): Promise<Completion> {
    const sessions = await this.#ready();
    let session: Session;
    let wireRef: CompletionRef = ref;
    if (ref.type === "ref/prompt") {
      const [s, name] = this.#route(sessions, ref.name, "prompt");
      session = s;
      wireRef = { type: "ref/prompt", name };
    } else {
      session = this.#resourceOwners.get(ref.uri) ??
        sessions.find((s) => s.serverCapabilities?.completions) ?? sessions[0];
    }
    const result = await session.request("completion/complete", {
      ref: wireRef,
      argument,
      ...(options.contextArguments ? { context: { arguments: options.contextArguments } } : {}),
    }, options);
    if (!isObject(result.completion) || !Array.isArray(result.completion.values)) {
      throw new McpError(ErrorCode.InternalError, "completion/complete: the result has no completion values");
    }
    return result.completion as unknown as Completion;
  }

  /**
   * Pings every server (2025 sessions use `ping`; a stateless 2026-07-28 server has no ping, so
   * `server/discover` stands in for it).
   *
   * @example
   * ```ts ignore
   * await client.ping();
   * ```
   */
  async ping(options: CallOptions = {}): Promise<void> {
    const sessions = await this.#ready();
    await Promise.all(
      sessions.map((s) => s.request(s.era === "modern" ? "server/discover" : "ping", undefined, options)),
    );
  }

  /**
   * Sets the minimum level of log messages the servers send to `onLog`. On a stateless
   * 2026-07-28 connection the level travels with each request instead.
   *
   * @example
   * ```ts ignore
   * await client.setLogLevel("debug");
   * ```
   */
  async setLogLevel(level: LoggingLevel, options: CallOptions = {}): Promise<void> {
    const sessions = await this.#ready();
    await Promise.all(sessions.map(async (s) => {
      s.logLevel = level;
      if (s.era !== "modern" && s.serverCapabilities?.logging) {
        await s.request("logging/setLevel", { level }, options);
      }
    }));
  }

  /** The 2025 HTTP session id of the server (the first one, with a configuration), if it has one. */
  get sessionId(): string | undefined {
    return this.#sessions[0]?.sessionId;
  }
}

/** True for a 2026 refusal that names the tasks extension as a missing client capability. */
function requiresTasks(error: unknown): boolean {
  if (!(error instanceof McpError) || error.rpcCode !== -32021) return false;
  const data = error.data as { requiredCapabilities?: { extensions?: Record<string, unknown> } } | undefined;
  return isObject(data?.requiredCapabilities?.extensions) &&
    TASKS_EXTENSION in data.requiredCapabilities.extensions;
}

/**
 * denomcp's slim MCP client: talk to any MCP server from Deno without loading server code.
 *
 * The target decides the transport: an `http(s)` URL (Streamable HTTP, with a legacy HTTP+SSE
 * fallback), a command or a `.ts`/`.js` path (a stdio subprocess), a `FastMCP` server object
 * (in-memory, no sockets), or an MCP configuration (`{ "mcpServers": { … } }`, as an object or
 * a `.json` file) with several servers behind one client. It runs on the package's own protocol
 * engine and speaks both wire eras: 2025-11-25 and the stateless 2026-07-28 (the official
 * `@modelcontextprotocol/client` is loaded only for OAuth, when a server asks for it).
 *
 * Importing this module starts no timers, reads no files and asks for no permissions; all of
 * that waits for `connect()` (or the first call).
 *
 * @example
 * ```ts ignore
 * import { Client } from "@denomcp/denomcp/client";
 *
 * await using client = new Client("https://example.com/mcp");
 * const tools = await client.listTools();
 * console.log(tools.map((t) => t.name));
 * console.log(await client.callTool("add", { a: 1, b: 2 }));
 * ```
 *
 * @module
 */

export { Client } from "./client/client.ts";
export {
  type AnyClientError,
  ClientError,
  ConfigError,
  ConnectionError,
  McpError,
  ProtocolError,
  RequestTimeoutError,
  ToolError,
} from "./client/errors.ts";
export { ERROR_CODE_NAMES, errorCodeName, type ProtocolErrorOptions } from "./protocol/errors.ts";
export {
  type AuthorizationCallback,
  type Authorize,
  type FetchFn,
  OAuth,
  type OAuthOptions,
} from "./client/oauth.ts";
export type { LoopbackOptions } from "./client/oauth_browser.ts";
export {
  type TaskCallOptions,
  TaskCancelledError,
  type TaskState,
  type TaskStatus,
  ToolTask,
} from "./client/tasks.ts";
export {
  FileTokenStore,
  KvTokenStore,
  MemoryTokenStore,
  type StoredAuth,
  type TokenStore,
  userConfigDir,
} from "./client/token_store.ts";
export {
  type HttpServerConfig,
  loadMcpConfig,
  type McpConfig,
  parseMcpConfig,
  type ServerConfig,
  type StdioServerConfig,
} from "./client/config.ts";
export type {
  AuthOption,
  CallOptions,
  CallToolOptions,
  ClientOptions,
  ClientTarget,
  ClientTelemetryOptions,
  CompleteOptions,
  Completion,
  CompletionRef,
  ElicitationHandler,
  ElicitationRequest,
  FetchHandler,
  HandlerContext,
  LogMessage,
  Progress,
  RootsOption,
  SamplingHandler,
  ServerSummary,
  TokenProvider,
  ToolCallResult,
  TracerLike,
  VersionNegotiation,
} from "./client/types.ts";
export {
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "./protocol/versions.ts";
export { parseSse, readSse, type SseEvent } from "./protocol/sse.ts";
export { type SkillFileContent, SkillVerificationError } from "./client/skills.ts";
export { type SkillEntry, type SkillResourceEntry, SKILLS_EXTENSION_ID } from "./protocol/skills.ts";
export type * from "./protocol/types.ts";

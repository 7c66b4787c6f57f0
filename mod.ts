/**
 * denomcp: build MCP (Model Context Protocol) servers for Deno.
 *
 * One file is a server: define tools, resources and prompts on a {@link FastMCP}, then run it
 * with `deno run` (stdio or HTTP), `deno serve`, on Deno Deploy, or as a compiled binary. Both
 * wire eras are served on one endpoint: 2025-11-25 (sessions, SSE) and 2026-07-28 (stateless).
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { z } from "zod";
 *
 * const mcp = new FastMCP({ name: "weather", version: "1.0.0" });
 * mcp.tool("forecast", {
 *   description: "Forecast for a city",
 *   input: z.object({ city: z.string() }),
 * }, async ({ city }) => ({ city, tempC: 21 }));
 *
 * if (import.meta.main) mcp.run(); // deno run: stdio, or HTTP with --http
 * // deno serve / Deno Deploy: `export { mcp }` here, and a serve entry
 * // `export { mcp as default } from "./server.ts";` (a default export here makes deno run warn)
 * ```
 *
 * @module
 */

export {
  FastMCP,
  type FastMCPOptions,
  type FromOpenAPIOptions,
  type MountOptions,
  type ProviderOptions,
  type RunningServer,
  type ServerStats,
} from "./server/fastmcp.ts";
export type { ServeOptions, ServerHandle } from "./server/http/serve.ts";
export { createProxy, type ProxyOptions, type ProxyTarget } from "./server/providers/proxy/create_proxy.ts";
export { ProxyProvider, type ProxyProviderOptions } from "./server/providers/proxy/provider.ts";
export type { RelayLimits } from "./server/providers/proxy/relay.ts";
export {
  DEFAULT_OPENAPI_TIMEOUT_MS,
  OpenAPIProvider,
  type OpenAPIProviderOptions,
} from "./server/providers/openapi/provider.ts";
export type { McpType, RouteMap } from "./server/providers/openapi/route_maps.ts";
export type { OpenAPIComponentDraft } from "./server/providers/openapi/components.ts";
export type { SchemaRepair, SkippedOperation } from "./server/providers/openapi/build.ts";
export {
  type HttpMethod,
  type OpenAPIParameter,
  type OpenAPIRoute,
  OpenAPISpecError,
  type ParameterLocation,
  type SpecSource,
} from "./server/providers/openapi/spec.ts";
export type { RouteHandler, RouteOptions } from "./server/http/routes.ts";
export type {
  Hook,
  Middleware,
  MiddlewareContext,
  MiddlewareHost,
  Next,
} from "./server/middleware/middleware.ts";
export type { MaybePromise } from "./server/middleware/compose.ts";
export { AuthMiddleware, type AuthMiddlewareOptions } from "./server/middleware/auth.ts";
export {
  type ArgTransform,
  type Forward,
  Tool,
  type ToolTransformOptions,
} from "./server/components/tool_transform.ts";
export { PingMiddleware, type PingOptions } from "./server/middleware/ping.ts";
export { TimingMiddleware, type TimingOptions } from "./server/middleware/timing.ts";
export { LoggingMiddleware, type LoggingOptions } from "./server/middleware/logging.ts";
export {
  type StructuredLogEntry,
  StructuredLoggingMiddleware,
  type StructuredLoggingOptions,
} from "./server/middleware/structured_logging.ts";
export { ErrorHandlingMiddleware, type ErrorHandlingOptions } from "./server/middleware/error_handling.ts";
export { type ErrorClass, RetryMiddleware, type RetryOptions } from "./server/middleware/retry.ts";
export {
  ResponseLimitingMiddleware,
  type ResponseLimitingOptions,
} from "./server/middleware/response_limiting.ts";
export { DereferenceRefsMiddleware } from "./server/middleware/dereference_refs.ts";
export {
  BaseSearchTransform,
  type SearchOptions,
  type SearchToolDefinition,
} from "./server/transforms/search_common.ts";
export { BM25SearchTransform } from "./server/transforms/bm25_search.ts";
export type { Extension, ExtensionMethod } from "./server/extensions/extension.ts";
export {
  Skill,
  SKILL_LIMITS,
  SkillError,
  type SkillFile,
  type SkillFrontmatter,
} from "./server/skills/skill.ts";
export type { SkillResourceOptions } from "./server/skills/resources.ts";
export {
  SkillCatalogProvider,
  type SkillProviderOptions,
  type SkillsDirectoryOptions,
  SkillsDirectoryProvider,
  type SkillVendor,
} from "./server/skills/providers.ts";
export { SKILLS_EXTENSION } from "./server/skills/extension.ts";
export {
  APP_MIME_TYPE,
  APPS_EXTENSION,
  APPS_EXTENSION_ID,
  type AppVisibility,
  type ToolAppOptions,
  type UiResourceOptions,
} from "./server/apps/apps.ts";
export { FormInput, type FormInputOptions } from "./server/apps/builtins/form_input.ts";
export { Approval, Choice } from "./server/apps/builtins/choices.ts";
export { FileUpload, type FileUploadOptions } from "./server/apps/builtins/file_upload.ts";
export type { AppPage, AppRuntime } from "./server/apps/builtins/page.ts";
export { BuiltinApp } from "./server/apps/builtins/builtin_app.ts";
export { FixedProvider } from "./server/providers/fixed.ts";
export { bundleApp, type BundleAppOptions } from "./server/apps/bundle.ts";
export { type SkillEntry, type SkillResourceEntry, SKILLS_EXTENSION_ID } from "./protocol/skills.ts";
export { CodeMode, type CodeModeOptions, type CodeModeTool } from "./server/code_mode/code_mode.ts";
export { RegexSearchTransform } from "./server/transforms/regex_search.ts";
export { PromptsAsTools } from "./server/transforms/prompts_as_tools.ts";
export { ResourcesAsTools } from "./server/transforms/resources_as_tools.ts";
export { ToolTitles } from "./server/transforms/tool_titles.ts";
export { RateLimitError, type RateLimitOptions } from "./server/middleware/rate_limit_common.ts";
export {
  type CacheMethodStatistics,
  type CallToolCacheSettings,
  type MethodCacheSettings,
  ResponseCachingMiddleware,
  type ResponseCachingOptions,
} from "./server/middleware/response_caching.ts";
export { RateLimitingMiddleware, type RateLimitingOptions } from "./server/middleware/rate_limiting.ts";
export {
  SlidingWindowRateLimitingMiddleware,
  type SlidingWindowRateLimitingOptions,
} from "./server/middleware/sliding_window_rate_limiting.ts";
export { clientAddressOf } from "./server/http/client_address.ts";
export type { Provider, TemplateMatch } from "./server/providers/provider.ts";
export { FileSystemProvider, type FileSystemProviderOptions } from "./server/providers/filesystem.ts";
export { prompt, resource, tool } from "./server/components/standalone.ts";
export type { ProviderErrorStrategy } from "./server/providers/catalog.ts";
export type { GetNext, Transform } from "./server/transforms/transform.ts";
export { Namespace } from "./server/transforms/namespace.ts";
export type { VersionSpec } from "./server/transforms/versions.ts";
export type {
  ComponentType,
  EnableOptions,
  VisibilityFilter,
  VisibilityRule,
} from "./server/transforms/visibility.ts";
export type { RunOptions } from "./server/run.ts";
export { Context, type Elicited, type SampleOptions, type SampleResult } from "./server/context.ts";
export {
  Audio,
  type BinaryOptions,
  File,
  type FileOptions,
  Image,
  ToolResult,
  type ToolResultInit,
} from "./server/components/content.ts";
export {
  type ErrorOptions,
  McpError,
  NotFoundError,
  PromptError,
  ResourceError,
  ToolError,
} from "./server/errors.ts";
export { type InputRequest, InputRequired } from "./server/engine/input_state.ts";
export { DEFAULT_LIMITS, type Limits } from "./server/limits.ts";
export type { Lifespan } from "./server/lifespan.ts";
export type { LogSink } from "./server/logger.ts";
export type { HttpOptions } from "./server/http/handler.ts";
export type { OnDuplicate } from "./server/providers/local.ts";
export {
  ToolComponent,
  type ToolHandler,
  type ToolOptions,
  type ToolTaskOptions,
} from "./server/components/tool.ts";
export type { TaskSupport } from "./server/tasks/wire.ts";
export {
  type CompletionHandler,
  ResourceComponent,
  type ResourceHandler,
  type ResourceOptions,
  TemplateComponent,
  type UriParams,
} from "./server/components/resource.ts";
export {
  Message,
  PromptComponent,
  type PromptHandler,
  type PromptOptions,
} from "./server/components/prompt.ts";
export type { ComponentOptions } from "./server/components/common.ts";
export type { Infer, JsonSchema, SchemaLike, StandardSchemaV1 } from "./server/components/schema.ts";
export { ErrorCode } from "./protocol/jsonrpc.ts";
export {
  ERROR_CODE_NAMES,
  errorCodeName,
  ProtocolError,
  type ProtocolErrorOptions,
} from "./protocol/errors.ts";
export {
  type SetOptions,
  type Store,
  type StoreHealth,
  type StoreKey,
  StoreUnavailableError,
  type StoreWrite,
  ValueTooLargeError,
  type WatchOptions,
} from "./server/store/store.ts";
export { memoryStore } from "./server/store/memory.ts";
export { KV_FLAG_HINT, kvStore, type KvStoreOptions } from "./server/store/kv.ts";
export {
  type RedisClient,
  type RedisStore,
  redisStore,
  type RedisStoreOptions,
} from "./server/store/redis.ts";
export type { StoreOption } from "./server/store/open.ts";
export type { MeterLike, TelemetryOptions, TracerLike } from "./otel/telemetry.ts";
export type * from "./protocol/types.ts";
export type { BinarySource } from "./server/components/content.ts";
export type {
  JsonObject,
  JsonRpcErrorObject,
  JsonRpcMessage,
  JsonRpcRequest,
  JsonRpcResponse,
  RequestId,
} from "./protocol/jsonrpc.ts";
export type { Era } from "./protocol/versions.ts";
export type { CleanVar, ResourceValue, SplitVars } from "./server/components/resource.ts";
export type { Component, ComponentKind } from "./server/components/common.ts";
export type { Session } from "./server/sessions/session.ts";
export type { RequestFacts, TransportKind } from "./server/engine/facts.ts";
export {
  type AccessToken,
  type AuthCheck,
  type AuthContext,
  AuthError,
  AuthorizationError,
  type AuthRule,
  InsufficientScopeError,
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
  JWTVerifier,
  type JWTVerifierOptions,
  MultiAuth,
  type MultiAuthOptions,
  type Principal,
  RemoteAuthProvider,
  type RemoteAuthProviderOptions,
  requireRoles,
  requireScopes,
  restrictTag,
  type ServerAuth,
  type StaticToken,
  StaticTokenVerifier,
  type StaticTokenVerifierOptions,
  type TokenVerifier,
} from "./auth/mod.ts";
export { UserState } from "./server/sessions/user_state.ts";

/**
 * The MCP wire shapes denomcp reads and writes (2025-11-25 and 2026-07-28), written as plain
 * TypeScript types so that neither side pays for a schema library at run time.
 *
 * Longer than ~400 lines: declarations only, one per wire shape.
 *
 * @module
 */

/** Optional display hints shared by content, resources and prompts. */
export interface Annotations {
  /** Who the data is intended for: the user, the assistant (model), or both. */
  audience?: ("user" | "assistant")[];
  /** Importance from 0 (entirely optional) to 1 (effectively required). */
  priority?: number;
  /** When the data was last modified, as an ISO 8601 timestamp. */
  lastModified?: string;
}

/** An icon a client may show for a server, tool, resource or prompt. */
export interface Icon {
  /** URI of the image: an `http(s):` URL or a `data:` URI carrying base64 image data. */
  src: string;
  /** MIME type of the image, for when the source does not say or says something generic. */
  mimeType?: string;
  /** Sizes the image is available in, each `WxH` (e.g. `"48x48"`), or `"any"` for scalable formats such as SVG. */
  sizes?: string[];
  /** Background the icon is designed for: `"light"` or `"dark"`; absent means any. */
  theme?: "light" | "dark";
}

/** Name and version of a client or server. */
export interface Implementation {
  /** Programmatic name; the display falls back to it when there is no `title`. */
  name: string;
  /** Version string of the implementation. */
  version: string;
  /** Human-readable name for display. */
  title?: string;
  /** Human-readable description of what the implementation does. */
  description?: string;
  /** Icons a client may show for the implementation. */
  icons?: Icon[];
  /** URL of the implementation's website. */
  websiteUrl?: string;
}

/** Free-form metadata carried in `_meta`. */
export type Meta = Record<string, unknown>;

/** Text content. */
export interface TextContent {
  /** Discriminator: always `"text"`. */
  type: "text";
  /** The text itself. */
  text: string;
  /** Display hints for the client. */
  annotations?: Annotations;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** Base64 image content. */
export interface ImageContent {
  /** Discriminator: always `"image"`. */
  type: "image";
  /** Base64-encoded image bytes. */
  data: string;
  /** MIME type of the image, e.g. `image/png`. */
  mimeType: string;
  /** Display hints for the client. */
  annotations?: Annotations;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** Base64 audio content. */
export interface AudioContent {
  /** Discriminator: always `"audio"`. */
  type: "audio";
  /** Base64-encoded audio bytes. */
  data: string;
  /** MIME type of the audio, e.g. `audio/wav`. */
  mimeType: string;
  /** Display hints for the client. */
  annotations?: Annotations;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** Text contents of a resource. */
export interface TextResourceContents {
  /** URI of the resource these contents belong to. */
  uri: string;
  /** MIME type of the text, if known. */
  mimeType?: string;
  /** The resource's text. */
  text: string;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** Binary (base64) contents of a resource. */
export interface BlobResourceContents {
  /** URI of the resource these contents belong to. */
  uri: string;
  /** MIME type of the data, if known. */
  mimeType?: string;
  /** Base64-encoded bytes of the resource. */
  blob: string;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** Contents of a resource, text or binary. */
export type ResourceContents = TextResourceContents | BlobResourceContents;

/** A resource embedded in a message or tool result. */
export interface EmbeddedResource {
  /** Discriminator: always `"resource"`. */
  type: "resource";
  /** The embedded contents, text or binary. */
  resource: ResourceContents;
  /** Display hints for the client. */
  annotations?: Annotations;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** A link to a resource the client may read. */
export interface ResourceLink {
  /** Discriminator: always `"resource_link"`. */
  type: "resource_link";
  /** URI of the linked resource. */
  uri: string;
  /** Programmatic name of the resource; the display falls back to it when there is no `title`. */
  name: string;
  /** Human-readable name for display. */
  title?: string;
  /** Human-readable description of the resource. */
  description?: string;
  /** MIME type of the resource, if known. */
  mimeType?: string;
  /** Size of the raw content in bytes (before any base64 encoding), if known. */
  size?: number;
  /** Icons a client may show for the resource. */
  icons?: Icon[];
  /** Display hints for the client. */
  annotations?: Annotations;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** Any content block of a tool result or prompt message. */
export type ContentBlock = TextContent | ImageContent | AudioContent | EmbeddedResource | ResourceLink;

/** Hints about a tool's behaviour. */
export interface ToolAnnotations {
  /** Human-readable title for the tool. */
  title?: string;
  /** If true, the tool does not modify its environment (default false). */
  readOnlyHint?: boolean;
  /** If true, a non-read-only tool may perform destructive updates; if false, only additive ones (default true). */
  destructiveHint?: boolean;
  /** If true, repeating a call with the same arguments has no further effect (default false). */
  idempotentHint?: boolean;
  /** If true, the tool may interact with an open world of external entities; if false, its domain is closed (default true). */
  openWorldHint?: boolean;
  /** Further hints, passed through untouched. */
  [key: string]: unknown;
}

/** A tool as listed by `tools/list`. */
export interface Tool {
  /** Programmatic name, unique per server; the display falls back to it when there is no `title`. */
  name: string;
  /** Human-readable name for display. */
  title?: string;
  /** Human-readable description of what the tool does; a hint to the model. */
  description?: string;
  /** JSON Schema (an object schema) for the tool's arguments. */
  inputSchema: Record<string, unknown>;
  /** JSON Schema for the `structuredContent` of the tool's results. */
  outputSchema?: Record<string, unknown>;
  /** Hints about the tool's behaviour. */
  annotations?: ToolAnnotations;
  /** Icons a client may show for the tool. */
  icons?: Icon[];
  /** How the tool may be executed: whether task-augmented calls are forbidden (the default), optional or required. */
  execution?: { taskSupport?: "forbidden" | "optional" | "required" };
  /** Free-form metadata. */
  _meta?: Meta;
}

/** The result of `tools/call`. */
export interface CallToolResult {
  /** Unstructured result content. */
  content: ContentBlock[];
  /** Structured result as a JSON object; conforms to the tool's `outputSchema` when it has one. */
  structuredContent?: Record<string, unknown>;
  /** True when the tool call failed; the error is described in `content` so the model can see it. */
  isError?: boolean;
  /** Free-form metadata. */
  _meta?: Meta;
  /** Further result fields, passed through untouched. */
  [key: string]: unknown;
}

/** A resource as listed by `resources/list`. */
export interface Resource {
  /** URI of the resource. */
  uri: string;
  /** Programmatic name; the display falls back to it when there is no `title`. */
  name: string;
  /** Human-readable name for display. */
  title?: string;
  /** Human-readable description of the resource; a hint to the model. */
  description?: string;
  /** MIME type of the resource, if known. */
  mimeType?: string;
  /** Size of the raw content in bytes (before any base64 encoding), if known. */
  size?: number;
  /** Icons a client may show for the resource. */
  icons?: Icon[];
  /** Display hints for the client. */
  annotations?: Annotations;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** A resource template as listed by `resources/templates/list`. */
export interface ResourceTemplate {
  /** RFC 6570 URI template from which resource URIs are built. */
  uriTemplate: string;
  /** Programmatic name; the display falls back to it when there is no `title`. */
  name: string;
  /** Human-readable name for display. */
  title?: string;
  /** Human-readable description of the resources; a hint to the model. */
  description?: string;
  /** MIME type of every resource matching the template, when they all share one. */
  mimeType?: string;
  /** Icons a client may show for the template. */
  icons?: Icon[];
  /** Display hints for the client. */
  annotations?: Annotations;
  /** Free-form metadata. */
  _meta?: Meta;
}

/** One argument of a prompt. */
export interface PromptArgument {
  /** Programmatic name of the argument; the display falls back to it when there is no `title`. */
  name: string;
  /** Human-readable name for display. */
  title?: string;
  /** Human-readable description of the argument. */
  description?: string;
  /** Whether the argument must be provided. */
  required?: boolean;
}

/** A prompt as listed by `prompts/list`. */
export interface Prompt {
  /** Programmatic name, unique per server; the display falls back to it when there is no `title`. */
  name: string;
  /** Human-readable name for display. */
  title?: string;
  /** Human-readable description of what the prompt provides. */
  description?: string;
  /** Arguments the prompt accepts for templating. */
  arguments?: PromptArgument[];
  /** Icons a client may show for the prompt. */
  icons?: Icon[];
  /** Free-form metadata. */
  _meta?: Meta;
}

/** One message of a rendered prompt. */
export interface PromptMessage {
  /** Who speaks the message: the user or the assistant. */
  role: "user" | "assistant";
  /** The message content. */
  content: ContentBlock;
}

/** The result of `prompts/get`. */
export interface GetPromptResult {
  /** Description of the prompt. */
  description?: string;
  /** The rendered messages, in order. */
  messages: PromptMessage[];
  /** Free-form metadata. */
  _meta?: Meta;
}

/** The result of `resources/read`. */
export interface ReadResourceResult {
  /** The resource's contents (one entry per part; a folder-like resource may have several). */
  contents: ResourceContents[];
  /** Free-form metadata. */
  _meta?: Meta;
}

/** Log severities, lowest first (RFC 5424 names). */
export const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;

/** A log severity. */
export type LoggingLevel = typeof LOG_LEVELS[number];

/** What a client says it can do. */
export interface ClientCapabilities {
  /** Present if the client can list roots; `listChanged` if it notifies when the list changes. */
  roots?: { listChanged?: boolean };
  /** Present if the client supports `sampling/createMessage`. */
  sampling?: Record<string, unknown>;
  /** Present if the client supports `elicitation/create`, with the modes (`form`, `url`) it accepts. */
  elicitation?: { form?: Record<string, unknown>; url?: Record<string, unknown> };
  /** Experimental, non-standard capabilities. */
  experimental?: Record<string, unknown>;
  /** Capabilities of protocol extensions, keyed by extension identifier. */
  extensions?: Record<string, unknown>;
  /** Further capabilities, passed through untouched. */
  [key: string]: unknown;
}

/** What a server says it can do. */
export interface ServerCapabilities {
  /** Present if the server offers tools; `listChanged` if it notifies when the list changes. */
  tools?: { listChanged?: boolean };
  /** Present if the server offers resources; `subscribe` if it supports update subscriptions, `listChanged` if it notifies when the list changes. */
  resources?: { subscribe?: boolean; listChanged?: boolean };
  /** Present if the server offers prompts; `listChanged` if it notifies when the list changes. */
  prompts?: { listChanged?: boolean };
  /** Present if the server can send log messages to the client. */
  logging?: Record<string, never>;
  /** Present if the server supports argument completion (`completion/complete`). */
  completions?: Record<string, never>;
  /** Experimental, non-standard capabilities. */
  experimental?: Record<string, unknown>;
  /** Capabilities of protocol extensions, keyed by extension identifier. */
  extensions?: Record<string, unknown>;
  /** Further capabilities, passed through untouched. */
  [key: string]: unknown;
}

/** A message for `sampling/createMessage`. */
export interface SamplingMessage {
  /** Who speaks the message: the user or the assistant. */
  role: "user" | "assistant";
  /** The message content: text, image or audio. */
  content: TextContent | ImageContent | AudioContent;
}

/** Parameters of a `sampling/createMessage` request. */
export interface CreateMessageParams {
  /** The conversation to sample from. */
  messages: SamplingMessage[];
  /** Maximum number of tokens to sample; the client may sample fewer. */
  maxTokens: number;
  /** System prompt the server wants used; the client may modify or ignore it. */
  systemPrompt?: string;
  /** Sampling temperature. */
  temperature?: number;
  /** Sequences that end sampling. */
  stopSequences?: string[];
  /** The server's preferences for model selection (hints, cost, speed and intelligence priorities); the client may ignore them. */
  modelPreferences?: Record<string, unknown>;
  /** Request to include context from no, this, or all MCP servers; the client may ignore it. */
  includeContext?: "none" | "thisServer" | "allServers";
  /** Provider-specific metadata to pass through to the LLM provider. */
  metadata?: Record<string, unknown>;
  /** Further parameters, passed through untouched. */
  [key: string]: unknown;
}

/** The client's answer to `sampling/createMessage`. */
export interface CreateMessageResult {
  /** Who speaks the sampled message (normally the assistant). */
  role: "user" | "assistant";
  /** The sampled content: text, image or audio. */
  content: TextContent | ImageContent | AudioContent;
  /** Name of the model that generated the message. */
  model: string;
  /** Why sampling stopped, e.g. `"endTurn"`, `"stopSequence"` or `"maxTokens"`. */
  stopReason?: string;
  /** Further result fields, passed through untouched. */
  [key: string]: unknown;
}

/** The client's answer to `elicitation/create`. */
export interface ElicitResult {
  /** What the user did: accepted (submitted), declined, or cancelled (dismissed) the request. */
  action: "accept" | "decline" | "cancel";
  /** The submitted form data; present only when `action` is `"accept"` in form mode. */
  content?: Record<string, unknown>;
  /** Further result fields, passed through untouched. */
  [key: string]: unknown;
}

/** A root the client exposes. */
export interface Root {
  /** URI of the root; currently a `file://` URI. */
  uri: string;
  /** Human-readable name of the root. */
  name?: string;
  /** Free-form metadata. */
  _meta?: Meta;
}

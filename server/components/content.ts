/**
 * Content helpers (`Image`, `Audio`, `File`, `ToolResult`) and the conversion of a tool's return
 * value into a `CallToolResult`.
 *
 * @module
 */

import type {
  Annotations,
  AudioContent,
  CallToolResult,
  ContentBlock,
  EmbeddedResource,
  ImageContent,
  Meta,
} from "../../protocol/types.ts";

/** Encodes bytes as base64. */
export function toBase64(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(): string }).toBase64();
}

/** Binary data for the content helpers: raw bytes, or bytes already encoded as base64. */
export type BinarySource = Uint8Array | { base64: string };

function base64Of(data: BinarySource): string {
  return data instanceof Uint8Array ? toBase64(data) : data.base64;
}

const EXTENSION_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  wav: "audio/wav",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  flac: "audio/flac",
  json: "application/json",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  pdf: "application/pdf",
  html: "text/html",
};

/** Guesses a MIME type from a file name or format name. */
export function mimeTypeOf(nameOrFormat: string, fallback: string): string {
  const ext = nameOrFormat.includes(".")
    ? nameOrFormat.slice(nameOrFormat.lastIndexOf(".") + 1)
    : nameOrFormat;
  return EXTENSION_TYPES[ext.toLowerCase()] ?? fallback;
}

/** Options of the binary content helpers. */
export interface BinaryOptions {
  /** MIME type; guessed from `format` when absent. */
  mimeType?: string;
  /** A format name such as `"png"` or `"wav"`. */
  format?: string;
  /** Display hints for the client, sent as the block's `annotations`. */
  annotations?: Annotations;
  /** Free-form metadata, sent as the block's `_meta`. */
  meta?: Meta;
}

/**
 * An image to return from a tool or prompt.
 *
 * @example
 * ```ts
 * import { Image } from "@denomcp/denomcp";
 * const png = new Image(new Uint8Array([137, 80, 78, 71]), { format: "png" });
 * console.log(png.toContent().mimeType); // "image/png"
 * ```
 */
export class Image {
  /** Creates an image from bytes or `{ base64 }`. */
  constructor(readonly data: BinarySource, readonly options: BinaryOptions = {}) {}

  /** Reads an image file; the MIME type comes from the file name. Needs `--allow-read`. */
  static async fromFile(path: string, options: BinaryOptions = {}): Promise<Image> {
    return new Image(await Deno.readFile(path), {
      mimeType: mimeTypeOf(path, "application/octet-stream"),
      ...options,
    });
  }

  /** The MCP content block. */
  toContent(): ImageContent {
    const block: ImageContent = {
      type: "image",
      data: base64Of(this.data),
      mimeType: this.options.mimeType ?? mimeTypeOf(this.options.format ?? "png", "image/png"),
    };
    return withExtras(block, this.options);
  }
}

/**
 * Audio to return from a tool or prompt.
 *
 * @example
 * ```ts
 * import { Audio } from "@denomcp/denomcp";
 * const clip = new Audio({ base64: "UklGRg==" }, { format: "wav" });
 * console.log(clip.toContent().mimeType); // "audio/wav"
 * ```
 */
export class Audio {
  /** Creates audio from bytes or `{ base64 }`. */
  constructor(readonly data: BinarySource, readonly options: BinaryOptions = {}) {}

  /** Reads an audio file; the MIME type comes from the file name. Needs `--allow-read`. */
  static async fromFile(path: string, options: BinaryOptions = {}): Promise<Audio> {
    return new Audio(await Deno.readFile(path), {
      mimeType: mimeTypeOf(path, "application/octet-stream"),
      ...options,
    });
  }

  /** The MCP content block. */
  toContent(): AudioContent {
    const block: AudioContent = {
      type: "audio",
      data: base64Of(this.data),
      mimeType: this.options.mimeType ?? mimeTypeOf(this.options.format ?? "wav", "audio/wav"),
    };
    return withExtras(block, this.options);
  }
}

/** Options of {@link File}. */
export interface FileOptions extends BinaryOptions {
  /** File name used in the resource URI (`file:///<name>`). */
  name?: string;
}

/**
 * A file embedded in a tool result as a resource: text when `data` is a string, else base64.
 *
 * @example
 * ```ts
 * import { File } from "@denomcp/denomcp";
 * const report = new File("a,b\n1,2\n", { name: "report.csv" });
 * console.log(report.toContent().resource.uri); // "file:///report.csv"
 * ```
 */
export class File {
  /** Creates a file from text, bytes or `{ base64 }`. */
  constructor(readonly data: string | BinarySource, readonly options: FileOptions = {}) {}

  /** The MCP content block. */
  toContent(): EmbeddedResource {
    const name = this.options.name ?? (this.options.format ? `file.${this.options.format}` : "file");
    const mimeType = this.options.mimeType ??
      mimeTypeOf(
        this.options.format ?? name,
        typeof this.data === "string" ? "text/plain" : "application/octet-stream",
      );
    const uri = `file:///${encodeURIComponent(name)}`;
    const resource = typeof this.data === "string"
      ? { uri, mimeType, text: this.data }
      : { uri, mimeType, blob: base64Of(this.data) };
    return withExtras({ type: "resource", resource } as EmbeddedResource, this.options);
  }
}

function withExtras<T extends { annotations?: Annotations; _meta?: Meta }>(
  block: T,
  options: BinaryOptions,
): T {
  if (options.annotations) block.annotations = options.annotations;
  if (options.meta) block._meta = options.meta;
  return block;
}

/** Fields of a {@link ToolResult}. */
export interface ToolResultInit {
  /** Content blocks, or values converted as a tool's return value would be. */
  content?: unknown;
  /** Structured result, sent as `structuredContent`; should match the tool's output schema. */
  structuredContent?: Record<string, unknown>;
  /** Free-form metadata, sent as the result's `_meta`. */
  meta?: Meta;
  /** Marks the result as a tool error (`isError: true`) that the model can see. */
  isError?: boolean;
}

/**
 * A tool result returned exactly as given: full control over content, structured content,
 * `_meta` and `isError`.
 *
 * @example
 * ```ts
 * import { ToolResult } from "@denomcp/denomcp";
 * const result = new ToolResult({ content: "partial data", structuredContent: { rows: 3 }, isError: false });
 * ```
 */
export class ToolResult {
  #raw?: CallToolResult;

  /** The fields given. */
  constructor(readonly init: ToolResultInit) {}

  /**
   * A wire result sent exactly as it is: content blocks of any type, structured content, `_meta`
   * and `isError` untouched (how a proxy passes an upstream's result on).
   *
   * @example
   * ```ts
   * import { ToolResult } from "@denomcp/denomcp";
   * const result = ToolResult.raw({ content: [{ type: "text", text: "no such city" }], isError: true });
   * console.log(result.toResult().isError); // true
   * ```
   */
  static raw(result: CallToolResult): ToolResult {
    const out = new ToolResult({});
    out.#raw = result;
    return out;
  }

  /** The wire result. */
  toResult(): CallToolResult {
    if (this.#raw) return this.#raw;
    const result: CallToolResult = { content: toContentBlocks(this.init.content) };
    if (this.init.structuredContent !== undefined) result.structuredContent = this.init.structuredContent;
    if (this.init.meta !== undefined) result._meta = this.init.meta;
    if (this.init.isError) result.isError = true;
    return result;
  }
}

const CONTENT_TYPES = new Set(["text", "image", "audio", "resource", "resource_link"]);

/** True for an object that already is an MCP content block. */
export function isContentBlock(value: unknown): value is ContentBlock {
  return typeof value === "object" && value !== null &&
    CONTENT_TYPES.has((value as { type?: string }).type ?? "");
}

function isHelper(value: unknown): value is Image | Audio | File {
  return value instanceof Image || value instanceof Audio || value instanceof File;
}

/** Converts a value (or a list of values) into content blocks. */
export function toContentBlocks(value: unknown): ContentBlock[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item) => toContentBlocks(item));
  return [toContentBlock(value)];
}

function toContentBlock(value: unknown): ContentBlock {
  if (typeof value === "string") return { type: "text", text: value };
  if (isHelper(value)) return value.toContent();
  if (isContentBlock(value)) return value;
  if (value instanceof Uint8Array) return new File(value).toContent();
  return { type: "text", text: JSON.stringify(value) };
}

/**
 * Converts a tool's return value: strings become text; content blocks and helpers pass through;
 * a plain object becomes structured content plus its JSON as text; `ToolResult` is used as is.
 * `wrapResult` puts non-object values under `{ result }` for tools whose output schema is wrapped.
 */
export function toCallToolResult(value: unknown, wrapResult = false): CallToolResult {
  if (value instanceof ToolResult) return value.toResult();
  if (wrapResult) {
    return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: { result: value } };
  }
  if (typeof value === "string") return { content: [{ type: "text", text: value }] };
  if (
    typeof value === "object" && value !== null && !Array.isArray(value) && !isContentBlock(value) &&
    !isHelper(value) && !(value instanceof Uint8Array)
  ) {
    return {
      content: [{ type: "text", text: JSON.stringify(value) }],
      structuredContent: value as Record<string, unknown>,
    };
  }
  if (
    Array.isArray(value) &&
    !value.every((item) => typeof item === "string" || isContentBlock(item) || isHelper(item))
  ) {
    return { content: [{ type: "text", text: JSON.stringify(value) }] };
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return { content: [{ type: "text", text: String(value) }] };
  }
  return { content: toContentBlocks(value) };
}

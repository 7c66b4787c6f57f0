/**
 * Static resources and resource templates, and the conversion of what their handlers return
 * into `resources/read` contents.
 *
 * @module
 */

import type {
  Annotations,
  Resource as WireResource,
  ResourceContents,
  ResourceTemplate as WireTemplate,
} from "../../protocol/types.ts";
import type { Context } from "../context.ts";
import { toBase64 } from "./content.ts";
import { APP_MIME_TYPE, resourceAppMeta, type UiResourceOptions } from "../apps/apps.ts";
import { Component, type ComponentOptions, withMetadata } from "./common.ts";
import { compileUriTemplate, type UriTemplateMatcher } from "./uri_template.ts";

/** A resource handler's return value: text, bytes, JSON-able data, or full contents. */
export type ResourceValue = string | Uint8Array | ResourceContents | ResourceContents[] | unknown;

/** Reads a resource; `params` holds a template's variables (empty for static resources). */
export type ResourceHandler<P = Record<string, string>> = (
  params: P,
  ctx: Context,
) => ResourceValue | Promise<ResourceValue>;

/**
 * One template variable name without its operator prefix or explode suffix (`{+path*}` gives
 * `path`). A type-level helper of {@link UriParams}.
 */
export type CleanVar<V extends string> = V extends `${"+" | "#" | "." | "/" | ";"}${infer N}` ? CleanVar<N>
  : V extends `${infer N}*` ? N
  : V;
/** The names of a comma-separated variable list (`{x,y}`). A type-level helper of {@link UriParams}. */
export type SplitVars<V extends string> = V extends `${infer A},${infer B}` ? CleanVar<A> | SplitVars<B>
  : CleanVar<V>;

/**
 * The variables of a URI template as an object type: `"users://{id}{?tab}"` gives
 * `{ id: string; tab?: string }`.
 */
export type UriParams<T extends string> = string extends T ? Record<string, string>
  : T extends `${string}{${infer V}}${infer Rest}` ?
      & (V extends `${"?" | "&"}${infer Q}` ? { [K in SplitVars<Q>]?: string }
        : { [K in SplitVars<V>]: string })
      & UriParams<Rest>
  : unknown;

/** Completes one template variable from what the user typed so far. */
export type CompletionHandler = (
  value: string,
  context: { arguments: Record<string, string> },
) => string[] | Promise<string[]>;

/**
 * Options of a resource or template.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.resource("config://app", { mimeType: "application/json" }, () => ({ theme: "dark" }));
 * mcp.resource("users://{id}/profile", { name: "profile" }, ({ id }) => ({ id }));
 * ```
 */
export interface ResourceOptions extends ComponentOptions {
  /** Programmatic name; defaults to the URI. */
  name?: string;
  /** MIME type of the contents; JSON values default to `application/json`, text to `text/plain`. */
  mimeType?: string;
  /** Size in bytes, when known. */
  size?: number;
  /** Display hints. */
  annotations?: Annotations;
  /** Completions for template variables, by name. */
  complete?: Record<string, CompletionHandler>;
  /**
   * Makes it an MCP App's UI resource (a `ui://` URI): served as `text/html;profile=mcp-app`
   * unless `mimeType` says otherwise, with `_meta.ui` (content security policy, permissions,
   * rendering preferences) on its listing and on each read. A server with one declares the Apps
   * extension.
   */
  app?: UiResourceOptions;
}

/** A static resource. */
export class ResourceComponent extends Component {
  /** Component kind: listed by `resources/list`. */
  readonly kind = "resources" as const;
  /** Held in the registry's static resource map. */
  readonly slot = "resources" as const;
  /** The `resources/list` entry. */
  readonly listing: WireResource;

  /** Its options (an `app` option turned into its MIME type and `_meta.ui`). */
  readonly options: ResourceOptions;

  /** Creates a static resource. */
  constructor(readonly uri: string, options: ResourceOptions, readonly handler: ResourceHandler) {
    super(options);
    checkUri(uri);
    options = withApp(uri, options);
    this.options = options;
    const listing: WireResource = { uri, name: options.name ?? uri };
    if (options.mimeType) listing.mimeType = options.mimeType;
    if (options.size !== undefined) listing.size = options.size;
    this.listing = withMetadata(listing, options);
  }

  /** The resource URI. */
  get identifier(): string {
    return this.uri;
  }

  /** Sets the identifier of a derived copy and rebuilds its listing. */
  protected renamed(uri: string): void {
    (this as { uri: string }).uri = uri;
    (this as { listing: WireResource }).listing = { ...this.listing, uri };
  }
}

/** Options with an `app` option applied: the app MIME type by default, and `_meta.ui`. */
function withApp(uri: string, options: ResourceOptions): ResourceOptions {
  if (!options.app) return options;
  return {
    ...options,
    mimeType: options.mimeType ?? APP_MIME_TYPE,
    meta: { ...options.meta, ...resourceAppMeta(uri, options.app) },
  };
}

/** A resource template. */
export class TemplateComponent extends Component {
  /** Component kind: resources (listed by `resources/templates/list`; changes go out as resource list changes). */
  readonly kind = "resources" as const;
  /** Held in the registry's template map. */
  readonly slot = "templates" as const;
  /** The `resources/templates/list` entry. */
  readonly listing: WireTemplate;
  /** @internal the compiled matcher */
  readonly matcher: UriTemplateMatcher;

  /** Creates a template; throws a TypeError for malformed templates. */
  constructor(
    readonly uriTemplate: string,
    readonly options: ResourceOptions,
    readonly handler: ResourceHandler,
  ) {
    super(options);
    this.matcher = compileUriTemplate(uriTemplate);
    for (const name of Object.keys(options.complete ?? {})) {
      if (!this.matcher.variables.includes(name)) {
        throw new TypeError(`template ${uriTemplate}: completion for unknown variable '${name}'`);
      }
    }
    const listing: WireTemplate = { uriTemplate, name: options.name ?? uriTemplate };
    if (options.mimeType) listing.mimeType = options.mimeType;
    this.listing = withMetadata(listing, options);
  }

  /** The URI template. */
  get identifier(): string {
    return this.uriTemplate;
  }

  /** Sets the identifier of a derived copy and rebuilds its listing. */
  protected renamed(uriTemplate: string): void {
    (this as { uriTemplate: string }).uriTemplate = uriTemplate;
    (this as { matcher: UriTemplateMatcher }).matcher = compileUriTemplate(uriTemplate);
    (this as { listing: WireTemplate }).listing = { ...this.listing, uriTemplate };
  }
}

function checkUri(uri: string): void {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) throw new TypeError(`resource URI '${uri}' has no scheme`);
}

function isContents(value: unknown): value is ResourceContents {
  return typeof value === "object" && value !== null && typeof (value as ResourceContents).uri === "string" &&
    ("text" in value || "blob" in value);
}

/**
 * Converts a handler's value into contents for `uri`: strings are text, bytes are base64 blobs,
 * other values are JSON. `meta` (the component's `_meta`) is carried onto each item so that
 * metadata survives materialisation from a template.
 */
export function toResourceContents(
  value: unknown,
  uri: string,
  mimeType: string | undefined,
  meta: Record<string, unknown> | undefined,
): ResourceContents[] {
  const items = Array.isArray(value) && value.every(isContents) ? value : [value];
  return items.map((item) => {
    let contents: ResourceContents;
    if (isContents(item)) contents = item;
    else if (typeof item === "string") contents = { uri, mimeType: mimeType ?? "text/plain", text: item };
    else if (item instanceof Uint8Array) {
      contents = { uri, mimeType: mimeType ?? "application/octet-stream", blob: toBase64(item) };
    } else contents = { uri, mimeType: mimeType ?? "application/json", text: JSON.stringify(item) };
    if (meta && contents._meta === undefined) contents = { ...contents, _meta: meta };
    return contents;
  });
}

/**
 * MCP Apps (`io.modelcontextprotocol/ui`, SEP-1865): the extension, and what tools and resources
 * carry to link to an interactive UI. A tool's `app` option puts `_meta.ui` (`resourceUri`,
 * `visibility`) on its listing; a resource's `app` option makes it a UI resource (`ui://`, served
 * as `text/html;profile=mcp-app`, with `_meta.ui` for its content security policy, permissions
 * and rendering preferences on the listing and on each read). Hosts that render apps declare the
 * extension; for clients that do not, app-only tools are left out of `tools/list`.
 *
 * @module
 */

import { isObject, type JsonObject } from "../../protocol/jsonrpc.ts";
import type { Extension } from "../extensions/extension.ts";
import type { Middleware } from "../middleware/middleware.ts";

/** The extension's identifier. */
export const APPS_EXTENSION_ID = "io.modelcontextprotocol/ui";

/** The MIME type of an app's HTML. */
export const APP_MIME_TYPE = "text/html;profile=mcp-app";

/** Who may call a tool linked to an app: the model (it is listed to clients), the app, or both. */
export type AppVisibility = "model" | "app";

/**
 * The `app` option of a tool: the UI it is shown with, and who may call it.
 *
 * @example
 * ```ts
 * import type { ToolAppOptions } from "@denomcp/denomcp";
 * const linked: ToolAppOptions = { resourceUri: "ui://weather/dashboard" };
 * const appOnly: ToolAppOptions = { resourceUri: "ui://weather/dashboard", visibility: ["app"] };
 * ```
 */
export interface ToolAppOptions {
  /** The `ui://` resource a host renders for the tool's results (optional for app-only tools). */
  resourceUri?: string;
  /**
   * `["model", "app"]` (the default), `["model"]`, or `["app"]`: an app-only tool is left out of
   * `tools/list` for clients without the extension and is meant for the app's own calls. It is
   * not access control: component auth still decides who may call it.
   */
  visibility?: AppVisibility[];
}

/**
 * The `app` option of a resource: it is a UI resource, and how hosts may render it.
 *
 * @example
 * ```ts
 * import type { UiResourceOptions } from "@denomcp/denomcp";
 * const ui: UiResourceOptions = {
 *   csp: { connectDomains: ["https://api.example.com"], resourceDomains: ["https://cdn.example.com"] },
 *   permissions: { clipboardWrite: {} },
 *   prefersBorder: true,
 * };
 * ```
 */
export interface UiResourceOptions {
  /** Origins the app may reach (the host builds its Content-Security-Policy from them). */
  csp?: {
    /** `connect-src`: fetch and WebSocket origins. None by default. */
    connectDomains?: string[];
    /** Scripts, styles, images, fonts and media from these origins. */
    resourceDomains?: string[];
    /** Origins of nested frames. None by default. */
    frameDomains?: string[];
    /** Allowed `<base>` URIs. */
    baseUriDomains?: string[];
  };
  /** Browser permissions the app asks the host for (each an empty object when wanted). */
  permissions?: {
    camera?: Record<string, never>;
    microphone?: Record<string, never>;
    geolocation?: Record<string, never>;
    clipboardWrite?: Record<string, never>;
  };
  /** A dedicated sandbox origin, in the host's format. */
  domain?: string;
  /** Whether the host should draw a border and background around the app. */
  prefersBorder?: boolean;
}

const VISIBILITIES: readonly AppVisibility[] = ["model", "app"];

/** The `_meta` of a tool with an `app` option (FastMCP's and the extension's keys, and the older flat one). */
export function toolAppMeta(tool: string, app: ToolAppOptions): JsonObject {
  const ui: JsonObject = {};
  if (app.resourceUri !== undefined) {
    if (!app.resourceUri.startsWith("ui://")) {
      throw new TypeError(`tool '${tool}': app.resourceUri must be a ui:// URI, not '${app.resourceUri}'`);
    }
    ui.resourceUri = app.resourceUri;
  }
  if (app.visibility !== undefined) {
    if (app.visibility.length === 0 || app.visibility.some((v) => !VISIBILITIES.includes(v))) {
      throw new TypeError(`tool '${tool}': app.visibility must list "model", "app" or both`);
    }
    ui.visibility = [...new Set(app.visibility)];
  }
  // Hosts from before the `ui` object read the flat key (deprecated, still sent by the official SDK).
  return app.resourceUri === undefined ? { ui } : { ui, "ui/resourceUri": app.resourceUri };
}

/** The `_meta.ui` of a UI resource. */
export function resourceAppMeta(uri: string, app: UiResourceOptions): JsonObject {
  if (!uri.startsWith("ui://")) {
    throw new TypeError(`resource '${uri}': an app's resource must be a ui:// URI`);
  }
  return { ui: JSON.parse(JSON.stringify(app)) };
}

/** Whether a tool listing is for apps only (its visibility leaves out the model). */
export function isAppOnly(tool: unknown): boolean {
  const ui = isObject(tool) && isObject(tool._meta) ? tool._meta.ui : undefined;
  return isObject(ui) && Array.isArray(ui.visibility) && !ui.visibility.includes("model");
}

/**
 * Whether a client renders apps: it declares the extension, and if it lists the MIME types it
 * renders, the app's is among them.
 */
export function supportsApps(clientCapabilities: unknown): boolean {
  const extensions = isObject(clientCapabilities) ? clientCapabilities.extensions : undefined;
  const ui = isObject(extensions) ? extensions[APPS_EXTENSION_ID] : undefined;
  if (!isObject(ui)) return false;
  return !Array.isArray(ui.mimeTypes) || ui.mimeTypes.includes(APP_MIME_TYPE);
}

/** Leaves app-only tools out of the listings of clients that do not render apps. */
const HIDE_APP_ONLY: Middleware = {
  onListTools: async (context, next) => {
    const result = await next(context);
    if (!result || !Array.isArray(result.tools) || supportsApps(context.facts?.clientCapabilities)) {
      return result;
    }
    return { ...result, tools: result.tools.filter((tool) => !isAppOnly(tool)) };
  },
};

/**
 * The MCP Apps extension, added by the server when a tool or resource has an `app` option. It
 * declares `io.modelcontextprotocol/ui` (no settings) on both eras and leaves app-only tools out
 * of the listings of clients that do not declare it.
 *
 * @example
 * ```ts
 * import { APPS_EXTENSION, FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "ui" });
 * mcp.addExtension(APPS_EXTENSION); // added for you by tools and resources with an `app` option
 * ```
 */
export const APPS_EXTENSION: Extension = Object.freeze({ id: APPS_EXTENSION_ID, middleware: HIDE_APP_ONLY });

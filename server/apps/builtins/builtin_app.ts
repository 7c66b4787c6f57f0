/**
 * What the ready-made apps share: a provider of their tools and their one UI resource, which
 * brings the Apps extension with it.
 *
 * @module
 */

import type { ResourceComponent } from "../../components/resource.ts";
import type { ToolComponent } from "../../components/tool.ts";
import type { Extension } from "../../extensions/extension.ts";
import { FixedProvider } from "../../providers/fixed.ts";
import { APPS_EXTENSION } from "../apps.ts";
import type { AppPage } from "./page.ts";

/**
 * A provider of a ready-made app's tools and page (`FormInput`, `Approval`, `Choice`); add one
 * with `mcp.addProvider()`.
 *
 * @example
 * ```ts
 * import { Approval, type BuiltinApp, FastMCP } from "@denomcp/denomcp";
 * const app: BuiltinApp = new Approval();
 * console.log(app.page.hashes.script); // pin the page's script in a host's policy
 * new FastMCP({ name: "ops" }).addProvider(app);
 * ```
 */
export abstract class BuiltinApp extends FixedProvider {
  /** The Apps extension, which the server adds with this app. */
  readonly extensions: readonly Extension[] = [APPS_EXTENSION];

  /** `page` is the app's document (its hashes let a host pin its script and style). */
  protected constructor(tools: ToolComponent[], resources: ResourceComponent[], readonly page: AppPage) {
    super();
    for (const tool of tools) this.tools.set(tool.name, tool);
    for (const resource of resources) this.resources.set(resource.uri, resource);
  }
}

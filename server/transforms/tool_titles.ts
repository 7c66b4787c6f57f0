/**
 * Titles for tools that have none, derived from their names, for clients that show titles.
 *
 * @module
 */

import type { Tool as WireTool } from "../../protocol/types.ts";
import type { ToolComponent } from "../components/tool.ts";
import { type MaybePromise, then } from "../middleware/compose.ts";
import { splitWords } from "./search_common.ts";
import type { GetNext, Transform } from "./transform.ts";
import type { VersionSpec } from "./versions.ts";

/** `get_weather_forecast` and `getWeatherForecast` give "Get Weather Forecast"; `HTTP` stays as it is. */
function titleOf(name: string): string {
  return splitWords(name).map((w) => w[0].toUpperCase() + w.slice(1)).join(" ");
}

/**
 * Gives every tool without a title (`title`, or the older `annotations.title`) one made of its
 * name's words: `get_weather_forecast` and `getWeatherForecast` are listed as "Get Weather
 * Forecast". The tools themselves are not changed: clients see titled copies, made once per
 * tool, which share everything else with it (enabling, disabling or removing one acts on the tool).
 *
 * @example
 * ```ts
 * import { FastMCP, ToolTitles } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.tool("get_weather_forecast", async () => "sunny"); // title "Get Weather Forecast"
 * mcp.tool("ping", { title: "Ping the server" }, async () => "pong"); // keeps its own
 * mcp.addTransform(new ToolTitles());
 * ```
 */
export class ToolTitles implements Transform {
  /** Titled copies, made once per tool. */
  readonly #derived = new WeakMap<ToolComponent, ToolComponent>();

  /** Lists each tool with a title. */
  listTools(tools: readonly ToolComponent[]): readonly ToolComponent[] {
    return tools.map((t) => this.#titled(t));
  }

  /** Finds a tool as the layers below do, with a title. */
  getTool(
    name: string,
    version: VersionSpec | undefined,
    next: GetNext<ToolComponent>,
  ): MaybePromise<ToolComponent | undefined> {
    return then(next(name, version), (t) => t && this.#titled(t));
  }

  #titled(tool: ToolComponent): ToolComponent {
    const { title, annotations } = tool.listing;
    if (title !== undefined || annotations?.title !== undefined) return tool;
    let copy = this.#derived.get(tool);
    if (!copy) {
      copy = tool.derive(tool.name, tool.delegate);
      (copy as { listing: WireTool }).listing = { ...copy.listing, title: titleOf(tool.name) };
      this.#derived.set(tool, copy);
    }
    return copy;
  }
}

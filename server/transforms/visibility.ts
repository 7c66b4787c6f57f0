/**
 * Visibility: which components a client may list and call. Each component starts from its own
 * `enabled` flag; then the server's rules (`mcp.enable()` / `mcp.disable()`, and the
 * `includeTags` / `excludeTags` options), then the session's own rules
 * (`ctx.enableComponents()` / `ctx.disableComponents()`), apply in order, and the last rule that
 * matches decides (FastMCP's semantics). A session can therefore show what the server hides.
 *
 * @module
 */

import type { Component } from "../components/common.ts";
import { matchesVersion, type VersionSpec } from "./versions.ts";

/** Component types a rule can be limited to. */
export type ComponentType = "tool" | "resource" | "template" | "prompt";

/**
 * Which components a rule matches. Every criterion given must hold; within one criterion any
 * listed value is enough. A filter with no criteria matches nothing.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.disable({ tags: ["admin"] });                     // hide everything tagged admin
 * mcp.enable({ names: ["status"], components: ["tool"] }); // but keep the status tool
 * mcp.enable({ tags: ["public"], only: true });           // or: serve only what is public
 * ```
 */
export interface VisibilityFilter {
  /** Tool or prompt names, resource URIs, or URI templates. */
  names?: string[];
  /** Component keys, `tool:name@version` (`tool:name@` for an unversioned one). */
  keys?: string[];
  /** Versions the rule applies to; unversioned components never match a rule with a version. */
  version?: VersionSpec;
  /** Tags, any of which matches. */
  tags?: string[];
  /** Component types the rule applies to. */
  components?: ComponentType[];
}

/** Options of `enable`: with `only`, everything the filter does not match is hidden. */
export interface EnableOptions extends VisibilityFilter {
  /** Hide everything else (an allowlist). Later rules still apply after it. */
  only?: boolean;
}

/** One rule, as kept by a server or a session (plain data: sessions store theirs). */
export interface VisibilityRule {
  /** Shown or hidden when the rule matches. */
  enabled: boolean;
  /** What it matches. */
  filter: VisibilityFilter;
  /** Matches every component (the first half of `enable({ only: true })`). */
  all?: boolean;
}

/** The rules `enable(options)` adds. */
export function enableRules(options: EnableOptions): VisibilityRule[] {
  const { only, ...filter } = options;
  const rule: VisibilityRule = { enabled: true, filter: clean(filter) };
  return only ? [{ enabled: false, filter: {}, all: true }, rule] : [rule];
}

/** The rule `disable(filter)` adds. */
export function disableRule(filter: VisibilityFilter): VisibilityRule {
  return { enabled: false, filter: clean(filter) };
}

function clean(filter: VisibilityFilter): VisibilityFilter {
  const out: VisibilityFilter = {};
  if (filter.names?.length) out.names = [...filter.names];
  if (filter.keys?.length) out.keys = [...filter.keys];
  if (filter.tags?.length) out.tags = [...filter.tags];
  if (filter.components?.length) out.components = [...filter.components];
  if (filter.version) out.version = { ...filter.version };
  return out;
}

/** The type of a component, as rules name it. */
export function typeOf(component: Component): ComponentType {
  return component.slot === "templates" ? "template" : component.slot.slice(0, -1) as ComponentType;
}

/** True when `rule` matches `component`. */
export function matches(rule: VisibilityRule, component: Component): boolean {
  if (rule.all) return true;
  const f = rule.filter;
  if (!f.names && !f.keys && !f.tags && !f.components && !f.version) return false;
  if (f.components && !f.components.includes(typeOf(component))) return false;
  if (f.keys && !f.keys.includes(component.key)) return false;
  if (f.names && !f.names.includes(component.identifier)) return false;
  if (f.version && !matchesVersion(f.version, component.version, false)) return false;
  if (f.tags && !f.tags.some((t) => component.tags.has(t))) return false;
  return true;
}

/** Whether `component` is visible after `rules` (then `more`, a session's) applied in order. */
export function isVisible(
  component: Component,
  rules: readonly VisibilityRule[],
  more?: readonly VisibilityRule[],
): boolean {
  let visible = component.enabled;
  for (const rule of rules) if (matches(rule, component)) visible = rule.enabled;
  if (more) { for (const rule of more) if (matches(rule, component)) visible = rule.enabled; }
  return visible;
}

/** The component types a set of rules can affect (for `list_changed`): all when a rule names none. */
export function affectedTypes(rules: readonly VisibilityRule[]): Set<ComponentType> {
  const out = new Set<ComponentType>();
  for (const rule of rules) {
    for (const t of rule.all || !rule.filter.components ? ALL_TYPES : rule.filter.components) out.add(t);
  }
  return out;
}

const ALL_TYPES: readonly ComponentType[] = ["tool", "resource", "template", "prompt"];

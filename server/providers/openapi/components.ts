/**
 * Components made from operations: a tool runs the call and turns the answer into its result; a
 * resource or template reads it as contents. Argument schemas are compiled on a component's first
 * call, not when it is listed, so a spec of a thousand operations lists without compiling a
 * thousand validators.
 *
 * @module
 */

import type { Meta, ToolAnnotations } from "../../../protocol/types.ts";
import { ToolResult } from "../../components/content.ts";
import { compilePlainSchema } from "../../components/plain_schema.ts";
import { ResourceComponent, type ResourceOptions, TemplateComponent } from "../../components/resource.ts";
import type { JsonSchema, StandardJsonSchema, Validation } from "../../components/schema.ts";
import { ToolComponent } from "../../components/tool.ts";
import { exchangeOf } from "../../context.ts";
import { callApi, type CallSettings } from "./call.ts";
import { resourceContents, toolResult } from "./results.ts";
import type { ArgumentPlan } from "./schemas.ts";
import type { OpenAPIRoute } from "./spec.ts";

/**
 * A component about to be made from an operation, as `componentFn` (an option of
 * `OpenAPIProvider`) may change it.
 *
 * @example
 * ```ts
 * import type { OpenAPIComponentDraft, OpenAPIRoute } from "@denomcp/denomcp";
 * const componentFn = (route: OpenAPIRoute, draft: OpenAPIComponentDraft) => {
 *   if (route.deprecated) draft.enabled = false;
 *   draft.tags.push(`method:${route.method}`);
 * };
 * ```
 */
export interface OpenAPIComponentDraft {
  /** What the operation becomes. */
  readonly kind: "tool" | "resource" | "template";
  /** Tool name, or the resource's or template's name. */
  name: string;
  /** A resource's URI or a template's URI template (undefined for tools). */
  uri?: string;
  /** Human-readable title. */
  title?: string;
  /** Description shown to the model: the operation's summary and description. */
  description?: string;
  /** Tags: the operation's, the route map's `mcpTags` and the provider's `tags`. */
  tags: string[];
  /** `_meta` of the listing. */
  meta?: Meta;
  /** Tool annotations (tools only): read-only, idempotent and destructive hints from the HTTP method. */
  annotations?: ToolAnnotations;
  /** Whether the component starts enabled. */
  enabled?: boolean;
}

/** What every component of one provider shares. */
export interface Shared {
  readonly call: CallSettings;
  readonly maxErrorBodyBytes: number;
}

/** A Standard Schema advertising `schema` as it is and compiling its validator on first use. */
function lazySchema(schema: JsonSchema, what: string): StandardJsonSchema {
  let check: ((value: unknown) => Validation) | undefined;
  const validate = (value: unknown) => {
    check ??= compilePlainSchema(schema, what);
    const out = check(value);
    return out.ok ? { value: out.value } : { issues: [{ message: out.message }] };
  };
  const exported = () => schema;
  return {
    "~standard": {
      version: 1,
      vendor: "denomcp-openapi",
      validate,
      jsonSchema: { input: exported, output: exported },
    },
  };
}

/** The tool of `route`. */
export function openapiTool(
  route: OpenAPIRoute,
  draft: OpenAPIComponentDraft,
  input: { schema: JsonSchema; plan: ArgumentPlan },
  output: JsonSchema | undefined,
  shared: Shared,
): ToolComponent {
  const what = `${route.method} ${route.path}`;
  const tool: ToolComponent = new ToolComponent(draft.name, {
    title: draft.title,
    description: draft.description,
    tags: draft.tags,
    meta: draft.meta,
    annotations: draft.annotations,
    enabled: draft.enabled,
    input: lazySchema(input.schema, `tool '${draft.name}' input`),
    output: output ? lazySchema(output, `tool '${draft.name}' output`) : undefined,
    runInThread: false,
  }, async (args, ctx) => {
    const response = await callApi(shared.call, route, input.plan, args as Record<string, unknown>, ctx);
    return ToolResult.raw(toolResult(response, what, {
      structured: tool.output !== undefined,
      wrapped: tool.wrapsResult,
      maxErrorBodyBytes: shared.maxErrorBodyBytes,
    }));
  });
  return tool;
}

function resourceOptions(draft: OpenAPIComponentDraft): ResourceOptions {
  const { name, title, description, tags, meta, enabled } = draft;
  return { name, title, description, tags, meta, enabled };
}

/** The static resource of `route` (an operation without required arguments). */
export function openapiResource(
  route: OpenAPIRoute,
  draft: OpenAPIComponentDraft,
  plan: ArgumentPlan,
  shared: Shared,
): ResourceComponent {
  const what = `${route.method} ${route.path}`;
  const uri = draft.uri!;
  return new ResourceComponent(uri, resourceOptions(draft), async (_params, ctx) => {
    const response = await callApi(shared.call, route, plan, {}, ctx);
    return resourceContents(response, uri, what, shared.maxErrorBodyBytes);
  });
}

/**
 * The template of `route`: `variables` maps each URI variable to the argument it fills (URI
 * variables allow fewer characters than parameter names do).
 */
export function openapiTemplate(
  route: OpenAPIRoute,
  draft: OpenAPIComponentDraft,
  plan: ArgumentPlan,
  variables: ReadonlyMap<string, string>,
  shared: Shared,
): TemplateComponent {
  const what = `${route.method} ${route.path}`;
  return new TemplateComponent(draft.uri!, resourceOptions(draft), async (params, ctx) => {
    const args: Record<string, unknown> = {};
    for (const [variable, value] of Object.entries(params)) {
      const arg = variables.get(variable);
      if (arg !== undefined && value !== undefined) args[arg] = value;
    }
    const response = await callApi(shared.call, route, plan, args, ctx);
    const uri = exchangeOf(ctx).params.uri as string;
    return resourceContents(response, uri, what, shared.maxErrorBodyBytes);
  });
}

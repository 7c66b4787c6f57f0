/**
 * One call to the API: the request built from the arguments, credentials added (static headers,
 * a header function, the caller's forwarded headers when configured, or the `fetch` given), sent
 * within the timeout, and the answer read within its byte limit.
 *
 * @module
 */

import { readAtMost } from "../../../protocol/bytes.ts";
import type { Context } from "../../context.ts";
import { ToolError } from "../../errors.ts";
import type { MaybePromise } from "../../middleware/compose.ts";
import { buildRequest } from "./request.ts";
import type { ArgumentPlan } from "./schemas.ts";
import type { OpenAPIRoute } from "./spec.ts";

/** How calls reach the API (resolved from the provider's options). */
export interface CallSettings {
  /** Base URL of the API; undefined when neither the options nor the spec give one. */
  readonly baseUrl?: string;
  readonly fetch: typeof fetch;
  readonly headers?: HeadersInit | ((ctx: Context) => MaybePromise<HeadersInit | undefined>);
  /** Lowercase names of the caller's HTTP request headers sent on to the API. */
  readonly forwardHeaders: readonly string[];
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/** The API's answer. */
export interface ApiResponse {
  readonly status: number;
  readonly statusText: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/** Sends the call of `route` with `args`; throws a {@link ToolError} for a timeout, a network failure or a body over the limit. */
export async function callApi(
  settings: CallSettings,
  route: OpenAPIRoute,
  plan: ArgumentPlan,
  args: Record<string, unknown>,
  ctx: Context,
): Promise<ApiResponse> {
  if (settings.baseUrl === undefined) {
    throw new ToolError("the API has no base URL: the spec names no server; set the baseUrl option");
  }
  const request = buildRequest(settings.baseUrl, route.method, route.path, plan, args);
  const headers = new Headers(request.headers);
  const extra = typeof settings.headers === "function" ? await settings.headers(ctx) : settings.headers;
  new Headers(extra ?? {}).forEach((value, name) => headers.set(name, value));
  const incoming = settings.forwardHeaders.length ? ctx.httpRequest : undefined;
  for (const name of settings.forwardHeaders) {
    const value = incoming?.headers.get(name);
    if (value !== null && value !== undefined) headers.set(name, value);
  }
  if (!headers.has("accept")) headers.set("accept", "application/json, */*;q=0.5");
  // A timer of our own, cleared when the call ends (AbortSignal.timeout's would outlive it).
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), settings.timeoutMs);
  const signal = AbortSignal.any([timeout.signal, ctx.signal]);
  const what = `${route.method} ${route.path}`;
  try {
    const response = await settings.fetch(request.url, {
      method: request.method,
      headers,
      body: request.body,
      signal,
    });
    const bytes = response.body
      ? await readAtMost(response.body, settings.maxResponseBytes)
      : new Uint8Array();
    if (bytes === undefined) {
      throw new ToolError(`${what}: the response is over maxResponseBytes (${settings.maxResponseBytes})`);
    }
    return {
      status: response.status,
      statusText: response.statusText,
      contentType: response.headers.get("content-type") ?? "",
      bytes,
    };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if (timeout.signal.aborted) {
      throw new ToolError(`${what}: no response within ${settings.timeoutMs} ms (timeoutMs)`);
    }
    throw new ToolError(`${what} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

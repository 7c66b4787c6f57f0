/**
 * 2026-07-28 `subscriptions/listen`: who listens for which change notifications. Transports
 * open and close subscriptions; the server publishes changes here.
 *
 * @module
 */

import {
  ErrorCode,
  errorResponse,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcResponse,
  type RequestId,
} from "../../protocol/jsonrpc.ts";
import { SUBSCRIPTION_ID_KEY } from "../../protocol/meta_keys.ts";
import type { ServerCapabilities } from "../../protocol/types.ts";
import type { Limits } from "../limits.ts";

/** The notifications a client asked for. */
export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** One open subscription. */
export interface Subscription {
  readonly id: RequestId;
  readonly filter: SubscriptionFilter;
  deliver(message: JsonRpcMessage): void;
  /** Ends the subscription gracefully (server shutdown). */
  end(): void;
}

/** Parses a filter; undefined when malformed. */
export function parseFilter(value: unknown): SubscriptionFilter | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const filter: SubscriptionFilter = {};
  for (const key of ["toolsListChanged", "promptsListChanged", "resourcesListChanged"] as const) {
    if (v[key] === undefined) continue;
    if (typeof v[key] !== "boolean") return undefined;
    if (v[key]) filter[key] = true;
  }
  if (v.resourceSubscriptions !== undefined) {
    if (
      !Array.isArray(v.resourceSubscriptions) || !v.resourceSubscriptions.every((u) => typeof u === "string")
    ) return undefined;
    if (v.resourceSubscriptions.length) filter.resourceSubscriptions = v.resourceSubscriptions as string[];
  }
  return filter;
}

/** The limits on what one client may subscribe to. */
export type SubscriptionLimits = Pick<Limits, "maxSubscriptionsPerSession" | "maxSubscriptionUriBytes">;

/** Why a set of subscribed URIs is over its limits (count, or one URI's length), or undefined. */
export function subscriptionProblem(uris: readonly string[], limits: SubscriptionLimits): string | undefined {
  if (uris.length > limits.maxSubscriptionsPerSession) {
    return `${uris.length} subscriptions, over limits.maxSubscriptionsPerSession (${limits.maxSubscriptionsPerSession})`;
  }
  for (const uri of uris) {
    // A UTF-16 length above the limit is over it in UTF-8 too; only longer-looking ones need counting.
    const bytes = uri.length * 3 <= limits.maxSubscriptionUriBytes ? 0 : encoder.encode(uri).byteLength;
    if (bytes > limits.maxSubscriptionUriBytes) {
      return `a subscribed URI of ${bytes} bytes is over limits.maxSubscriptionUriBytes (${limits.maxSubscriptionUriBytes})`;
    }
  }
  return undefined;
}

const encoder = new TextEncoder();

/** The part of a requested filter the server honours, given its capabilities. */
export function honoured(filter: SubscriptionFilter, capabilities: ServerCapabilities): SubscriptionFilter {
  const out: SubscriptionFilter = {};
  if (filter.toolsListChanged && capabilities.tools?.listChanged) out.toolsListChanged = true;
  if (filter.promptsListChanged && capabilities.prompts?.listChanged) out.promptsListChanged = true;
  if (filter.resourcesListChanged && capabilities.resources?.listChanged) out.resourcesListChanged = true;
  if (filter.resourceSubscriptions && capabilities.resources?.subscribe) {
    out.resourceSubscriptions = filter.resourceSubscriptions;
  }
  return out;
}

/** A notification on a subscription, tagged with its id. */
export function tagged(id: RequestId, method: string, params: JsonObject = {}): JsonRpcMessage {
  return { jsonrpc: "2.0", method, params: { ...params, _meta: { [SUBSCRIPTION_ID_KEY]: id } } };
}

/** The open subscriptions of a server. */
export class ListenHub {
  readonly #subscriptions = new Set<Subscription>();

  /** Number of open subscriptions. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /** Adds a subscription; returns the function that removes it. */
  add(subscription: Subscription): () => void {
    this.#subscriptions.add(subscription);
    return () => this.#subscriptions.delete(subscription);
  }

  /** Ends every subscription (shutdown): each gets its final result and its stream closes. */
  closeAll(): void {
    for (const s of [...this.#subscriptions]) s.end();
    this.#subscriptions.clear();
  }

  /** Publishes a list change to the subscriptions that asked for it. */
  listChanged(kind: "tools" | "prompts" | "resources"): void {
    const key = `${kind}ListChanged` as const;
    for (const s of this.#subscriptions) {
      if (s.filter[key]) s.deliver(tagged(s.id, `notifications/${kind}/list_changed`));
    }
  }

  /** Publishes a resource update to the subscriptions watching `uri`. */
  resourceUpdated(uri: string): void {
    for (const s of this.#subscriptions) {
      if (s.filter.resourceSubscriptions?.includes(uri)) {
        s.deliver(tagged(s.id, "notifications/resources/updated", { uri }));
      }
    }
  }
}

/** The final answer to a listen request when the server ends it gracefully. */
export function listenResult(id: RequestId): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result: { resultType: "complete", _meta: { [SUBSCRIPTION_ID_KEY]: id } } };
}

/**
 * Opens a `subscriptions/listen` subscription on any transport: validates the filter, enforces
 * `limits`, sends the acknowledgement first, and on graceful end sends the final result and calls
 * `close`. Returns the error response to send instead, or the function that removes the
 * subscription (when the client goes away).
 */
export function openSubscription(
  hub: ListenHub,
  capabilities: ServerCapabilities,
  limits: SubscriptionLimits & Pick<Limits, "maxListenStreams">,
  id: RequestId,
  params: JsonObject,
  deliver: (message: JsonRpcMessage) => void,
  close: () => void,
): JsonRpcResponse | (() => void) {
  const filter = parseFilter(params.notifications);
  if (!filter) {
    return errorResponse(
      id,
      ErrorCode.InvalidParams,
      "Invalid params: 'notifications' is required and must be a valid SubscriptionFilter",
    );
  }
  const problem = subscriptionProblem(filter.resourceSubscriptions ?? [], limits);
  if (problem) return errorResponse(id, ErrorCode.InvalidParams, `Invalid params: ${problem}`);
  if (hub.size >= limits.maxListenStreams) {
    return errorResponse(id, ErrorCode.InternalError, "Subscription limit reached (limits.maxListenStreams)");
  }
  const agreed = honoured(filter, capabilities);
  deliver(tagged(id, "notifications/subscriptions/acknowledged", { notifications: agreed }));
  return hub.add({
    id,
    filter: agreed,
    deliver,
    end: () => {
      deliver(listenResult(id));
      close();
    },
  });
}

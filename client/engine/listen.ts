/**
 * 2026-07-28 `subscriptions/listen`: where a stateless connection hears list changes. One
 * long-lived request whose stream carries the notifications the server agreed to send; a
 * stream the server ends is opened again, and one that fails is retried with backoff.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import type { ServerCapabilities } from "../../protocol/types.ts";
import { delay } from "./delay.ts";

/** Sends one request of the session (envelope and routing headers included). */
export type ListenRequest = (
  method: string,
  params: JsonObject,
  options: { timeoutMs: number; signal: AbortSignal },
) => Promise<JsonObject>;

/** Failures in a row after which listening stops. */
const MAX_FAILURES = 6;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** The `notifications` filter for the list changes a server offers; undefined when it offers none. */
export function listChangeFilter(capabilities: ServerCapabilities | undefined): JsonObject | undefined {
  const filter: JsonObject = {};
  if (capabilities?.tools?.listChanged) filter.toolsListChanged = true;
  if (capabilities?.resources?.listChanged) filter.resourcesListChanged = true;
  if (capabilities?.prompts?.listChanged) filter.promptsListChanged = true;
  return Object.keys(filter).length ? filter : undefined;
}

/** Listens until `signal` aborts (the session closes). The notifications reach the session's own handler. */
export async function listenForChanges(
  request: ListenRequest,
  notifications: JsonObject,
  signal: AbortSignal,
): Promise<void> {
  for (let failures = 0; !signal.aborted;) {
    try {
      await request("subscriptions/listen", { notifications }, { timeoutMs: Infinity, signal });
      failures = 0;
    } catch {
      if (signal.aborted || ++failures >= MAX_FAILURES) return;
    }
    // An abort ends the wait early; the loop then sees it and stops.
    await delay(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** failures), signal).catch(() => {});
  }
}

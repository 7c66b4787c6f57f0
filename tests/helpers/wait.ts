/**
 * Polling for tests: wait for a condition instead of sleeping a fixed time and hoping.
 *
 * @module
 */

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** How long to keep trying before giving up, in milliseconds. Default 5 000. */
  timeoutMs?: number;
  /** The pause between two checks, in milliseconds. Default 10. */
  intervalMs?: number;
  /** What the error says when time runs out. Default "condition not met". */
  message?: string;
}

/**
 * Calls `check` until it returns (or resolves to) `true`, pausing `intervalMs` between calls, and
 * throws an `Error` carrying `message` if that has not happened within `timeoutMs`. An error
 * thrown by `check` ends the wait at once and propagates. A generous timeout costs nothing when
 * the condition holds: the wait ends on the first check that passes.
 *
 * @example
 * ```ts ignore
 * import { eventually } from "../helpers/wait.ts";
 * const events: string[] = [];
 * setTimeout(() => events.push("done"), 50);
 * await eventually(() => events.includes("done"), { timeoutMs: 2_000, message: "never done" });
 * ```
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  options: EventuallyOptions = {},
): Promise<void> {
  const { timeoutMs = 5_000, intervalMs = 10, message = "condition not met" } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() >= deadline) throw new Error(`${message} (waited ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first (a tool that sleeps until cancelled). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

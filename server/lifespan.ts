/**
 * Lifespan: set-up that runs before the first request and teardown that runs at shutdown.
 *
 * @module
 */

/**
 * A lifespan: an async generator that yields once (the code after `yield` is the teardown), or an
 * async function whose result is the value (disposed with `Symbol.asyncDispose` if it has one).
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({
 *   name: "db",
 *   async *lifespan() {
 *     const db = new Map<string, string>();
 *     try {
 *       yield db;
 *     } finally {
 *       db.clear();
 *     }
 *   },
 * });
 * ```
 */
export type Lifespan<T = unknown> = (() => AsyncGenerator<T, void, unknown>) | (() => Promise<T> | T);

/** A started lifespan. */
export interface StartedLifespan {
  readonly value: unknown;
  stop(): Promise<void>;
}

/** Starts a lifespan. */
export async function startLifespan(lifespan: Lifespan | undefined): Promise<StartedLifespan> {
  if (!lifespan) return { value: undefined, stop: () => Promise.resolve() };
  const out = lifespan();
  if (
    out && typeof (out as AsyncGenerator).next === "function" &&
    typeof (out as AsyncGenerator).return === "function"
  ) {
    const generator = out as AsyncGenerator;
    const first = await generator.next();
    return {
      value: first.done ? undefined : first.value,
      // Resuming (not return()) runs the code after `yield`, as a context manager's exit would.
      stop: async () => {
        await generator.next();
      },
    };
  }
  const value = await out;
  return {
    value,
    stop: async () => {
      const v = value as Partial<AsyncDisposable & Disposable> | null | undefined;
      if (v && typeof v[Symbol.asyncDispose] === "function") await v[Symbol.asyncDispose]!();
      else if (v && typeof v[Symbol.dispose] === "function") v[Symbol.dispose]!();
    },
  };
}

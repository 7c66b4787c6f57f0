/**
 * One composer for every chain in the engine: the middleware pipeline and the `tools/call`
 * steps. Like Hono's `compose`, it costs nothing beyond the calls themselves: no promise is made
 * unless a step makes one, so a chain of synchronous steps answers synchronously.
 *
 * @module
 */

/** A value, or a promise of it: synchronous handlers stay synchronous on the hot path. */
export type MaybePromise<T> = T | Promise<T>;

/** Applies `f` to a value or, once it settles, to a promise of it: synchronous stays synchronous. */
export function then<T, U>(value: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/**
 * Runs `run` and hands its outcome to `ok`, or what it threw or rejected with to `fail`, staying
 * synchronous when `run` is: the shape of a middleware that watches the rest of the chain.
 */
export function settle<T, U>(
  run: () => MaybePromise<T>,
  ok: (value: T) => MaybePromise<U>,
  fail: (error: unknown) => MaybePromise<U>,
): MaybePromise<U> {
  let out: MaybePromise<T>;
  try {
    out = run();
  } catch (error) {
    return fail(error);
  }
  return out instanceof Promise ? out.then(ok, fail) : ok(out);
}

/** One step of a chain: does its part and may call `next` to continue. */
export type Step<C, R> = (context: C, next: (context: C) => R) => R;

/**
 * Composes `steps` in order (the first is outermost) around `last`. Each step receives the
 * context and a `next` that runs the rest of the chain with the context it is given.
 */
export function compose<C, R>(steps: readonly Step<C, R>[], last: (context: C) => R): (context: C) => R {
  if (steps.length === 0) return last;
  const at = (i: number): (context: C) => R => {
    if (i === steps.length) return last;
    const step = steps[i];
    const rest = at(i + 1);
    return (context) => step(context, rest);
  };
  return at(0);
}

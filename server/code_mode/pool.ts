/**
 * Sandboxes ready before they are needed, and a bound on how many run at once. A sandbox runs
 * one execution and ends, so the pool only saves the start-up (a `deno` process and its worker,
 * about 45 ms here): it keeps `warm` of them started, from the first execution on, and refills
 * as they are taken.
 *
 * @module
 */

import { Sandbox, type SandboxSpawnOptions } from "./sandbox.ts";

/** Started sandboxes waiting for code, and the ones running. */
export class SandboxPool {
  readonly #warm: Sandbox[] = [];
  readonly #running = new Set<Sandbox>();
  readonly #waiting: (() => void)[] = [];
  /** Turns taken: running sandboxes, and ones about to start. */
  #busy = 0;
  #stopped = false;

  /**
   * `warm` sandboxes are kept started; at most `maxRunning` run at once, and a caller beyond that
   * waits its turn.
   */
  constructor(
    private readonly spawn: SandboxSpawnOptions,
    private readonly warm: number,
    private readonly maxRunning: number,
  ) {}

  /**
   * Runs `use` with a sandbox of its own, waiting (until `signal` aborts) while `maxRunning` are
   * busy. The sandbox has ended when this settles.
   */
  async use<T>(signal: AbortSignal, use: (sandbox: Sandbox) => Promise<T>): Promise<T> {
    await this.#turn(signal);
    let sandbox: Sandbox | undefined;
    try {
      sandbox = this.#take();
      this.#running.add(sandbox);
      return await use(sandbox);
    } finally {
      sandbox?.kill();
      if (sandbox) this.#running.delete(sandbox);
      // The turn passes straight to the next in line, so none starts beyond the bound meanwhile.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy--;
      await sandbox?.closed();
    }
  }

  /** Ends every sandbox, warm or running; later calls to {@link use} start them anew. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const all = [...this.#warm.splice(0), ...this.#running];
    for (const sandbox of all) sandbox.kill();
    await Promise.all(all.map((sandbox) => sandbox.closed()));
    this.#stopped = false;
  }

  #turn(signal: AbortSignal): Promise<void> {
    if (this.#busy < this.maxRunning) {
      this.#busy++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(granted), 1);
        reject(signal.reason);
      };
      const granted = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(granted);
    });
  }

  /** A warm sandbox, or a new one (which throws when the process cannot start); the warm ones are topped up behind it. */
  #take(): Sandbox {
    const sandbox = this.#warm.shift() ?? new Sandbox(this.spawn);
    while (!this.#stopped && this.#warm.length < this.warm) {
      let next: Sandbox;
      try {
        next = new Sandbox(this.spawn);
      } catch {
        return sandbox; // the next execution starts its own and reports why it cannot
      }
      this.#warm.push(next);
      // A warm sandbox that dies while waiting is dropped, not handed out.
      next.ready.catch(() => {
        const at = this.#warm.indexOf(next);
        if (at >= 0) this.#warm.splice(at, 1);
        next.closed();
      });
    }
    return sandbox;
  }
}

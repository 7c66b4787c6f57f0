/**
 * Callbacks that all wait the same time, on one timer. A `setTimeout` per request (and its
 * `clearTimeout` when the request ends first, as nearly all do) showed in profiles of a proxy
 * forwarding thousands of calls a second; entries of one delay expire in the order they came, so
 * a queue needs one timer, for its oldest live entry.
 *
 * @module
 */

/** A callback waiting in a {@link DelayQueue}. */
export interface Delayed {
  /** Drops the callback if it has not run yet. */
  cancel(): void;
}

class Entry implements Delayed {
  constructor(readonly at: number, public fn: (() => void) | undefined, readonly queue: DelayQueue) {}

  cancel(): void {
    if (this.fn === undefined) return;
    this.fn = undefined;
    this.queue.cancelled();
  }
}

/** Runs each added callback `ms` after it was added, unless it is cancelled first. */
export class DelayQueue {
  #entries: Entry[] = [];
  #head = 0;
  #live = 0;
  #timer?: ReturnType<typeof setTimeout>;
  /** True while callbacks run: what they add or cancel then leaves the list as it is. */
  #running = false;

  /** A queue whose callbacks run `ms` milliseconds after they are added. */
  constructor(readonly ms: number) {}

  /** Callbacks waiting now. */
  get size(): number {
    return this.#live;
  }

  /** Adds a callback; it runs once, `ms` from now, unless cancelled. */
  add(fn: () => void): Delayed {
    const entry = new Entry(Date.now() + this.ms, fn, this);
    this.#entries.push(entry);
    this.#live++;
    if (!this.#running) this.#timer ??= setTimeout(() => this.#run(), this.ms);
    return entry;
  }

  /** @internal An entry was cancelled. */
  cancelled(): void {
    this.#live--;
    if (this.#running) return;
    // Nothing left to wait for: no timer keeps the process alive for entries that will not run.
    if (this.#live === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#entries = [];
      this.#head = 0;
    } else if (
      this.#entries.length - this.#head > 1024 && this.#live * 2 < this.#entries.length - this.#head
    ) {
      this.#entries = this.#entries.slice(this.#head).filter((e) => e.fn !== undefined);
      this.#head = 0;
    }
  }

  #run(): void {
    this.#timer = undefined;
    this.#running = true;
    const now = Date.now();
    try {
      while (this.#head < this.#entries.length) {
        const entry = this.#entries[this.#head];
        if (entry.fn !== undefined && entry.at > now) break;
        this.#head++;
        const fn = entry.fn;
        if (fn === undefined) continue;
        entry.fn = undefined;
        this.#live--;
        try {
          fn();
        } catch (error) {
          // One callback's failure must not stop the others; it surfaces as a timer's would.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    } finally {
      this.#running = false;
    }
    if (this.#live === 0) {
      this.#entries = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    this.#timer = setTimeout(() => this.#run(), Math.max(0, this.#entries[this.#head].at - now));
  }
}

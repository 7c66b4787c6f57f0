/**
 * A task queue on the store, of our own design (not `kv.enqueue`, which is unordered, unbounded
 * and slow to reach other processes): task records, leases with expiry and heartbeat, wake-ups
 * through store watches. Ordered by priority then age, a concurrency limit per instance,
 * retries with backoff, dead letters, cancellation, and results kept for a TTL.
 *
 * Reentrant: a running task may start sub-tasks and wait for them; while it waits it gives its
 * slot back, so a queue with one slot still finishes a task that awaits its children.
 *
 * Longer than ~400 lines: one class whose public operations (submit, get, cancel, deliver) and
 * scheduler (scan, claim, run, renew, sweep) share the lease bookkeeping; splitting the scheduler
 * out is the next step when the queue changes again (a Redis-backed fast path, say).
 *
 * @module
 */

import { type Store, type StoreWrite, ValueTooLargeError } from "../store/store.ts";

/** Where a task is in its life. */
export type TaskStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

/** A task as stored. */
export interface TaskRecord {
  id: string;
  /** The handler that runs it. */
  kind: string;
  payload: unknown;
  priority: number;
  status: TaskStatus;
  attempts: number;
  maxAttempts: number;
  /** Earliest time (ms) the next attempt may start (backoff). */
  notBefore: number;
  createdAt: number;
  /**
   * When it was submitted, to the fraction of a millisecond: "then age" orders tasks submitted
   * within one millisecond as they came (ids are random, so the index order cannot).
   */
  submittedAt?: number;
  updatedAt: number;
  /** The instance holding the lease, and until when. */
  owner?: string;
  leaseUntil?: number;
  result?: unknown;
  error?: string;
  /** True when it failed every attempt (a dead letter). */
  dead?: boolean;
  parentId?: string;
  /** Who may read or cancel it (bound by the caller, e.g. a principal or session). */
  owner_key?: string;
  /** Whose share of the queue it counts against (see {@link SubmitOptions.quotaKey}). */
  quota_key?: string;
  /** How long the finished task is kept, when not the queue's `resultTtlMs`. */
  ttlMs?: number;
  /** What the handler reports about itself while it runs (see {@link TaskContext.setDetail}). */
  detail?: Record<string, unknown>;
  /** Messages delivered to the running task by key (see {@link TaskQueue.deliver}). */
  inbox?: Record<string, unknown>;
  /** The result is too large for the record and kept under a key of its own (read back by `get`). */
  resultApart?: boolean;
}

/** Options of {@link TaskQueue.submit}. */
export interface SubmitOptions {
  /** Higher runs first. Default 0. */
  priority?: number;
  /** Attempts before the task becomes a dead letter. Default 3. */
  maxAttempts?: number;
  /** Who the task belongs to; reads and cancellation must present it. */
  ownerKey?: string;
  /**
   * Whose share of the queue the task counts against (a session, a principal, or everyone
   * anonymous together); see {@link TaskQueueOptions.maxQueuedPerQuota}.
   */
  quotaKey?: string;
  /** Keep the finished task this long instead of the queue's `resultTtlMs`. */
  ttlMs?: number;
}

/** What a handler gets besides its payload. */
export interface TaskContext {
  readonly id: string;
  readonly attempt: number;
  /** Aborted when the task is cancelled or its lease is lost. */
  readonly signal: AbortSignal;
  /** Starts a sub-task. */
  submit(kind: string, payload: unknown, options?: SubmitOptions): Promise<string>;
  /**
   * Waits for a task to finish, lending this task's slot meanwhile. Rejects if it did not
   * complete, or when this task stops.
   */
  wait(id: string): Promise<unknown>;
  /** Records what the task is doing (readers see it in `detail`); ignored once the task is no longer ours. */
  setDetail(detail: Record<string, unknown>): Promise<void>;
  /** Waits for the message delivered under `key` (see {@link TaskQueue.deliver}); rejects when the task stops. */
  receive(key: string): Promise<unknown>;
}

/** Runs one kind of task. */
export type TaskHandler = (payload: never, ctx: TaskContext) => unknown;

/** Settings of a queue. */
export interface TaskQueueOptions {
  /** Tasks one instance runs at once. Default 4. */
  concurrency?: number;
  /** A lease lasts this long unless renewed; a crashed instance's task is taken over after it. Default 10 s. */
  leaseMs?: number;
  /** Finished tasks are kept this long. Default 1 hour. */
  resultTtlMs?: number;
  /** First retry delay; doubles per attempt. Default 200 ms. */
  backoffMs?: number;
  /** How often to look for work without a wake-up (other processes' submissions). Default 250 ms. */
  pollMs?: number;
  /** Most queued tasks; submissions beyond it are refused. Default 10,000. */
  maxQueued?: number;
  /** Most queued tasks of one quota key; its submissions beyond it are refused. Default: `maxQueued`. */
  maxQueuedPerQuota?: number;
  /** Called with each task this instance finished or cancelled, once the record says so. */
  onFinished?: (record: TaskRecord) => void;
}

const TASKS = "tasks";
/**
 * Index of tasks waiting to run, so a scan reads the waiting few, not every record kept for its
 * TTL. The record stays the truth: an index entry whose record is no longer queued is dropped,
 * and a periodic sweep re-indexes what a crash between the two writes left out.
 */
const READY = "tasks-ready";
const WAKE = ["tasks-wake"];
/** Results too large to sit in their record (one checked write holds one store entry). */
const RESULTS = "tasks-result";
const INLINE_RESULT_BYTES = 48_000;
const encoder = new TextEncoder();

interface ReadyEntry {
  kind: string;
  priority: number;
  createdAt: number;
  /** {@link TaskRecord.submittedAt}, when the record has it. */
  submittedAt?: number;
  notBefore: number;
  quota?: string;
}

function readyEntry(record: TaskRecord): ReadyEntry {
  const entry: ReadyEntry = {
    kind: record.kind,
    priority: record.priority,
    createdAt: record.createdAt,
    notBefore: record.notBefore,
  };
  if (record.submittedAt !== undefined) entry.submittedAt = record.submittedAt;
  if (record.quota_key !== undefined) entry.quota = record.quota_key;
  return entry;
}

/**
 * Thrown by {@link TaskQueue.submit} when `maxQueued` tasks are waiting already, or the caller's
 * quota key holds `maxQueuedPerQuota`.
 */
export class QueueFullError extends Error {
  /** Creates the error; `perQuota` when the caller's share, not the whole queue, is full. */
  constructor(limit: number, perQuota = false) {
    super(
      perQuota
        ? `this client already has ${limit} tasks waiting, its share of the queue`
        : `the task queue is full (maxQueued = ${limit})`,
    );
    this.name = "QueueFullError";
  }
}

/** A task queue on a store. */
export class TaskQueue {
  readonly #handlers = new Map<string, TaskHandler>();
  readonly #running = new Map<
    string,
    { controller: AbortController; heartbeat: ReturnType<typeof setInterval> }
  >();
  readonly #instance = crypto.randomUUID();
  readonly #waiters = new Map<string, Set<() => void>>();
  #free: number;
  #started = false;
  #stopped = false;
  #poll?: ReturnType<typeof setInterval>;
  #unwatch?: () => void;
  #scanning?: Promise<void>;
  #rescan = false;
  #lastSweep = 0;
  /** The shared wake write a burst is waiting for (see {@link TaskQueue.#signal}). */
  #wakeTimer?: ReturnType<typeof setTimeout>;
  /** Waiting tasks as of the last scan plus submissions since: a full count only near the limit. */
  #queuedEstimate = 0;
  /** Tasks a scan claimed after `stop()`: not run, released by `close()`. */
  readonly #claimedAfterStop: string[] = [];
  /** The same per quota key, counted exactly near the key's limit. */
  readonly #quotaEstimate = new Map<string, number>();
  readonly #options: Required<Omit<TaskQueueOptions, "onFinished">>;
  readonly #onFinished?: (record: TaskRecord) => void;

  /** Creates a queue; `start()` makes this instance run tasks. */
  constructor(private readonly store: Store, options: TaskQueueOptions = {}) {
    this.#options = {
      concurrency: options.concurrency ?? 4,
      leaseMs: options.leaseMs ?? 10_000,
      resultTtlMs: options.resultTtlMs ?? 3_600_000,
      backoffMs: options.backoffMs ?? 200,
      pollMs: options.pollMs ?? 250,
      maxQueued: options.maxQueued ?? 10_000,
      maxQueuedPerQuota: options.maxQueuedPerQuota ?? options.maxQueued ?? 10_000,
    };
    this.#free = this.#options.concurrency;
    this.#onFinished = options.onFinished;
  }

  /** Tasks waiting (as of the last scan plus submissions since) and running on this instance. */
  get counts(): { queued: number; running: number } {
    return { queued: this.#queuedEstimate, running: this.#running.size };
  }

  /** Registers the handler of a kind of task. */
  define(kind: string, handler: TaskHandler): void {
    this.#handlers.set(kind, handler);
  }

  /** Starts running tasks on this instance. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unwatch = this.store.watch(WAKE, () => this.#wake());
    this.#poll = setInterval(() => this.#wake(), this.#options.pollMs);
    Deno.unrefTimer(this.#poll as unknown as number);
    this.#wake();
  }

  /** Stops taking tasks; tasks running here are aborted and their leases left to expire. */
  stop(): void {
    this.#stopped = true;
    // A wake still due goes out now: other instances must hear of the last changes, and no
    // timer outlives the queue.
    if (this.#wakeTimer !== undefined) this.#writeWake();
    clearInterval(this.#poll);
    this.#unwatch?.();
    for (const { controller, heartbeat } of this.#running.values()) {
      clearInterval(heartbeat);
      controller.abort(new Error("the queue stopped"));
    }
  }

  /**
   * Stops, waits for a scan in progress to end, and hands the tasks that were running here back
   * to the queue, so another instance (or this one after a restart) resumes them at once rather
   * than after their lease. Call it before the store is closed.
   */
  async close(): Promise<void> {
    const running = [...this.#running.keys()];
    this.stop();
    await this.#scanning;
    running.push(...this.#claimedAfterStop.splice(0));
    const released = await Promise.all(running.map((id) => this.#release(id).catch(() => false)));
    if (released.some(Boolean)) {
      await this.store.set(WAKE, { at: Date.now(), nonce: crypto.randomUUID() }).catch(() => {});
    }
  }

  /** Puts a task this instance was running back in the queue; the interrupted attempt does not count. */
  async #release(id: string): Promise<boolean> {
    const { value: record, version } = await this.store.getVersioned<TaskRecord>([TASKS, id]);
    if (!record || record.status !== "running" || record.owner !== this.#instance) return false;
    const now = Date.now();
    const back: TaskRecord = {
      ...record,
      status: "queued",
      owner: undefined,
      leaseUntil: undefined,
      attempts: Math.max(0, record.attempts - 1),
      notBefore: now,
      updatedAt: now,
    };
    return await this.store.commit([
      { key: [TASKS, id], version, value: back },
      { key: [READY, id], value: readyEntry(back) },
    ]);
  }

  /** Adds a task; returns its id (unguessable). */
  async submit(
    kind: string,
    payload: unknown,
    options: SubmitOptions = {},
    parentId?: string,
  ): Promise<string> {
    if (this.#queuedEstimate + 1 >= this.#options.maxQueued) {
      this.#queuedEstimate = await this.#countReady();
      if (this.#queuedEstimate >= this.#options.maxQueued) throw new QueueFullError(this.#options.maxQueued);
    }
    const quota = options.quotaKey;
    const perQuota = this.#options.maxQueuedPerQuota;
    if (quota !== undefined && (this.#quotaEstimate.get(quota) ?? 0) + 1 >= perQuota) {
      const waiting = await this.#countReady(quota);
      this.#quotaEstimate.set(quota, waiting);
      if (waiting >= perQuota) throw new QueueFullError(perQuota, true);
    }
    const now = Date.now();
    const record: TaskRecord = {
      id: crypto.randomUUID(),
      kind,
      payload,
      priority: options.priority ?? 0,
      status: "queued",
      attempts: 0,
      maxAttempts: options.maxAttempts ?? 3,
      notBefore: now,
      createdAt: now,
      submittedAt: performance.timeOrigin + performance.now(),
      updatedAt: now,
      parentId,
      owner_key: options.ownerKey,
      ttlMs: options.ttlMs,
    };
    if (quota !== undefined) record.quota_key = quota;
    // One write for the record and its index entry: a crash between them would leave a task
    // only the sweep finds.
    await this.store.commit([
      { key: [TASKS, record.id], value: record },
      { key: [READY, record.id], value: readyEntry(record) },
    ]);
    this.#queuedEstimate++;
    if (quota !== undefined) this.#quotaEstimate.set(quota, (this.#quotaEstimate.get(quota) ?? 0) + 1);
    this.#signal();
    return record.id;
  }

  /** A task, if `ownerKey` matches the one it was submitted with. */
  async get(id: string, ownerKey?: string): Promise<TaskRecord | undefined> {
    const record = await this.#read(id);
    if (!record || record.owner_key !== ownerKey) return undefined;
    return record;
  }

  /** Every task of a kind and owner, results loaded (a scan of all records: for listings, not hot paths). */
  async *records(kind: string, ownerKey: string | undefined): AsyncIterable<TaskRecord> {
    for await (const { value } of this.store.list<TaskRecord>([TASKS])) {
      if (value.kind !== kind || value.owner_key !== ownerKey) continue;
      if (value.resultApart) value.result = await this.store.get([RESULTS, value.id]);
      yield value;
    }
  }

  /** A task's record, with its result loaded when it is kept apart (see {@link TaskRecord.resultApart}). */
  async #read(id: string): Promise<TaskRecord | undefined> {
    const record = await this.store.get<TaskRecord>([TASKS, id]);
    if (record?.resultApart) record.result = await this.store.get([RESULTS, id]);
    return record;
  }

  /** Cancels a queued or running task. False when it is unknown or already finished. */
  async cancel(id: string, ownerKey?: string): Promise<boolean> {
    for (let tries = 0; tries < 10; tries++) {
      const { value: record, version } = await this.store.getVersioned<TaskRecord>([TASKS, id]);
      if (!record || record.owner_key !== ownerKey) return false;
      if (record.status !== "queued" && record.status !== "running") return false;
      const done: TaskRecord = { ...record, status: "cancelled", updatedAt: Date.now() };
      const landed = await this.store.commit([
        { key: [TASKS, id], version, value: done, expireInMs: this.#ttl(record) },
        { key: [READY, id], delete: true },
      ]);
      if (landed) {
        this.#running.get(id)?.controller.abort(new Error("cancelled"));
        this.#onFinished?.(done);
        this.#signal();
        return true;
      }
    }
    return false;
  }

  /**
   * Delivers messages to a running task (answers to what it asked, say), from any instance.
   * `accept` filters the keys the task is waiting for; the rest are ignored. False when the task
   * is unknown, not the caller's, or not running.
   */
  async deliver(
    id: string,
    ownerKey: string | undefined,
    messages: Record<string, unknown>,
    accept: (key: string, record: TaskRecord) => boolean = () => true,
  ): Promise<boolean> {
    for (let tries = 0; tries < 20; tries++) {
      const { value: record, version } = await this.store.getVersioned<TaskRecord>([TASKS, id]);
      if (!record || record.owner_key !== ownerKey || record.status !== "running") return false;
      const inbox = { ...record.inbox };
      for (const [key, value] of Object.entries(messages)) {
        if (Object.hasOwn(inbox, key) || !accept(key, record)) continue;
        // Defined, not assigned: a key named `__proto__` must not replace the inbox's prototype.
        Object.defineProperty(inbox, key, { value, enumerable: true, writable: true, configurable: true });
      }
      if (await this.store.setIf([TASKS, id], version, { ...record, inbox, updatedAt: Date.now() })) {
        this.#signal();
        return true;
      }
    }
    throw new Error(`task ${id}: the delivery did not land`);
  }

  /** Wakes waiters and other instances now (something about a task changed outside the queue). */
  poke(): void {
    this.#signal();
  }

  /** Resolves when the task has finished (any terminal status), with its record. */
  async settled(id: string, signal?: AbortSignal): Promise<TaskRecord> {
    while (true) {
      const record = await this.#read(id);
      if (!record) throw new Error(`unknown task ${id}`);
      if (record.status !== "queued" && record.status !== "running") return record;
      await this.#nap(id, signal);
    }
  }

  /**
   * Resolves with the task's record once it changed after `since` (its `updatedAt`), or when it
   * is gone (undefined). A reader following a task's progress waits here instead of polling.
   */
  async changed(id: string, since: number, signal?: AbortSignal): Promise<TaskRecord | undefined> {
    while (true) {
      const record = await this.#read(id);
      if (!record || record.updatedAt > since) return record;
      await this.#nap(id, signal);
    }
  }

  /** Resolves at the next wake-up (any change to any task, here or signalled by another instance) or poll tick. */
  nextWake(id: string, signal?: AbortSignal): Promise<void> {
    return this.#nap(id, signal);
  }

  /** Sleeps until the next wake-up or poll tick; rejects when `signal` aborts. */
  #nap(id: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, set = new Set());
      const waiters = set;
      const timer = setTimeout(done, this.#options.pollMs);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        waiters.delete(done);
      };
      function onAbort() {
        cleanup();
        reject(signal!.reason);
      }
      function done() {
        cleanup();
        resolve();
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      waiters.add(done);
    }).finally(() => {
      if (this.#waiters.get(id)?.size === 0) this.#waiters.delete(id);
    });
  }

  /**
   * Wakes this instance now and the others through the wake key. A burst of submissions or
   * completions shares one wake write: each one is a store transaction, and the others only
   * need to know that something changed.
   */
  #signal(): void {
    this.#wake();
    if (this.#wakeTimer !== undefined) return;
    // After stop() nothing would clear a timer: a write landing late (a task finishing as the
    // queue closes) wakes the others at once instead.
    if (this.#stopped) return this.#writeWake();
    this.#wakeTimer = setTimeout(() => this.#writeWake(), 2);
    Deno.unrefTimer(this.#wakeTimer);
  }

  #writeWake(): void {
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    this.store.set(WAKE, { at: Date.now(), nonce: crypto.randomUUID() }).catch(() => {});
  }

  #wake(): void {
    for (const set of this.#waiters.values()) for (const done of [...set]) done();
    if (!this.#started || this.#stopped) return;
    if (this.#scanning) {
      this.#rescan = true;
      return;
    }
    // A busy or closing store (SQLite "database is locked" under contention) only delays the scan.
    this.#scanning = this.#scan().catch(() => {}).finally(() => {
      this.#scanning = undefined;
      if (this.#rescan) {
        this.#rescan = false;
        this.#wake();
      }
    });
  }

  /** Claims runnable tasks, best first, while this instance has free slots. */
  async #scan(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep >= this.#options.leaseMs / 2) {
      this.#lastSweep = now;
      await this.#sweep(now);
    }
    if (this.#free <= 0) return;
    const runnable: { id: string; entry: ReadyEntry }[] = [];
    let waiting = 0;
    this.#quotaEstimate.clear();
    for await (const { key, value } of this.store.list<ReadyEntry>([READY])) {
      waiting++;
      if (value.quota !== undefined) {
        this.#quotaEstimate.set(value.quota, (this.#quotaEstimate.get(value.quota) ?? 0) + 1);
      }
      if (value.notBefore <= now && this.#handlers.has(value.kind)) {
        runnable.push({ id: key[key.length - 1], entry: value });
      }
    }
    this.#queuedEstimate = waiting;
    const age = (e: ReadyEntry) => e.submittedAt ?? e.createdAt;
    runnable.sort((a, b) => b.entry.priority - a.entry.priority || age(a.entry) - age(b.entry));
    for (const { id } of runnable) {
      if (this.#free <= 0 || this.#stopped) return;
      const claimed = await this.#claim(id);
      if (claimed) this.#run(claimed);
    }
  }

  /**
   * The slow path, every half lease: takes over tasks whose lease expired (a crashed instance)
   * and re-indexes queued tasks missing from the index.
   */
  async #sweep(now: number): Promise<void> {
    const indexed = new Set<string>();
    for await (const { key } of this.store.list([READY])) indexed.add(key[key.length - 1]);
    for await (const { value } of this.store.list<TaskRecord>([TASKS])) {
      if (value.status === "queued" && !indexed.has(value.id)) await this.#index(value);
      const expired = value.status === "running" && (value.leaseUntil ?? 0) < now;
      if (expired && this.#free > 0 && this.#handlers.has(value.kind) && !this.#stopped) {
        const claimed = await this.#claim(value.id);
        if (claimed) this.#run(claimed);
      }
    }
  }

  #index(record: TaskRecord): Promise<void> {
    return this.store.set([READY, record.id], readyEntry(record));
  }

  /** Tasks waiting to run, all of them or those of one quota key. */
  async #countReady(quota?: string): Promise<number> {
    let n = 0;
    for await (const { value } of this.store.list<ReadyEntry>([READY])) {
      if (quota === undefined || value.quota === quota) n++;
    }
    return n;
  }

  /**
   * Cancels every waiting task of a quota key, and those of it running here (their owner has gone:
   * no one can read their results). Returns how many were cancelled.
   */
  async cancelQuota(quota: string): Promise<number> {
    const ids = new Set<string>();
    for await (const { key, value } of this.store.list<ReadyEntry>([READY])) {
      if (value.quota === quota) ids.add(key[key.length - 1]);
    }
    for (const id of this.#running.keys()) ids.add(id);
    let cancelled = 0;
    for (const id of ids) {
      const record = await this.store.get<TaskRecord>([TASKS, id]);
      if (record?.quota_key === quota && await this.cancel(id, record.owner_key)) cancelled++;
    }
    this.#quotaEstimate.delete(quota);
    return cancelled;
  }

  async #claim(id: string): Promise<TaskRecord | undefined> {
    const { value: record, version } = await this.store.getVersioned<TaskRecord>([TASKS, id]);
    const now = Date.now();
    const takeover = record?.status === "running" && (record.leaseUntil ?? 0) < now;
    if (!record || (record.status !== "queued" && !takeover)) {
      // Claimed elsewhere, cancelled or expired: the index entry is stale.
      if (record?.status !== "queued") await this.store.delete([READY, id]);
      return undefined;
    }
    if ((!takeover && record.notBefore > now) || !this.#handlers.has(record.kind)) return undefined;
    const running: TaskRecord = {
      ...record,
      status: "running",
      attempts: record.attempts + 1,
      owner: this.#instance,
      leaseUntil: now + this.#options.leaseMs,
      updatedAt: now,
    };
    const landed = await this.store.commit([
      { key: [TASKS, id], version, value: running },
      { key: [READY, id], delete: true },
    ]);
    if (!landed) return undefined;
    this.#free--;
    return running;
  }

  #run(record: TaskRecord): void {
    // A scan that was claiming when the queue stopped: the task is handed back, not started.
    if (this.#stopped) {
      this.#claimedAfterStop.push(record.id);
      return;
    }
    const controller = new AbortController();
    const heartbeat = setInterval(
      () => void this.#renew(record.id, controller).catch(() => {}),
      Math.min(this.#options.leaseMs / 3, 1000),
    );
    Deno.unrefTimer(heartbeat as unknown as number);
    this.#running.set(record.id, { controller, heartbeat });
    let waiting = 0;
    const ctx: TaskContext = {
      id: record.id,
      attempt: record.attempts,
      signal: controller.signal,
      submit: (kind, payload, options) => this.submit(kind, payload, options, record.id),
      wait: async (id) => {
        // Reentrancy: lend this task's slot while it waits, so a child runs even with one slot.
        // Waits in parallel lend it once: concurrency stays what was configured.
        if (waiting++ === 0) {
          this.#free++;
          this.#wake();
        }
        try {
          const done = await this.settled(id, controller.signal);
          if (done.status !== "completed") throw new Error(`task ${id} ${done.status}: ${done.error ?? ""}`);
          return done.result;
        } finally {
          if (--waiting === 0) this.#free--;
        }
      },
      setDetail: (detail) => this.#settle(() => this.#update(record.id, controller, { detail })),
      receive: async (key) => {
        let since = 0;
        while (true) {
          const current = await this.changed(record.id, since, controller.signal);
          if (!current || current.status !== "running") {
            throw new Error(`task ${record.id} is no longer running`);
          }
          if (current.inbox && Object.hasOwn(current.inbox, key)) return current.inbox[key];
          since = current.updatedAt;
        }
      },
    };
    (async () => {
      try {
        const handler = this.#handlers.get(record.kind)!;
        const result = await handler(record.payload as never, ctx);
        await this.#settle(() => this.#complete(record, controller, result));
      } catch (error) {
        await this.#fail(record, controller, error).catch(() => {});
      } finally {
        clearInterval(heartbeat);
        this.#running.delete(record.id);
        this.#free++;
        this.#wake();
      }
    })();
  }

  /** Retries a write the store refused for contention; if it never lands, the lease expiry recovers the task. */
  async #settle(write: () => Promise<void>): Promise<void> {
    for (let tries = 0; tries < 20; tries++) {
      try {
        return await write();
      } catch {
        // A stopped queue does not wait to retry (its store may be closing): the lease recovers the task.
        if (this.#stopped) return;
        await new Promise((r) => setTimeout(r, 5 * (tries + 1)));
      }
    }
  }

  /**
   * Checks the task every second or so: a task cancelled (or taken over) meanwhile, perhaps on
   * another instance, is aborted here; the lease is extended once a third of it is used up.
   */
  async #renew(id: string, controller: AbortController): Promise<void> {
    const { value: record, version } = await this.store.getVersioned<TaskRecord>([TASKS, id]);
    if (!record || record.status !== "running" || record.owner !== this.#instance) {
      controller.abort(new Error(record?.status === "cancelled" ? "cancelled" : "the lease was lost"));
      return;
    }
    const now = Date.now();
    if ((record.leaseUntil ?? 0) - now > (this.#options.leaseMs * 2) / 3) return;
    await this.store.setIf([TASKS, id], version, { ...record, leaseUntil: now + this.#options.leaseMs });
  }

  #ttl(record: TaskRecord): number {
    return record.ttlMs ?? this.#options.resultTtlMs;
  }

  /**
   * Writes a change to a task this instance is running, retrying when another write (a delivery,
   * say) moved its version. Nothing is written once the task was cancelled, taken over or
   * aborted here: the other outcome stands. Returns what was written, `"gone"` in that case, or
   * `"contended"` when every try lost the race.
   */
  async #writeOwn(
    id: string,
    controller: AbortController,
    build: (record: TaskRecord, version: string | null) => { record: TaskRecord; writes: StoreWrite[] },
  ): Promise<TaskRecord | "gone" | "contended"> {
    for (let tries = 0; tries < 10; tries++) {
      const { value: record, version } = await this.store.getVersioned<TaskRecord>([TASKS, id]);
      if (
        !record || record.status !== "running" || record.owner !== this.#instance || controller.signal.aborted
      ) return "gone";
      const next = build(record, version);
      if (await this.store.commit(next.writes)) {
        this.#signal();
        return next.record;
      }
    }
    return "contended";
  }

  /** Changes a running task of ours without finishing it. */
  async #update(id: string, controller: AbortController, change: Partial<TaskRecord>): Promise<void> {
    const out = await this.#writeOwn(id, controller, (record, version) => {
      const changed = { ...record, ...change, updatedAt: Date.now() };
      return { record: changed, writes: [{ key: [TASKS, id], version, value: changed }] };
    });
    if (out === "contended") throw new Error(`task ${id}: the update did not land`);
  }

  /** Ends a running task of ours (or puts it back in the queue for a retry). */
  async #finish(id: string, controller: AbortController, change: Partial<TaskRecord>): Promise<void> {
    const out = await this.#writeOwn(id, controller, (record, version) => {
      const finished: TaskRecord = { ...record, ...change, updatedAt: Date.now(), leaseUntil: undefined };
      const writes: StoreWrite[] = finished.status === "queued"
        ? [{ key: [TASKS, id], version, value: finished }, { key: [READY, id], value: readyEntry(finished) }]
        : [{ key: [TASKS, id], version, value: finished, expireInMs: this.#ttl(record) }];
      return { record: finished, writes };
    });
    if (typeof out === "object" && out.status !== "queued") this.#onFinished?.(out);
  }

  /**
   * Records a result. One too large for the record goes under its own key first (chunked by the
   * store); one too large for the store fails the task for good, with the size in the message.
   */
  async #complete(record: TaskRecord, controller: AbortController, result: unknown): Promise<void> {
    const bytes = encoder.encode(JSON.stringify(result) ?? "").byteLength;
    if (bytes <= INLINE_RESULT_BYTES) {
      return await this.#finish(record.id, controller, { status: "completed", result });
    }
    if (controller.signal.aborted) return;
    try {
      await this.store.set([RESULTS, record.id], result, { expireInMs: this.#ttl(record) });
    } catch (error) {
      if (!(error instanceof ValueTooLargeError)) throw error;
      return await this.#finish(record.id, controller, {
        status: "failed",
        error: `the result is too large to keep: ${error.message}`,
        dead: true,
      });
    }
    await this.#finish(record.id, controller, { status: "completed", resultApart: true });
  }

  async #fail(record: TaskRecord, controller: AbortController, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    if (record.attempts >= record.maxAttempts) {
      await this.#finish(record.id, controller, { status: "failed", error: message, dead: true });
      return;
    }
    const delay = this.#options.backoffMs * 2 ** (record.attempts - 1);
    await this.#finish(record.id, controller, {
      status: "queued",
      error: message,
      notBefore: Date.now() + delay,
      owner: undefined,
    });
  }
}

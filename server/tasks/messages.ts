/**
 * Where a 2025 task's messages to its client go (progress, logs, elicitation and sampling
 * requests, all marked with the task): straight onto a `tasks/result` stream open for the task in
 * this isolate; a notification onto the session's GET stream when it is here; otherwise into the
 * store, where the next `tasks/result` on any instance picks them up, each message once.
 *
 * @module
 */

import type { JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { LogSink } from "../logger.ts";
import type { SessionRegistry } from "../sessions/registry.ts";
import type { Store } from "../store/store.ts";

/** Messages of a task waiting for a `tasks/result` stream. */
const OUTBOX = "task-out";

type Send = (message: JsonRpcMessage) => void;

/** The message routing of one server's tasks. */
export class TaskMessages {
  /** `tasks/result` streams open in this isolate, by task. */
  readonly #streams = new Map<string, Set<Send>>();
  #seq = 0;

  /** Routes through `store`; `queued` is told when a message waits in the store. */
  constructor(
    private readonly store: Store,
    private readonly sessions: SessionRegistry,
    private readonly keepMs: number,
    private readonly queued: () => void,
    private readonly log: LogSink,
  ) {}

  /** Sends a message of a task to its client, or keeps it for the next `tasks/result`. */
  deliver(taskId: string, sessionId: string | undefined, message: JsonRpcMessage): void {
    const streams = this.#streams.get(taskId);
    if (streams?.size) {
      for (const send of streams) send(message);
      return;
    }
    // A notification may go to the session's GET stream; a request waits for `tasks/result`,
    // where the client looks for it once it sees `input_required`.
    const isRequest = "id" in message && "method" in message;
    if (!isRequest && sessionId && this.sessions.local(sessionId)?.unsolicited?.(message)) return;
    const seq = `${Date.now().toString(36).padStart(9, "0")}-${(this.#seq++).toString(36).padStart(6, "0")}`;
    this.store.set([OUTBOX, taskId, seq], message, { expireInMs: this.keepMs })
      .then(this.queued)
      .catch((e) => this.log("error", `queueing a message of task ${taskId}: ${e}`));
  }

  /** Makes `send` (a `tasks/result` stream) the task's destination here; returns the function that ends it. */
  open(taskId: string, send: Send): () => void {
    let streams = this.#streams.get(taskId);
    if (!streams) this.#streams.set(taskId, streams = new Set());
    streams.add(send);
    return () => {
      streams.delete(send);
      if (streams.size === 0) this.#streams.delete(taskId);
    };
  }

  /** Sends a task's kept messages on a `tasks/result` stream, in order, each once. */
  async drain(taskId: string, send: Send): Promise<void> {
    const kept: { key: string[]; value: JsonRpcMessage }[] = [];
    for await (const entry of this.store.list<JsonRpcMessage>([OUTBOX, taskId])) kept.push(entry);
    kept.sort((a, b) => (a.key.at(-1)! < b.key.at(-1)! ? -1 : 1));
    for (const { key, value } of kept) {
      if (value === null) continue; // claimed by another stream
      // Of two streams draining at once, only the one whose claim lands sends the message.
      const { version } = await this.store.getVersioned(key);
      if (version === null || !(await this.store.setIf(key, version, null, { expireInMs: 1000 }))) continue;
      send(value);
      await this.store.delete(key);
    }
  }
}

/**
 * An in-process stdio connection to a server: `mcp.run()` on a pair of streams, with a way to
 * send JSON-RPC lines and wait for the answer to a request.
 *
 * @module
 */

import type { FastMCP, RunningServer } from "../../mod.ts";

/** Newline-delimited JSON-RPC messages read from a byte stream (a server's stdout). */
export class JsonLines {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  /** Messages read while waiting for another (notifications, answers to other ids). */
  readonly other: Record<string, unknown>[] = [];

  /** Reads `stream`. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next message `match` accepts; others are kept in {@link other}. */
  async next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const kept = this.other.findIndex(match);
    if (kept !== -1) return this.other.splice(kept, 1)[0];
    while (true) {
      let newline: number;
      while ((newline = this.#buffer.indexOf("\n")) !== -1) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const message = JSON.parse(line) as Record<string, unknown>;
        if (match(message)) return message;
        this.other.push(message);
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("the stream ended before the message awaited");
      this.#buffer += value;
    }
  }

  /** The answer to request `id`. */
  response(id: number | string): Promise<Record<string, unknown>> {
    return this.next((m) => m.id === id && (m.result !== undefined || m.error !== undefined));
  }

  /** Everything left until the stream ends. */
  async rest(): Promise<string> {
    let text = this.#buffer;
    for (let r = await this.#reader.read(); !r.done; r = await this.#reader.read()) text += r.value;
    return text;
  }

  /** Stops reading. */
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

/** One stdio connection. */
export class StdioPeer {
  readonly #input: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: JsonLines;
  #running?: RunningServer;

  private constructor(input: WritableStreamDefaultWriter<Uint8Array>, output: ReadableStream<Uint8Array>) {
    this.#input = input;
    this.#lines = new JsonLines(output);
  }

  /** Messages read while waiting for an answer (notifications, answers to other ids). */
  get other(): Record<string, unknown>[] {
    return this.#lines.other;
  }

  /** Runs `mcp` on stdio over in-memory streams. */
  static async open(mcp: FastMCP): Promise<StdioPeer> {
    const stdin = new TransformStream<Uint8Array, Uint8Array>();
    const stdout = new TransformStream<Uint8Array, Uint8Array>();
    const peer = new StdioPeer(stdin.writable.getWriter(), stdout.readable);
    peer.#running = await mcp.run({ transport: "stdio", stdin: stdin.readable, stdout: stdout.writable });
    return peer;
  }

  /** Sends one raw line. */
  async sendLine(line: string): Promise<void> {
    await this.write(line + "\n");
  }

  /** Writes raw text, which need not end a line (a line split across writes). */
  async write(text: string): Promise<void> {
    await this.#input.write(new TextEncoder().encode(text));
  }

  /** Sends a message. */
  send(message: Record<string, unknown>): Promise<void> {
    return this.sendLine(JSON.stringify({ jsonrpc: "2.0", ...message }));
  }

  /** The next message `match` accepts; others are kept in {@link other}. */
  next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return this.#lines.next(match);
  }

  /** Sends a request and returns its answer. */
  async request(id: number | string, method: string, params: Record<string, unknown> = {}) {
    await this.send({ id, method, params });
    return await this.#lines.response(id);
  }

  /** The 2025 handshake: `initialize` (id 0), then `notifications/initialized`; returns the answer. */
  async handshake(): Promise<Record<string, unknown>> {
    const answer = await this.request(0, "initialize", {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "t", version: "1" },
    });
    await this.send({ method: "notifications/initialized" });
    return answer;
  }

  /** Ends the connection (stdin EOF) and waits for the transport to finish. */
  async close(): Promise<void> {
    await this.#input.close().catch(() => {});
    await this.#running?.finished;
    await this.#lines.cancel().catch(() => {});
  }
}

/**
 * Server-Sent Events framing: encoding on the server side, parsing for clients and tests.
 *
 * @module
 */

const encoder = new TextEncoder();

/** One SSE event. */
export interface SseEvent {
  /** Event id (`id:` field); a client resumes after it with `Last-Event-ID`. */
  id?: string;
  /** Event type (`event:` field); absent means `"message"`. */
  event?: string;
  /** Event payload (`data:` lines joined with newlines). */
  data: string;
  /** Reconnection delay in milliseconds (`retry:` field). */
  retry?: number;
}

/** Encodes one SSE event to bytes. Multi-line data is split into several `data:` lines. */
export function encodeSseEvent(event: SseEvent): Uint8Array {
  let out = "";
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  out += event.data.includes("\n")
    ? event.data.split("\n").map((l) => `data: ${l}\n`).join("")
    : `data: ${event.data}\n`;
  return encoder.encode(out + "\n");
}

/**
 * Parses a complete SSE text body into events (for tests and simple clients). With `bare`, a
 * block without data lines (only an `id:` or a `retry:`) comes back too, with empty data: a
 * client that resumes streams must still learn its id and delay.
 */
export function parseSse(text: string, bare = false): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    const event: SseEvent = { data: "" };
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
      else if (field === "retry") event.retry = Number(value);
    }
    // Per the SSE rules a block without data lines (a comment, a bare id) dispatches nothing.
    if (data.length === 0 && !(bare && (event.id !== undefined || event.retry !== undefined))) continue;
    event.data = data.join("\n");
    events.push(event);
  }
  return events;
}

/** Incremental SSE parser over a byte stream (for reading live streams); `bare` as for {@link parseSse}. */
export async function* readSse(body: ReadableStream<Uint8Array>, bare = false): AsyncGenerator<SseEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut: RegExpExecArray | null;
      const boundary = /\r?\n\r?\n/g;
      let last = 0;
      while ((cut = boundary.exec(buffer)) !== null) {
        const block = buffer.slice(last, cut.index);
        last = cut.index + cut[0].length;
        for (const event of parseSse(block + "\n\n", bare)) yield event;
      }
      buffer = buffer.slice(last);
    }
  } finally {
    // Stopping early cancels the body too (it is locked to the decoder pipe).
    await reader.cancel().catch(() => {});
  }
}

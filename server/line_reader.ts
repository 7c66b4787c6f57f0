/**
 * Splits a byte stream into lines, counting the limit in bytes: a line over the limit is skipped
 * up to its newline and reported once, however many chunks it spans.
 *
 * @module
 */

import { concatBytes } from "../protocol/bytes.ts";

/** One line, or the report of one line that was too long. */
export type Line = { text: string } | { tooLong: number };

const NEWLINE = 10;

/** Reads lines (without their `\n`, trimmed) from `reader`; skips blank ones. */
export async function* readLines(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
): AsyncGenerator<Line> {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let size = 0;
  /** Bytes of the oversized line being skipped, or -1 when none is. */
  let skipped = -1;
  const take = (): string => {
    const all = concatBytes(parts, size);
    parts = [];
    size = 0;
    return decoder.decode(all).trim();
  };
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    let start = 0;
    while (start < value.byteLength) {
      const newline = value.indexOf(NEWLINE, start);
      const end = newline === -1 ? value.byteLength : newline;
      const piece = value.subarray(start, end);
      if (skipped >= 0) skipped += piece.byteLength;
      else if (size + piece.byteLength > limit) {
        skipped = size + piece.byteLength;
        parts = [];
        size = 0;
      } else if (piece.byteLength) {
        parts.push(piece);
        size += piece.byteLength;
      }
      if (newline === -1) break;
      start = newline + 1;
      if (skipped >= 0) {
        yield { tooLong: skipped };
        skipped = -1;
        continue;
      }
      const text = take();
      if (text) yield { text };
    }
  }
  if (skipped >= 0) yield { tooLong: skipped };
  else if (size) {
    const text = take();
    if (text) yield { text };
  }
}

/**
 * Byte streams read within a cap: request bodies, fetched documents, stdio lines all stop at a
 * limit counted in bytes, never by decoding first.
 *
 * @module
 */

/** Joins chunks already known to total `size` bytes. */
export function concatBytes(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.byteLength;
  }
  return all;
}

/**
 * Reads a whole stream as long as it stays within `limit` bytes; undefined (the stream cancelled)
 * as soon as it goes over. Errors of the stream itself reject as they are.
 */
export async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { value, done } = await reader.read();
    if (done) return concatBytes(chunks, size);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
}

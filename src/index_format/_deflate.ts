/**
 * deflate-raw through the web-standard CompressionStream and DecompressionStream, with an output cap
 * so a hostile stream cannot inflate beyond the length the index declares.
 *
 * @module
 */

/** Compress bytes with deflate-raw. */
export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("deflate-raw"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Inflate deflate-raw bytes that must expand to exactly `length` bytes. Returns the bytes, or an error
 * message when the stream is invalid or its output length differs (reading stops as soon as it exceeds).
 */
export async function inflateRaw(bytes: Uint8Array, length: number): Promise<Uint8Array | string> {
  const out = new Uint8Array(length);
  let filled = 0;
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("deflate-raw"),
  ).getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > length) {
        await reader.cancel().catch(() => {});
        return `inflates to more than the declared ${length} bytes`;
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (cause) {
    return `invalid deflate stream (${cause instanceof Error ? cause.message : String(cause)})`;
  }
  if (filled !== length) return `inflates to ${filled} bytes, not the declared ${length}`;
  return out;
}

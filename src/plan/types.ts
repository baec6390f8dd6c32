/**
 * The vocabulary planners speak: byte ranges of an object.
 *
 * @module
 */

/** One byte range of an object: `offset` and `length` in bytes. */
export interface ByteRange {
  /** First byte. */
  offset: number;
  /** Number of bytes. */
  length: number;
}

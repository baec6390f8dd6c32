/**
 * Canonical Huffman codes of RFC 1951 §3.2.2: a lookup table for codes of up to `FAST_BITS` bits,
 * counts and sorted symbols for the longer ones (decoded bit by bit, as zlib's puff does).
 *
 * @module
 */

/** Bits resolved by one table lookup. */
export const FAST_BITS = 11;

/** A decoding table. `fast` entries are `symbol << 4 | length`, 0 when the code is longer. */
export interface Huffman {
  /** Codes of each length, 0 … 15. */
  count: Uint16Array;
  /** Symbols ordered by code. */
  symbol: Uint16Array;
  /** Lookup by the next `FAST_BITS` bits, least significant first. */
  fast: Uint16Array;
}

/**
 * Build the table for code lengths (0 = symbol unused).
 *
 * @param lengths Code length of each symbol.
 * @returns The table, or a reason when the lengths over-subscribe the code space.
 */
export function buildHuffman(lengths: ArrayLike<number>): Huffman | string {
  const count = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]]++;
  count[0] = 0;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len];
    if (left < 0) return "over-subscribed code lengths";
  }
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len] + count[len];
  const symbol = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) if (lengths[s] !== 0) symbol[offsets[lengths[s]]++] = s;
  const fast = new Uint16Array(1 << FAST_BITS);
  let code = 0;
  let index = 0;
  for (let len = 1; len <= FAST_BITS; len++) {
    for (let k = 0; k < count[len]; k++, code++) {
      let reversed = 0;
      for (let b = 0; b < len; b++) reversed |= ((code >> b) & 1) << (len - 1 - b);
      const entry = (symbol[index++] << 4) | len;
      for (let fill = reversed; fill < 1 << FAST_BITS; fill += 1 << len) fast[fill] = entry;
    }
    code <<= 1;
  }
  return { count, symbol, fast };
}

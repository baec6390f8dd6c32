/**
 * A gzip (RFC 1952) and deflate (RFC 1951) decoder that can start in the middle of a stream: at the
 * bit where a deflate block begins, primed with the 32 KiB of output before it (zlib's zran.c idea).
 * While it inflates it can record such access points every few MiB of output, so that a later read
 * starts at the nearest one instead of at the start of the file. Multi-member files are one stream;
 * each member's CRC-32 and ISIZE are checked when its end is inflated.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { crc32 } from "./crc32.ts";
import { buildHuffman, FAST_BITS, type Huffman } from "./_huffman.ts";

/** Where inflating can resume: the start of a deflate block, with the output before it. */
export interface AccessPoint {
  /** Compressed offset of the block, in bits from the start of the file. */
  bit: number;
  /** Uncompressed offset of the block's first byte. */
  out: number;
  /** The output before `out`: its last 32 KiB, or all of it when there is less. */
  window: Uint8Array;
  /** CRC-32 of the member's output before `out`, so its trailer is still checked. */
  crc: number;
  /** Uncompressed offset where the member holding the block begins. */
  memberOut: number;
}

/** Options of an {@linkcode Inflater}. */
export interface InflaterOptions {
  /** Resume at this point (default: the start of the file, a gzip member header). */
  start?: AccessPoint;
  /** Record an access point at the first block boundary after each this many output bytes. */
  spacing?: number;
  /** Receives each access point recorded. */
  onPoint?: (point: AccessPoint) => void;
  /** Name of the file, for messages. */
  name?: string;
  /** `deflate-raw` for a bare RFC 1951 stream without gzip framing (default `gzip`). */
  format?: "gzip" | "deflate-raw";
}

/** Bytes a deflate stream may reach back. */
export const WINDOW_SIZE = 32768;
const CHUNK = 256 * 1024;
const LIMIT = WINDOW_SIZE + CHUNK;
const enum Mode {
  Member,
  Block,
  Codes,
  Stored,
  Trailer,
  Done,
}
const LENGTH_BASE = [
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
];
const DIST_EXTRA = [
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
];
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
let fixed: [Huffman, Huffman] | undefined;

/**
 * Inflate a gzip file fed in pieces. `feed` compressed bytes from `inputOffset` on, call `next` for
 * output until it returns undefined, then feed more (or stop when `done`).
 *
 * @example Inflate a gzip file, and resume at an access point it recorded
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AccessPoint, Inflater } from "./inflate.ts";
 *
 * const text = new TextEncoder().encode("cloudfits ".repeat(50_000));
 * const gz = new Uint8Array(await new Response(
 *   new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).arrayBuffer());
 * const points: AccessPoint[] = [];
 * const all = inflateAll(new Inflater({ spacing: 100_000, onPoint: (p) => points.push(p) }), gz, 0);
 * assert.deepEqual(all, text);
 * assert.ok(points.length > 0);
 * const from = points[0];
 * const rest = inflateAll(new Inflater({ start: from }), gz, Math.floor(from.bit / 8));
 * assert.deepEqual(rest, text.subarray(from.out));
 *
 * function inflateAll(inflater: Inflater, gz: Uint8Array, at: number): Uint8Array {
 *   inflater.feed(gz.subarray(at), true);
 *   const parts: number[] = [];
 *   for (let out = inflater.next(); out; out = inflater.next()) for (const b of out) parts.push(b);
 *   assert.ok(inflater.done);
 *   return new Uint8Array(parts);
 * }
 * ```
 */
export class Inflater {
  #mode: Mode;
  #name: string;
  #spacing: number;
  #onPoint?: (point: AccessPoint) => void;
  #lastPoint: number;
  // Input: bytes [ip, end) of inp are unread; inBase is the file offset of inp[0]. The bit buffer bb
  // holds bc bits, of which the top 8 × pad are zeros standing in for bytes not yet fed.
  #inp = new Uint8Array(0);
  #ip = 0;
  #inBase: number;
  #last = false;
  #bb = 0;
  #bc = 0;
  #pad = 0;
  #skip: number;
  // Output: out[0, op) with out[op - 32 KiB, op) the window; outBase is the file offset of out[0].
  #out = new Uint8Array(LIMIT + 258);
  #op = WINDOW_SIZE;
  #outBase: number;
  #flushed = WINDOW_SIZE;
  #crcAt = WINDOW_SIZE;
  #crc: number;
  #memberOut: number;
  #members = 0;
  #final = false;
  #afterFinal: Mode;
  #stored = 0;
  #lit?: Huffman;
  #dist?: Huffman;

  /**
   * Start at the beginning of a gzip file, or at an access point.
   *
   * @param options Where to start, access points to record, a name for messages.
   */
  constructor(options: InflaterOptions = {}) {
    const start = options.start;
    this.#name = options.name ?? "the gzip stream";
    this.#spacing = options.spacing ?? Infinity;
    this.#onPoint = options.onPoint;
    const raw = options.format === "deflate-raw";
    this.#mode = start || raw ? Mode.Block : Mode.Member;
    this.#afterFinal = raw ? Mode.Done : Mode.Trailer;
    this.#inBase = start ? Math.floor(start.bit / 8) : 0;
    this.#skip = start ? start.bit % 8 : 0;
    this.#outBase = (start?.out ?? 0) - WINDOW_SIZE;
    if (start) this.#out.set(start.window, WINDOW_SIZE - start.window.length);
    this.#crc = start?.crc ?? 0;
    this.#memberOut = start?.memberOut ?? 0;
    this.#members = start || raw ? 1 : 0;
    this.#lastPoint = start?.out ?? 0;
  }

  /** File offset of the next compressed byte to feed. */
  get inputOffset(): number {
    return this.#inBase + this.#inp.length;
  }

  /** Uncompressed offset of the next output byte. */
  get outputOffset(): number {
    return this.#outBase + this.#op;
  }

  /** True once the last member has been inflated and checked. */
  get done(): boolean {
    return this.#mode === Mode.Done;
  }

  /**
   * Add compressed bytes (those at `inputOffset`).
   *
   * @param bytes The next compressed bytes.
   * @param last True when nothing follows them: running out of input is then an error, or the end.
   */
  feed(bytes: Uint8Array, last: boolean): void {
    // Zeros that stood in for missing input were never consumed (the step that needed them was undone).
    this.#bc -= 8 * this.#pad;
    this.#bb = this.#bc === 0 ? 0 : this.#bb & (0xffffffff >>> (32 - this.#bc));
    this.#pad = 0;
    // Keep the 4 bytes before the unread ones: the bit buffer may still hold them, and aligning to a byte
    // (stored blocks, trailers) gives them back to the input.
    const keep = Math.min(this.#ip, 4);
    const rest = this.#inp.subarray(this.#ip - keep);
    const inp = new Uint8Array(rest.length + bytes.length);
    inp.set(rest);
    inp.set(bytes, rest.length);
    this.#inBase += this.#ip - keep;
    this.#inp = inp;
    this.#ip = keep;
    this.#last = last;
  }

  /**
   * Inflate what the input allows, up to 256 KiB.
   *
   * @returns New output (valid until the next call), or undefined when more input is needed or the
   *   stream is done.
   * @throws {CloudFitsError} `BAD_HEADER` for invalid gzip or deflate data, `CHECKSUM` when a member's
   *   CRC-32 or length differs from its trailer, `TRUNCATED` when the last input ends inside a member.
   */
  next(): Uint8Array | undefined {
    if (this.#flushed === this.#op && this.#op >= LIMIT) {
      this.#out.copyWithin(0, this.#op - WINDOW_SIZE, this.#op);
      this.#outBase += this.#op - WINDOW_SIZE;
      this.#op = this.#flushed = this.#crcAt = WINDOW_SIZE;
    }
    let going = true;
    while (going && this.#op < LIMIT) {
      switch (this.#mode) {
        case Mode.Member:
          going = this.#member();
          break;
        case Mode.Block:
          going = this.#block();
          break;
        case Mode.Codes:
          going = this.#codes();
          break;
        case Mode.Stored:
          going = this.#copyStored();
          break;
        case Mode.Trailer:
          going = this.#trailer();
          break;
        case Mode.Done:
          going = false;
      }
    }
    if (this.#op === this.#flushed) return undefined;
    this.#updateCrc();
    const view = this.#out.subarray(this.#flushed, this.#op);
    this.#flushed = this.#op;
    return view;
  }

  #updateCrc(): void {
    this.#crc = crc32(this.#out.subarray(this.#crcAt, this.#op), this.#crc);
    this.#crcAt = this.#op;
  }

  #fail(reason: string): CloudFitsError {
    return new CloudFitsError("BAD_HEADER", `Cannot inflate ${this.#name}: ${reason}`, {
      url: this.#name,
      offset: this.#inBase + this.#ip,
    });
  }

  /** Out of input: wait for more, or fail when there is no more. */
  #starved(where: string): false {
    if (!this.#last) return false;
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot inflate ${this.#name}: the file ends inside ${where} at compressed byte ${this.inputOffset}`,
      { url: this.#name, offset: this.inputOffset },
    );
  }

  /** Drop the bits of a partly read byte, and give whole bytes still in the bit buffer back to the input. */
  #alignToByte(): void {
    this.#bc -= this.#bc & 7;
    this.#ip -= (this.#bc >>> 3) - this.#pad;
    this.#bb = this.#bc = this.#pad = 0;
  }

  #member(): boolean {
    const inp = this.#inp;
    const at = this.#ip;
    const available = inp.length - at;
    const magic = available >= 2 && inp[at] === 0x1f && inp[at + 1] === 0x8b;
    if (this.#members > 0 && !magic && (available >= 2 || this.#last)) {
      // Bytes after a complete member that are not another member (often zero padding) end the file, as
      // gzip(1) treats them.
      this.#mode = Mode.Done;
      return false;
    }
    if (!magic && (available >= 2 || this.#last)) {
      throw this.#fail("it does not start with the gzip magic bytes 1F 8B");
    }
    let p = at + 10;
    if (p <= inp.length) {
      if (inp[at + 2] !== 8) throw this.#fail(`unknown compression method ${inp[at + 2]} in a member header`);
      const flags = inp[at + 3];
      if (flags & 0xe0) throw this.#fail(`reserved flag bits set in a member header (${flags})`);
      if (flags & 4) p = p + 2 > inp.length ? Infinity : p + 2 + (inp[p] | (inp[p + 1] << 8));
      for (const bit of [8, 16]) {
        if (flags & bit) {
          while (p < inp.length && inp[p] !== 0) p++;
          p++;
        }
      }
      if (flags & 2) p += 2;
    }
    if (p > inp.length) return this.#starved("a gzip member header");
    this.#ip = p;
    this.#members++;
    this.#memberOut = this.outputOffset;
    this.#crc = 0;
    this.#crcAt = this.#op;
    this.#mode = Mode.Block;
    return true;
  }

  #recordPoint(): void {
    const out = this.outputOffset;
    if (this.#onPoint === undefined || out - this.#lastPoint < this.#spacing) return;
    this.#lastPoint = out;
    this.#updateCrc();
    const bit = (this.#inBase + this.#ip) * 8 - (this.#bc - 8 * this.#pad) + this.#skip;
    const windowStart = Math.max(this.#op - WINDOW_SIZE, this.#op - (out - this.#memberOut), 0);
    this.#onPoint({
      bit,
      out,
      window: this.#out.slice(Math.max(windowStart, this.#op - out), this.#op),
      crc: this.#crc,
      memberOut: this.#memberOut,
    });
  }

  #refill(): void {
    while (this.#bc < 25) {
      if (this.#ip < this.#inp.length) this.#bb |= this.#inp[this.#ip++] << this.#bc;
      else this.#pad++;
      this.#bc += 8;
    }
  }

  #bits(n: number): number {
    if (this.#bc < n) this.#refill();
    const value = this.#bb & ((1 << n) - 1);
    this.#bb >>>= n;
    this.#bc -= n;
    return value;
  }

  /** Decode bit by bit; -1 for a code that is not in the table. */
  #decodeSlow(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= 15; len++) {
      code |= this.#bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return -1;
  }

  #decode(h: Huffman): number {
    if (this.#bc < 15) this.#refill();
    const entry = h.fast[this.#bb & ((1 << FAST_BITS) - 1)];
    if (entry === 0) return this.#decodeSlow(h);
    this.#bb >>>= entry & 15;
    this.#bc -= entry & 15;
    return entry >> 4;
  }

  get #overrun(): boolean {
    return this.#bc < 8 * this.#pad;
  }

  #block(): boolean {
    this.#recordPoint();
    const saved = [this.#ip, this.#bb, this.#bc, this.#pad];
    const wait = (): boolean => {
      [this.#ip, this.#bb, this.#bc, this.#pad] = saved;
      return this.#starved("a deflate block header");
    };
    if (this.#skip > 0) this.#bits(this.#skip);
    const header = this.#bits(3);
    if (this.#overrun) return wait();
    this.#final = (header & 1) === 1;
    const type = header >> 1;
    if (type === 0) {
      this.#alignToByte();
      if (this.#inp.length - this.#ip < 4) return wait();
      const inp = this.#inp;
      const p = this.#ip;
      const length = inp[p] | (inp[p + 1] << 8);
      if ((length ^ (inp[p + 2] | (inp[p + 3] << 8))) !== 0xffff) {
        throw this.#fail("a stored block's length check");
      }
      this.#ip += 4;
      this.#stored = length;
      this.#mode = Mode.Stored;
    } else if (type === 1) {
      fixed ??= fixedTables();
      [this.#lit, this.#dist] = fixed;
      this.#mode = Mode.Codes;
    } else if (type === 2) {
      try {
        this.#dynamicTables();
      } catch (error) {
        // Zeros standing in for input not yet fed can make any header look invalid.
        if (this.#overrun) return wait();
        throw error;
      }
      if (this.#overrun) return wait();
      this.#mode = Mode.Codes;
    } else {
      throw this.#fail("a deflate block of reserved type 3");
    }
    this.#skip = 0;
    return true;
  }

  #dynamicTables(): void {
    const nlen = this.#bits(5) + 257;
    const ndist = this.#bits(5) + 1;
    const ncode = this.#bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw this.#fail("too many length or distance codes in a block header");
    const clen = new Uint8Array(19);
    for (let i = 0; i < ncode; i++) clen[CLEN_ORDER[i]] = this.#bits(3);
    const codes = this.#table(clen);
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < lengths.length;) {
      const symbol = this.#decode(codes);
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (symbol === 16) {
        if (i === 0) throw this.#fail("a repeated code length with no length before it");
        value = lengths[i - 1];
        repeat = 3 + this.#bits(2);
      } else repeat = symbol === 17 ? 3 + this.#bits(3) : 11 + this.#bits(7);
      if (i + repeat > lengths.length) throw this.#fail("code lengths beyond the block's code count");
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (this.#overrun) return; // the caller waits for input; the tables are rebuilt then
    if (lengths[256] === 0) throw this.#fail("a block without an end-of-block code");
    this.#lit = this.#table(lengths.subarray(0, nlen));
    this.#dist = this.#table(lengths.subarray(nlen));
  }

  #table(lengths: ArrayLike<number>): Huffman {
    const table = buildHuffman(lengths);
    if (typeof table === "string") throw this.#fail(table);
    return table;
  }

  /** The hot loop: literals and matches until the block ends, the output chunk fills or input runs out. */
  #codes(): boolean {
    const lit = this.#lit!;
    const dist = this.#dist!;
    const litFast = lit.fast;
    const distFast = dist.fast;
    const mask = (1 << FAST_BITS) - 1;
    const out = this.#out;
    const inp = this.#inp;
    const inEnd = inp.length;
    // Where the member starts in `out` (negative when before it): matches may not reach further back.
    const memberStart = this.#memberOut - this.#outBase;
    let ip = this.#ip, bb = this.#bb, bc = this.#bc, pad = this.#pad, op = this.#op;
    const save = (): void => {
      this.#ip = ip;
      this.#bb = bb;
      this.#bc = bc;
      this.#pad = pad;
      this.#op = op;
    };
    const load = (): void => {
      ip = this.#ip;
      bb = this.#bb;
      bc = this.#bc;
      pad = this.#pad;
    };
    while (op < LIMIT) {
      const sip = ip, sbb = bb, sbc = bc, spad = pad;
      while (bc < 25) {
        if (ip < inEnd) bb |= inp[ip++] << bc;
        else pad++;
        bc += 8;
      }
      let symbol: number;
      let entry = litFast[bb & mask];
      if (entry !== 0) {
        bb >>>= entry & 15;
        bc -= entry & 15;
        symbol = entry >> 4;
      } else {
        save();
        symbol = this.#decodeSlow(lit);
        load();
      }
      if (symbol < 256 && symbol >= 0) {
        if (bc < 8 * pad) {
          save();
          return this.#undo(sip, sbb, sbc, spad);
        }
        out[op++] = symbol;
        continue;
      }
      if (symbol === 256) {
        save();
        if (bc < 8 * pad) return this.#undo(sip, sbb, sbc, spad);
        this.#mode = this.#final ? this.#afterFinal : Mode.Block;
        return true;
      }
      if (symbol < 0 || symbol > 285) {
        save();
        return this.#invalid(`length symbol ${symbol}`, sip, sbb, sbc, spad);
      }
      // At least 10 bits remain after a code of at most 15: enough for a length's 5 extra bits.
      const l = symbol - 257;
      const lengthExtra = LENGTH_EXTRA[l];
      const length = LENGTH_BASE[l] + (bb & ((1 << lengthExtra) - 1));
      bb >>>= lengthExtra;
      bc -= lengthExtra;
      while (bc < 25) {
        if (ip < inEnd) bb |= inp[ip++] << bc;
        else pad++;
        bc += 8;
      }
      let d: number;
      entry = distFast[bb & mask];
      if (entry !== 0) {
        bb >>>= entry & 15;
        bc -= entry & 15;
        d = entry >> 4;
      } else {
        save();
        d = this.#decodeSlow(dist);
        load();
      }
      if (d < 0 || d >= 30) {
        save();
        return this.#invalid(`distance symbol ${d}`, sip, sbb, sbc, spad);
      }
      while (bc < 25) {
        if (ip < inEnd) bb |= inp[ip++] << bc;
        else pad++;
        bc += 8;
      }
      const distExtra = DIST_EXTRA[d];
      const distance = DIST_BASE[d] + (bb & ((1 << distExtra) - 1));
      bb >>>= distExtra;
      bc -= distExtra;
      if (bc < 8 * pad) {
        save();
        return this.#undo(sip, sbb, sbc, spad);
      }
      if (distance > op - memberStart) {
        save();
        throw this.#fail(`a match ${distance} bytes back, before the start of the member`);
      }
      for (const stop = op + length; op < stop; op++) out[op] = out[op - distance];
    }
    save();
    return true;
  }

  /** An invalid code: an error, unless it was read from zeros standing in for input not yet fed. */
  #invalid(what: string, ip: number, bb: number, bc: number, pad: number): boolean {
    if (this.#overrun) return this.#undo(ip, bb, bc, pad);
    throw this.#fail(`invalid ${what} (the data is damaged)`);
  }

  #undo(ip: number, bb: number, bc: number, pad: number): boolean {
    this.#ip = ip;
    this.#bb = bb;
    this.#bc = bc;
    this.#pad = pad;
    return this.#starved("a deflate block");
  }

  #copyStored(): boolean {
    const available = this.#inp.length - this.#ip;
    const n = Math.min(this.#stored, available, LIMIT - this.#op);
    this.#out.set(this.#inp.subarray(this.#ip, this.#ip + n), this.#op);
    this.#ip += n;
    this.#op += n;
    this.#stored -= n;
    if (this.#stored === 0) {
      this.#mode = this.#final ? this.#afterFinal : Mode.Block;
      return true;
    }
    return available === n ? this.#starved("a stored block") : true;
  }

  #trailer(): boolean {
    this.#alignToByte();
    const inp = this.#inp;
    const p = this.#ip;
    if (inp.length - p < 8) return this.#starved("a gzip member trailer");
    const view = new DataView(inp.buffer, inp.byteOffset + p, 8);
    this.#updateCrc();
    const size = (this.outputOffset - this.#memberOut) % 2 ** 32;
    if (view.getUint32(0, true) !== this.#crc || view.getUint32(4, true) !== size) {
      throw new CloudFitsError(
        "CHECKSUM",
        `Cannot inflate ${this.#name}: the member ending at compressed byte ${
          this.#inBase + p + 8
        } fails its CRC-32 or length check (the data is damaged)`,
        { url: this.#name, offset: this.#inBase + p },
      );
    }
    this.#ip += 8;
    this.#mode = Mode.Member;
    return true;
  }
}

/**
 * Inflate a whole deflate-raw stream that must expand to exactly `length` bytes, synchronously.
 *
 * @param bytes The stream.
 * @param length Its expected output length.
 * @returns The output, or the reason it is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inflateRawSync } from "./inflate.ts";
 *
 * const stored = new Uint8Array([1, 3, 0, 252, 255, 7, 8, 9]); // one stored block: 7, 8, 9
 * assert.deepEqual(inflateRawSync(stored, 3), new Uint8Array([7, 8, 9]));
 * assert.match(String(inflateRawSync(stored, 4)), /3 bytes, not 4/);
 * ```
 */
export function inflateRawSync(bytes: Uint8Array, length: number): Uint8Array | string {
  const inflater = new Inflater({ format: "deflate-raw", name: "a deflate stream" });
  const out = new Uint8Array(length);
  let filled = 0;
  try {
    inflater.feed(bytes, true);
    for (let chunk = inflater.next(); chunk; chunk = inflater.next()) {
      if (filled + chunk.length > length) return `inflates to more than ${length} bytes`;
      out.set(chunk, filled);
      filled += chunk.length;
    }
  } catch (error) {
    return (error as Error).message;
  }
  return filled === length ? out : `inflates to ${filled} bytes, not ${length}`;
}

function fixedTables(): [Huffman, Huffman] {
  const lit = new Uint8Array(288);
  lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return [buildHuffman(lit) as Huffman, buildHuffman(new Uint8Array(30).fill(5)) as Huffman];
}

/**
 * Seeded pseudo-random numbers and the mutators of the fuzzer: generic byte mutations, FITS-aware card
 * mutations and index-aware mutations (with CRC-32C repair so that structural checks, not just the
 * CRCs, are exercised). Everything is a pure function of the seed, so a case is reproduced from
 * (seed, target, case number) alone.
 *
 * @module
 */
import { concatBytes } from "../../src/_bytes.ts";
import { crc32c } from "../../src/index_format/_crc32c.ts";

/** A small, fast, seeded generator (mulberry32). */
export class Rng {
  #state: number;

  /** @param seed Any 32-bit integer. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in `[0, n)`; 0 when `n` ≤ 0. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 0x100000000) * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** FNV-1a of a string, for mixing target names into seeds. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The generator of one case: independent of every other case, so any case replays on its own. */
export function caseRng(seed: number, target: string, caseIndex: number): Rng {
  let h = (seed ^ hashString(target)) >>> 0;
  h = Math.imul(h ^ (caseIndex + 0x9e3779b9), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return new Rng(h ^ (h >>> 16));
}

const CARD = 80;
const BLOCK = 2880;
const ASCII = new TextEncoder();
const LATIN1 = new TextDecoder("latin1");

/** Byte values that tend to matter: delimiters, digits, signs, END letters, high bytes. */
const INTERESTING_BYTES = [
  0x00,
  0x20,
  0x27,
  0x2f,
  0x3d,
  0x2d,
  0x2b,
  0x2e,
  0x30,
  0x31,
  0x39,
  0x45,
  0x44,
  0x4e,
  0x7f,
  0x80,
  0xff,
];

/** Numeric texts that probe overflow, sign, precision and parsing limits. */
export const EXTREME_NUMBERS: readonly string[] = [
  "0",
  "-1",
  "1",
  "2147483647",
  "2147483648",
  "-2147483649",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "-9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "18446744073709551616",
  "1000000000000000",
  "1E15",
  "1E30",
  "1.0E308",
  "1E309",
  "-1E30",
  "1.5",
  "0.5",
  "NaN",
  "Infinity",
  "-0",
  "1D300",
  "99999999999999999999999999999",
  "''",
  "'1'",
  "T",
  "F",
  "(1, 2)",
  "",
];

/** Keywords whose values decide sizes and layouts. */
export const STRUCTURAL_KEYWORDS: readonly string[] = [
  "BITPIX",
  "NAXIS",
  "NAXIS1",
  "NAXIS2",
  "NAXIS3",
  "NAXIS4",
  "PCOUNT",
  "GCOUNT",
  "TFIELDS",
  "THEAP",
  "TFORM",
  "TDIM",
  "TBCOL",
  "TSCAL",
  "TZERO",
  "TNULL",
  "BSCALE",
  "BZERO",
  "BLANK",
  "ZNAXIS",
  "ZNAXIS1",
  "ZNAXIS2",
  "ZTILE1",
  "ZTILE2",
  "ZBITPIX",
  "ZCMPTYPE",
  "EXTVER",
  "GROUPS",
  "XTENSION",
];

const TFORM_VALUES = [
  "1000000000000000J",
  "9007199254740993E",
  "2147483648A",
  "4294967296B",
  "0J",
  "-1J",
  "1J",
  "J",
  "9Z",
  "PJ(1000000000000000)",
  "PJ(2147483648)",
  "1PE(99999999999)",
  "QD(1000000000000000)",
  "2PJ",
  "PZ",
  "P",
  "Q",
  "1QJ(",
  "100000000X",
  "0X",
  "1000000000C",
  "1000000000M",
  "A1000000000000",
  "I1000000000000",
  "F1000000000.3",
  "E12.1000000",
  "D",
  "",
];

const TDIM_VALUES = [
  "(1000000000000000)",
  "(0)",
  "(2147483648,2)",
  "(3,-1)",
  "()",
  "(",
  "(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)",
  "(4,3)",
  "(9007199254740993,9007199254740993)",
  "(a,b)",
];

const XTENSION_VALUES = ["IMAGE", "BINTABLE", "TABLE", "A3DTABLE", "FOREIGN", "", "bintable"];

const ZCMPTYPE_VALUES = ["RICE_1", "GZIP_1", "GZIP_2", "HCOMPRESS_1", "PLIO_1", "NOCOMPRESS", "ZIP", ""];

function randomBytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.next() & 0xff;
  return out;
}

/** Offsets of the 80-byte-aligned cards whose keyword field is a plausible keyword. */
export function cardOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + CARD <= bytes.length; at += CARD) {
    const c = bytes[at];
    if (c >= 0x41 && c <= 0x5a && bytes[at + 8] === 0x3d) out.push(at);
  }
  return out;
}

function keywordAt(bytes: Uint8Array, at: number): string {
  return LATIN1.decode(bytes.subarray(at, at + 8)).trimEnd();
}

function writeCard(bytes: Uint8Array, at: number, text: string): void {
  bytes.set(ASCII.encode(text.padEnd(CARD).slice(0, CARD)), at);
}

/** A value field for a keyword: numbers right-justified in columns 11–30, strings quoted. */
function valueFor(keyword: string, rng: Rng): string {
  const stringy = (values: readonly string[]): string => `'${rng.pick(values).padEnd(8)}'`;
  if (/^TFORM/.test(keyword)) return stringy(TFORM_VALUES);
  if (/^TDIM/.test(keyword)) return stringy(TDIM_VALUES);
  if (keyword === "XTENSION") return stringy(XTENSION_VALUES);
  if (keyword === "ZCMPTYPE") return stringy(ZCMPTYPE_VALUES);
  if (keyword === "BITPIX" || keyword === "ZBITPIX") {
    return rng.pick(["8", "16", "32", "64", "-32", "-64", "0", "7", "-8", "128", "'16'"]).padStart(20);
  }
  if (keyword === "NAXIS" || keyword === "ZNAXIS") {
    return rng.pick(["0", "1", "2", "3", "4", "999", "1000", "-1", "2147483648"]).padStart(20);
  }
  return rng.pick(EXTREME_NUMBERS).padStart(20);
}

function numberedKeyword(base: string, rng: Rng): string {
  if (/^(TFORM|TDIM|TBCOL|TSCAL|TZERO|TNULL)$/.test(base)) return `${base}${1 + rng.int(30)}`;
  return base;
}

/** A mutation of FITS bytes; returns the new bytes (possibly the same array, modified). */
export type FitsMutator = (bytes: Uint8Array, rng: Rng, donors: readonly Uint8Array[]) => Uint8Array;

/** The FITS mutators by name, so failures can say which ones ran. */
export const FITS_MUTATORS: Readonly<Record<string, FitsMutator>> = {
  bitFlip(bytes, rng) {
    if (bytes.length === 0) return bytes;
    for (let n = 1 + rng.int(8); n > 0; n--) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
    return bytes;
  },
  byteSet(bytes, rng) {
    if (bytes.length === 0) return bytes;
    for (let n = 1 + rng.int(4); n > 0; n--) bytes[rng.int(bytes.length)] = rng.pick(INTERESTING_BYTES);
    return bytes;
  },
  insertBlock(bytes, rng, donors) {
    const at = rng.chance(0.5)
      ? rng.int(Math.floor(bytes.length / CARD) + 1) * CARD
      : rng.int(bytes.length + 1);
    const length = rng.pick([1, CARD, BLOCK, rng.int(3 * BLOCK) + 1]);
    const donor = rng.pick(donors);
    const from = rng.int(Math.max(1, donor.length - length));
    const piece = rng.chance(0.5) ? donor.slice(from, from + length) : randomBytes(rng, length);
    return concatBytes([bytes.subarray(0, at), piece, bytes.subarray(at)]);
  },
  deleteBlock(bytes, rng) {
    if (bytes.length === 0) return bytes;
    const at = rng.chance(0.5) ? rng.int(Math.floor(bytes.length / CARD)) * CARD : rng.int(bytes.length);
    const length = rng.pick([1, CARD, BLOCK, rng.int(2 * BLOCK) + 1]);
    return concatBytes([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + length))]);
  },
  spliceCard(bytes, rng, donors) {
    const donor = rng.pick(donors);
    const donorCards = cardOffsets(donor);
    const cards = cardOffsets(bytes);
    if (donorCards.length === 0 || cards.length === 0) return bytes;
    const card = donor.subarray(rng.pick(donorCards)).subarray(0, CARD);
    const at = rng.pick(cards);
    if (rng.chance(0.5)) {
      bytes.set(card, at);
      return bytes;
    }
    return concatBytes([bytes.subarray(0, at), card, bytes.subarray(at)]);
  },
  extremeValue(bytes, rng) {
    const cards = cardOffsets(bytes);
    if (cards.length === 0) return bytes;
    const at = rng.pick(cards);
    const keyword = keywordAt(bytes, at);
    writeCard(bytes, at, `${keyword.padEnd(8)}= ${valueFor(keyword, rng)}`);
    return bytes;
  },
  structuralValue(bytes, rng) {
    const cards = cardOffsets(bytes);
    if (cards.length === 0) return bytes;
    const base = rng.pick(STRUCTURAL_KEYWORDS);
    const matching = cards.filter((at) => keywordAt(bytes, at).startsWith(base));
    const keyword = matching.length > 0 ? keywordAt(bytes, rng.pick(matching)) : numberedKeyword(base, rng);
    const card = `${keyword.padEnd(8)}= ${valueFor(keyword, rng)}`;
    if (matching.length > 0) {
      for (const at of matching) if (keywordAt(bytes, at) === keyword) writeCard(bytes, at, card);
      return bytes;
    }
    // Absent: overwrite a random card with it, so new keywords (THEAP, TDIM, ZNAXIS) appear.
    writeCard(bytes, rng.pick(cards), card);
    return bytes;
  },
  truncate(bytes, rng) {
    const cut = rng.chance(0.3)
      ? rng.int(Math.floor(bytes.length / BLOCK) + 1) * BLOCK
      : rng.int(bytes.length + 1);
    return bytes.slice(0, cut);
  },
  duplicateEnd(bytes, rng) {
    const cards = cardOffsets(bytes);
    if (cards.length === 0) return bytes;
    const at = rng.pick(cards);
    const end = ASCII.encode("END".padEnd(CARD));
    if (rng.chance(0.5)) {
      bytes.set(end, at);
      return bytes;
    }
    return concatBytes([bytes.subarray(0, at), end, bytes.subarray(at)]);
  },
  /** A big-endian 32-bit extreme at an aligned offset: hits VLA descriptors, counts and pixel values. */
  wordExtreme(bytes, rng) {
    if (bytes.length < 4) return bytes;
    const at = rng.int(Math.floor(bytes.length / 4)) * 4;
    const value = rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, bytes.length, bytes.length - 1, 2880]);
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, value);
    return bytes;
  },
  /**
   * Make the rows of one table zero bytes wide (NAXIS1 = 0, each TFORMn repeat 0, TDIMn dropped) and
   * claim an extreme NAXIS2: the data is empty, so nothing but the header bounds the row count.
   */
  collapseRows(bytes, rng) {
    const cards = cardOffsets(bytes);
    const tables = cards.filter((at) =>
      /^XTENSION= '(BINTABLE|TABLE)/.test(LATIN1.decode(bytes.subarray(at, at + 20)))
    );
    if (tables.length === 0) return bytes;
    const first = rng.pick(tables);
    for (const at of cards) {
      if (at < first) continue;
      const keyword = keywordAt(bytes, at);
      if (at > first && keyword === "XTENSION") break;
      if (keyword === "NAXIS1") writeCard(bytes, at, `NAXIS1  = ${"0".padStart(20)}`);
      if (keyword === "NAXIS2") {
        writeCard(
          bytes,
          at,
          `NAXIS2  = ${rng.pick(["1000000000000000", "2147483648", "1000000000"]).padStart(20)}`,
        );
      }
      if (/^TDIM\d+$/.test(keyword)) writeCard(bytes, at, "COMMENT");
      const tform = /^TFORM\d+$/.test(keyword)
        ? /'\s*\d*([A-Z][^']*)'/.exec(LATIN1.decode(bytes.subarray(at + 10, at + 80)))
        : null;
      if (tform) writeCard(bytes, at, `${keyword.padEnd(8)}= '0${tform[1].trimEnd()}'`);
    }
    return bytes;
  },
  removeEnd(bytes) {
    for (let at = 0; at + CARD <= bytes.length; at += CARD) {
      if (bytes[at] === 0x45 && bytes[at + 1] === 0x4e && bytes[at + 2] === 0x44 && bytes[at + 3] === 0x20) {
        writeCard(bytes, at, "COMMENT");
        return bytes;
      }
    }
    return bytes;
  },
};

const FITS_MUTATOR_NAMES = Object.keys(FITS_MUTATORS);

/**
 * Apply one to four (rarely up to eight) random FITS mutations to a copy of `seed`.
 *
 * @returns The mutated bytes and the names of the mutators applied, in order.
 */
export function mutateFits(
  seed: Uint8Array,
  rng: Rng,
  donors: readonly Uint8Array[],
): { bytes: Uint8Array; steps: string[] } {
  let bytes: Uint8Array = seed.slice();
  const steps: string[] = [];
  const count = rng.chance(0.1) ? 1 + rng.int(8) : 1 + rng.int(4);
  for (let i = 0; i < count; i++) {
    const name = rng.pick(FITS_MUTATOR_NAMES);
    bytes = FITS_MUTATORS[name](bytes, rng, donors);
    steps.push(name);
  }
  return { bytes, steps };
}

// ---------------------------------------------------------------------------------------------------
// Index mutations (FCI v1, docs/index-format.md): fixed header of 64 bytes with its CRC at 60, section
// table of 32-byte entries from 64 with its CRC at 36, section payload CRCs at entry + 24, and leaf
// CRCs inside the DIRECTORY section.

const FIXED_HEADER = 64;
const SECTION_ENTRY = 32;
const DIRECTORY_TYPE = 2;

/** A varint encoding of `value` (unsigned LEB128), optionally padded to an overlong form. */
function encodeVarint(value: number, overlong = 0): Uint8Array {
  const out: number[] = [];
  let v = value;
  do {
    out.push(v % 128);
    v = Math.floor(v / 128);
  } while (v > 0);
  for (let i = 0; i < overlong; i++) out.push(0);
  for (let i = 0; i < out.length - 1; i++) out[i] |= 0x80;
  return new Uint8Array(out);
}

const INFLATED_VALUES = [
  0,
  1,
  127,
  128,
  2 ** 31,
  2 ** 32,
  1e12,
  1e15,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 56,
];

/** The index mutators by name. */
export const INDEX_MUTATORS: Readonly<Record<string, FitsMutator>> = {
  bitFlip: FITS_MUTATORS.bitFlip,
  byteSet: FITS_MUTATORS.byteSet,
  truncate(bytes, rng) {
    return bytes.slice(0, rng.int(bytes.length + 1));
  },
  deleteBytes(bytes, rng) {
    const at = rng.int(bytes.length);
    return concatBytes([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + rng.int(16)))]);
  },
  insertBytes(bytes, rng) {
    const at = rng.int(bytes.length + 1);
    return concatBytes([bytes.subarray(0, at), randomBytes(rng, 1 + rng.int(16)), bytes.subarray(at)]);
  },
  /** Replace one byte (often a varint) with the varint of a large or boundary value. */
  varintInflate(bytes, rng) {
    const at = FIXED_HEADER + rng.int(Math.max(1, bytes.length - FIXED_HEADER));
    if (at >= bytes.length) return bytes;
    let end = at;
    while (end < bytes.length && end - at < 9 && bytes[end] & 0x80) end++;
    const value = rng.pick(INFLATED_VALUES);
    const encoded = rng.chance(0.2) ? encodeVarint(value, 1 + rng.int(3)) : encodeVarint(value);
    return concatBytes([bytes.subarray(0, at), encoded, bytes.subarray(Math.min(bytes.length, end + 1))]);
  },
  /** Change the 7 value bits of one byte of the leaves (file records), keeping the varint's length. */
  recordTweak(bytes, rng) {
    if (bytes.length < FIXED_HEADER) return bytes;
    const leavesStart = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(32, true);
    if (leavesStart >= bytes.length) return bytes;
    const at = leavesStart + rng.int(Math.min(bytes.length - leavesStart, rng.chance(0.7) ? 600 : Infinity));
    bytes[at] = (bytes[at] & 0x80) | rng.pick([0, 1, 2, 0x7f, rng.int(0x80)]);
    return bytes;
  },
  /** Set a 32- or 64-bit little-endian field of the fixed header or the section table to an extreme. */
  fieldExtreme(bytes, rng) {
    const limit = Math.min(bytes.length, FIXED_HEADER + 4 * SECTION_ENTRY);
    if (limit < 8) return bytes;
    const at = rng.int(Math.floor(limit / 4)) * 4;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const value = rng.pick([0, 1, 0xffffffff, 0x7fffffff, 0x80000000, bytes.length, bytes.length + 1, 16384]);
    if (at + 4 <= bytes.length) view.setUint32(at, value, true);
    if (rng.chance(0.3) && at + 8 <= bytes.length) {
      view.setUint32(at + 4, rng.pick([0, 1, 0x200000, 0xffffffff]), true);
    }
    return bytes;
  },
};

const INDEX_MUTATOR_NAMES = Object.keys(INDEX_MUTATORS);

/** Read a varint for CRC repair; undefined when it runs off the bytes. */
function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 9 && at + i < bytes.length; i++) {
    value += (bytes[at + i] & 0x7f) * scale;
    if ((bytes[at + i] & 0x80) === 0) return { value, next: at + i + 1 };
    scale *= 128;
  }
  return undefined;
}

/** Recompute the CRCs of the leaves listed in a DIRECTORY payload at `[start, end)`, best effort. */
function repairLeafCrcs(bytes: Uint8Array, start: number, end: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = start;
  const step = (): number | undefined => {
    const v = at < end ? readVarint(bytes, at) : undefined;
    if (!v) return undefined;
    at = v.next;
    return v.value;
  };
  step(); // file count
  const leaves = step();
  if (leaves === undefined) return;
  for (let i = 0; i < leaves && at < end; i++) {
    step(); // shared prefix
    const suffix = step();
    if (suffix === undefined) return;
    at += suffix;
    step(); // file count
    const offset = step();
    const length = step();
    if (offset === undefined || length === undefined || at + 4 > end) return;
    if (offset + length <= bytes.length) {
      view.setUint32(at, crc32c(bytes.subarray(offset, offset + length)), true);
    }
    at += 4;
  }
}

/**
 * Recompute every CRC-32C an index carries, from the innermost out (leaf CRCs in the DIRECTORY, section
 * CRCs, section-table CRC, fixed-header CRC), reading the possibly damaged structure as far as it goes.
 */
export function repairIndexCrcs(bytes: Uint8Array): Uint8Array {
  if (bytes.length < FIXED_HEADER) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections = Math.min(view.getUint32(20, true), 256);
  const tableEnd = FIXED_HEADER + sections * SECTION_ENTRY;
  if (tableEnd <= bytes.length) {
    for (let i = 0; i < sections; i++) {
      const base = FIXED_HEADER + i * SECTION_ENTRY;
      const offset = Number(view.getBigUint64(base + 8, true));
      const length = Number(view.getBigUint64(base + 16, true));
      if (offset + length > bytes.length) continue;
      if (view.getUint16(base, true) === DIRECTORY_TYPE) repairLeafCrcs(bytes, offset, offset + length);
      view.setUint32(base + 24, crc32c(bytes.subarray(offset, offset + length)), true);
    }
    view.setUint32(36, crc32c(bytes.subarray(FIXED_HEADER, tableEnd)), true);
  }
  view.setUint32(60, crc32c(bytes.subarray(0, 60)), true);
  return bytes;
}

/**
 * Mutate a copy of an index: one to three index mutations, then (most of the time) every CRC repaired,
 * and sometimes the total length in the fixed header set to the new size, so decoding gets past the
 * integrity checks into the structural ones.
 */
export function mutateIndex(seed: Uint8Array, rng: Rng): { bytes: Uint8Array; steps: string[] } {
  let bytes: Uint8Array = seed.slice();
  const steps: string[] = [];
  for (let n = rng.chance(0.6) ? 1 : 2 + rng.int(2); n > 0; n--) {
    const name = rng.chance(0.3) ? "recordTweak" : rng.pick(INDEX_MUTATOR_NAMES);
    bytes = INDEX_MUTATORS[name](bytes, rng, []);
    steps.push(name);
  }
  if (rng.chance(0.8) && bytes.length >= FIXED_HEADER) {
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(
      24,
      BigInt(bytes.length),
      true,
    );
    steps.push("fixTotal");
  }
  if (rng.chance(0.8)) {
    bytes = repairIndexCrcs(bytes);
    steps.push("repairCrcs");
  }
  return { bytes, steps };
}

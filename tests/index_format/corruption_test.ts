import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c } from "../../src/index_format/_crc32c.ts";
import { SECTION_REQUIRED } from "../../src/index_format/_layout.ts";
import { type IndexParts, layoutIndex } from "../../src/index_format/_assemble.ts";
import { concatBytes } from "../../src/_bytes.ts";
import { ByteWriter } from "../../src/index_format/_varint.ts";
import { decodeIndex } from "../../src/read/index.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { countedIndex, indexedFixture } from "./_support.ts";
import { rejectsWith } from "../_support/expect_error.ts";

const file = await indexedFixture("mef_images.fits");
const good = await encodeIndex([file], { createdMs: 5, indexer: "test" });
const view = new DataView(good.buffer);
const metaOffset = Number(view.getBigUint64(64 + 8, true));
const directoryOffset = Number(view.getBigUint64(64 + 32 + 8, true));
const leafOffset = view.getUint32(32, true);

/** Decode, then read every file, so that damage anywhere surfaces. */
async function openAll(bytes: Uint8Array): Promise<number> {
  const index = await decodeIndex(bytes);
  let hdus = 0;
  for await (const decoded of index.files()) hdus += decoded.hdus.length;
  return hdus;
}

function flipped(at: number): Uint8Array {
  const bytes = good.slice();
  bytes[at] ^= 0x20;
  return bytes;
}

async function rejectsBadIndex(bytes: Uint8Array, message: RegExp): Promise<void> {
  await rejectsWith(openAll(bytes), "BAD_INDEX", message);
}

test("the intact index decodes", async () => {
  assert.equal(await openAll(good), file.hdus.length);
});

test("a flipped byte in each part is a BAD_INDEX error naming the part", async () => {
  await rejectsBadIndex(flipped(1), /not a cloudfits index \(bad magic\)/);
  await rejectsBadIndex(flipped(44), /the fixed header fails its CRC-32C/);
  await rejectsBadIndex(flipped(64 + 5), /the section table fails its CRC-32C/);
  await rejectsBadIndex(flipped(metaOffset + 1), /the META section fails its CRC-32C/);
  await rejectsBadIndex(flipped(directoryOffset + 2), /the DIRECTORY section fails its CRC-32C/);
  await rejectsBadIndex(flipped(leafOffset + 3), /leaf 0 at offset \d+ fails its CRC-32C/);
  await rejectsBadIndex(flipped(good.length - 10), /leaf 0 at offset \d+ fails its CRC-32C/);
});

test("a truncated index is refused, as bytes or through a source", async () => {
  for (const length of [0, 10, 63, 100, good.length - 1]) {
    await rejectsBadIndex(good.subarray(0, length), /fewer than the 64-byte fixed header|truncated/);
  }
  // A source whose size is unknown and whose object ends early.
  const source = { ...countedIndex(good.subarray(0, good.length - 5)), size: undefined };
  await assert.rejects(decodeIndex(source), /truncated: got \d+ bytes of \d+/);
});

test("an unknown major version and unknown required flags are refused", async () => {
  const parts = { createdMs: 0, requiredFlags: 0, optionalFlags: 0, meta: meta(), leaves: [], fileCount: 0 };
  assert.equal((await decodeIndex(assembleIndex(parts))).fileCount, 0);
  await assert.rejects(
    decodeIndex(assembleIndex({ ...parts, majorVersion: 2 })),
    /unsupported major version 2\.0/,
  );
  await assert.rejects(
    decodeIndex(assembleIndex({ ...parts, requiredFlags: 4 })),
    /unknown required feature flags 0x4/,
  );
  // Unknown optional flags are ignored.
  assert.equal((await decodeIndex(assembleIndex({ ...parts, optionalFlags: 0x80 }))).fileCount, 0);
});

test("unknown optional sections are skipped unread; unknown required sections are refused", async () => {
  const base = await encodeIndex([file], { createdMs: 0 });
  const leafStart = new DataView(base.buffer).getUint32(32, true);
  const directory = decodeParts(base);
  const tiles = { type: 77, flags: 0, bytes: new Uint8Array(100_000).fill(7) };
  const withOptional = assembleIndex({ ...directory, extraSections: [tiles] });
  const source = countedIndex(withOptional);
  const index = await decodeIndex(source);
  assert.equal((await index.findFile(file.path))?.hdus.length, file.hdus.length);
  assert.deepEqual(
    source.stats.ranges,
    [{ offset: 0, length: 65536 }],
    "the optional section is never fetched",
  );
  assert.ok(leafStart > 0);
  await assert.rejects(
    decodeIndex(assembleIndex({ ...directory, extraSections: [{ ...tiles, flags: SECTION_REQUIRED }] })),
    /unknown required section type 77/,
  );
});

/** Marks the case that must decode, so the hostile ones are known to fail for their stated reason. */
const CONTROL = /control/;
/** Bytes after a hostile field, so that the HDU count (bounded by the bytes left) is believable. */
const FILLER = new Uint8Array(64);

test("hostile counts and lengths are rejected before anything is allocated", async () => {
  const parts = { createdMs: 0, requiredFlags: 0, optionalFlags: 0, meta: meta(), fileCount: 1 };
  const leaf = (build: (writer: ByteWriter) => void): Uint8Array => {
    const writer = new ByteWriter();
    build(writer);
    return writer.finish();
  };
  const header = (writer: ByteWriter, size: number): void => {
    writer.varint(1); // files
    writer.varint(0); // inflated text length
    writer.varint(0); // shared prefix
    writer.string("a.fits");
    writer.varint(8); // HEADER_COMPLETE
    writer.varint(size);
  };
  const cases: [Uint8Array, RegExp][] = [
    [
      leaf((w) => {
        header(w, 1000);
        w.varint(2 ** 50); // HDU count
      }),
      /HDU count of 'a.fits' 1125899906842624 exceeds \d+/,
    ],
    [
      leaf((w) => {
        w.varint(1);
        w.varint(2 ** 52); // inflated text length far beyond what deflate can produce
      }),
      /inflated header text length 4503599627370496 exceeds/,
    ],
    [
      leaf((w) => {
        header(w, 2880 * 3);
        w.varint(1);
        w.u8(0); // PRIMARY
        w.varint(0);
        w.varint(35); // 35 cards: one block
        w.varint(1_000_000); // data far beyond the 8,640-byte file
        w.bytes(FILLER);
      }),
      /data size of HDU 0 of 'a.fits' 1000000 exceeds 8640/,
    ],
    [
      leaf((w) => {
        header(w, 2880 * 3);
        w.varint(1);
        w.u8(0);
        w.varint(0);
        w.varint(35);
        w.varint(2880 * 2); // data 2880 .. 8640 ends exactly at the end of the file
        w.signed(8);
        w.varint(1);
        w.varint(5760);
        w.varint(0);
        w.varint(1);
        w.u32(0);
        w.varint(0);
      }),
      CONTROL,
    ],
    [
      leaf((w) => {
        header(w, 2880 * 2);
        w.varint(1);
        w.u8(0);
        w.varint(0);
        w.varint(35);
        w.varint(2881); // data 2880 .. 5761 exceeds the 5,760-byte file
        w.bytes(FILLER);
      }),
      /HDU 0 of 'a.fits' ends at byte 5761, beyond the file's 5760 bytes/,
    ],
    [
      leaf((w) => {
        header(w, 2880 * 2);
        w.varint(1);
        w.u8(0);
        w.varint(128); // HEADER_OFFSET
        w.bytes(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])); // 2^53: not a safe integer
        w.bytes(FILLER);
      }),
      /exceeds 2\^53 - 1/,
    ],
    [
      leaf((w) => {
        header(w, 2880 * 2);
        w.varint(1);
        w.u8(9); // unknown kind
        w.bytes(FILLER);
      }),
      /unknown kind 9/,
    ],
  ];
  for (const [bytes, message] of cases) {
    const index = assembleIndex({ ...parts, leaves: [{ firstPath: "a.fits", fileCount: 1, bytes }] });
    if (message === CONTROL) {
      // The control case: a record that stays inside the file decodes.
      assert.equal((await (await decodeIndex(index)).findSummary("a.fits"))?.hdus[0].dataSize, 5760);
      continue;
    }
    await rejectsBadIndex(index, message);
  }
  // A directory claiming a huge leaf count, or a leaf outside the index.
  const directoryLies = good.slice();
  const hostile = new ByteWriter();
  hostile.varint(1);
  hostile.varint(2 ** 40);
  await rejectsBadIndex(patchDirectory(directoryLies, hostile.finish()), /leaf count 1099511627776 exceeds/);
  const outside = new ByteWriter();
  outside.varint(1);
  outside.varint(1);
  outside.varint(0);
  outside.string("a");
  outside.varint(1);
  outside.varint(10);
  outside.varint(2 ** 40);
  outside.u32(0);
  await rejectsBadIndex(
    patchDirectory(good.slice(), outside.finish()),
    /leaf 0 at 10 \(\+1099511627776\) lies outside/,
  );
});

test("header text that does not match its CRC-32C is refused", async () => {
  const tampered = await encodeIndex([{ ...file, hdus: file.hdus.slice(0, 1) }], { createdMs: 0 });
  // Rewrite the stored header CRC of HDU 0 and re-seal the leaf and directory CRCs.
  const parts = decodeParts(tampered);
  const leafBytes = parts.leaves[0].bytes.slice();
  const crc = crc32c(file.hdus[0].header.bytes);
  const at = findU32(leafBytes, crc);
  new DataView(leafBytes.buffer).setUint32(at, crc ^ 1, true);
  const resealed = assembleIndex({ ...parts, leaves: [{ ...parts.leaves[0], bytes: leafBytes }] });
  await rejectsBadIndex(resealed, /header of HDU 0 fails its CRC-32C/);
});

function meta(): Uint8Array {
  const writer = new ByteWriter();
  writer.varint(0);
  writer.string("test");
  return writer.finish();
}

/** The parts of a one-leaf index produced by encodeIndex, to re-assemble with changes. */
function decodeParts(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const metaAt = Number(v.getBigUint64(64 + 8, true));
  const metaLength = Number(v.getBigUint64(64 + 16, true));
  const leafStart = v.getUint32(32, true);
  return {
    createdMs: 0,
    requiredFlags: 0,
    optionalFlags: 0,
    meta: bytes.slice(metaAt, metaAt + metaLength),
    leaves: [{ firstPath: file.path, fileCount: 1, bytes: bytes.slice(leafStart) }],
    fileCount: 1,
  };
}

/** Replace the DIRECTORY payload in place and re-seal its CRC, the table CRC and the header CRC. */
function patchDirectory(bytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const v = new DataView(bytes.buffer);
  const entry = 64 + 32;
  const at = Number(v.getBigUint64(entry + 8, true));
  bytes.set(payload, at);
  v.setBigUint64(entry + 16, BigInt(payload.length), true);
  v.setUint32(entry + 4, payload.length, true);
  v.setUint32(entry + 24, crc32c(payload), true);
  v.setUint32(36, crc32c(bytes.subarray(64, 128)), true);
  v.setUint32(60, crc32c(bytes.subarray(0, 60)), true);
  return bytes;
}

function findU32(bytes: Uint8Array, value: number): number {
  const v = new DataView(bytes.buffer);
  for (let i = 0; i + 4 <= bytes.length; i++) if (v.getUint32(i, true) === value) return i;
  throw new Error("CRC not found");
}

/** Place leaves given whole, as the writer places spooled ones. */
function assembleIndex(
  parts: Omit<IndexParts, "leaves"> & {
    leaves: readonly { firstPath: string; fileCount: number; bytes: Uint8Array }[];
  },
): Uint8Array {
  const leaves = parts.leaves.map((leaf) => ({
    firstKey: new TextEncoder().encode(leaf.firstPath),
    fileCount: leaf.fileCount,
    length: leaf.bytes.length,
    crc: crc32c(leaf.bytes),
  }));
  const { head, tail } = layoutIndex({ ...parts, leaves });
  return concatBytes([head, ...parts.leaves.map((leaf) => leaf.bytes), tail]);
}

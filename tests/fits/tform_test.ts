import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { formatCard } from "../../src/fits/write.ts";
import { binTable, openFixture } from "../_support/tables.ts";

test("describeTable lays out every TFORM of table_all with exact scaling and VLA details", async () => {
  const { hdus } = await openFixture("table_all");
  const table = describeTable(hdus[1]);
  const byName = Object.fromEntries(table.columns.map((c) => [c.name, c]));
  assert.equal(table.kind, "BINTABLE");
  assert.equal(table.rowCount, 5);
  assert.equal(table.rowBytes, hdus[1].axes[0]);
  // THEAP leaves a 37-byte gap after the rows.
  assert.equal(table.heapOffset, table.rowBytes * table.rowCount + 37);
  assert.equal(table.heapSize, hdus[1].dataSize - table.heapOffset);
  let offset = 0;
  for (const column of table.columns) {
    assert.equal(column.offset, offset, column.name);
    offset += column.width;
  }
  assert.equal(offset, table.rowBytes);
  assert.deepEqual(
    table.columns.map((c) => [c.name, c.width, c.dtype]),
    [
      ["FLAG", 1, "bool"],
      ["FLAGS3", 3, "bool"],
      ["BITS", 2, "bit"],
      ["BYTE", 1, "uint8"],
      ["SHORT", 2, "int16"],
      ["INT", 4, "int32"],
      ["LONG", 8, "int64"],
      ["NAME", 8, "string"],
      ["CODES", 12, "string"],
      ["FLOAT", 4, "float32"],
      ["DOUBLE", 8, "float64"],
      ["CPLX", 8, "complex64"],
      ["DCPLX", 32, "complex128"],
      ["VEC3", 12, "float32"],
      ["MATRIX", 24, "int32"],
      ["U16", 2, "uint16"],
      ["U32", 4, "uint32"],
      ["U64", 8, "uint64"],
      ["I8", 1, "int8"],
      ["SCALED", 2, "float64"],
      ["WITHNULL", 4, "int32"],
      ["EMPTY", 0, "int32"],
      ["VLA_J", 8, "int32"],
      ["VLA_E", 8, "float32"],
      ["VLA_D", 16, "float64"],
      ["VLA_S", 8, "string"],
    ],
  );
  assert.equal(byName.U64.tzero, 2n ** 63n);
  assert.equal(byName.WITHNULL.tnull, -999);
  assert.deepEqual(byName.MATRIX.tdim, [3, 2]);
  assert.deepEqual(byName.MATRIX.shape, [2, 3]);
  assert.deepEqual(byName.CODES.shape, [3]);
  assert.deepEqual(byName.EMPTY.shape, [0]);
  assert.deepEqual([byName.VLA_D.typeCode, byName.VLA_D.elementType, byName.VLA_D.emax], ["Q", "D", 3]);
  assert.deepEqual([byName.VLA_J.typeCode, byName.VLA_J.elementType, byName.VLA_J.emax], ["P", "J", 6]);
  assert.equal(byName.SCALED.tscal, 0.01);
});

test("describeTable rejects a bad TFORM, naming keyword, value and offset", () => {
  const { hdu } = binTable(12, 1, [["A", "J"], ["B", "D"], ["C", "9Z"]]);
  assert.throws(() => describeTable(hdu), (e: unknown) => {
    // TFORM3 is the 14th card of the extension header, which starts at 2880.
    const offset = 2880 + 13 * 80;
    return isCloudFitsError(e, "BAD_HEADER") && e.offset === offset &&
      e.message === `Cannot parse TFORM3 '9Z' at offset ${offset}: unknown type code Z`;
  });
  const trailing = binTable(4, 1, [["A", "1JX"]]).hdu;
  assert.throws(
    () => describeTable(trailing),
    (e: unknown) => isCloudFitsError(e, "BAD_HEADER") && /TFORM1/.test(e.message),
  );
});

test("describeTable rejects widths that do not sum to NAXIS1, and TDIM beyond the repeat count", () => {
  const { hdu } = binTable(10, 1, [["A", "J"], ["B", "D"]]);
  assert.throws(
    () => describeTable(hdu),
    (e: unknown) => isCloudFitsError(e, "BAD_HEADER") && /sum to 12 bytes but NAXIS1 is 10/.test(e.message),
  );
  const tdim = binTable(24, 1, [["M", "6J"]], [formatCard("TDIM1", "(4,2)")]).hdu;
  assert.throws(
    () => describeTable(tdim),
    (e: unknown) =>
      isCloudFitsError(e, "BAD_HEADER") &&
      /TDIM1 '\(4,2\)'.*8 elements exceed the repeat count 6/.test(e.message),
  );
  const image = { ...hdu, type: "IMAGE" as const };
  assert.throws(() => describeTable(image), (e: unknown) => isCloudFitsError(e, "USAGE"));
});

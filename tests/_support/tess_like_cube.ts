/**
 * A TESS-like cube for traffic tests: testdata/tess_cube.fits grown to many frames, so that its frame
 * table lies beyond the first read, as in a real cube.
 *
 * @module
 */
import { concatBytes } from "../../src/_bytes.ts";
import { formatCard } from "../../src/fits/write.ts";
import { testdataFile } from "./fixtures.ts";

/** Frames of {@linkcode tessLikeCube}. */
export const FRAMES = 2600;

/** Where the fixture's frame table starts: its header has 9 blocks, from 8640. */
const FIXTURE_TABLE = 8640 + 9 * 2880;
/** Bytes of a row of the fixture's frame table. */
const ROW_BYTES = 778;

/**
 * testdata/tess_cube.fits with 2600 frames instead of 8 (the frame table's rows repeated: row i holds
 * the fixture's row i % 8): its table's header then starts 624 KB in, beyond the first read, as in a real
 * cube, and the table (2.0 MB) is a little larger than a 30-minute-cadence sector's, but with its header
 * within the last 2 MiB of the file (2.7 MB). Value i of the cube's data is i.
 *
 * @returns The file's bytes.
 */
export function tessLikeCube(): Uint8Array {
  const fixture = testdataFile("tess_cube.fits");
  const frames = (header: Uint8Array) =>
    new TextEncoder().encode(
      new TextDecoder().decode(header)
        .replace(formatCard("NAXIS2", 8).slice(0, 30), formatCard("NAXIS2", FRAMES).slice(0, 30)),
    );
  const data = new Uint8Array(Math.ceil((2 * FRAMES * 6 * 5 * 4) / 2880) * 2880);
  const view = new DataView(data.buffer);
  for (let i = 0; i < 2 * FRAMES * 6 * 5; i++) view.setFloat32(4 * i, i);
  const rows = new Uint8Array(Math.ceil((FRAMES * ROW_BYTES) / 2880) * 2880);
  for (let row = 0; row < FRAMES; row++) {
    const from = FIXTURE_TABLE + (row % 8) * ROW_BYTES;
    rows.set(fixture.subarray(from, from + ROW_BYTES), row * ROW_BYTES);
  }
  return concatBytes([
    fixture.subarray(0, 2880),
    frames(fixture.subarray(2880, 5760)),
    data,
    frames(fixture.subarray(8640, FIXTURE_TABLE)),
    rows,
  ]);
}

/**
 * TESS target pixel files (TPFs) from a cube cutout, in the layout astrocut writes and lightkurve reads
 * as a `TessTargetPixelFile`: PRIMARY (the cube's primary keywords plus the time system), PIXELS (one
 * row per cadence: TIME, TIMECORR, CADENCENO, RAW_CNTS, FLUX in column 5, FLUX_ERR in column 6,
 * FLUX_BKG, FLUX_BKG_ERR, QUALITY, POS_CORR1/2, FFI_FILE) and APERTURE (1 on the cube, 0 on padding,
 * with a linear TAN WCS fitted over the cutout).
 *
 * Better than astrocut: the column-5 WCS keywords and the `1CRV5P`/`2CRV5P` origin that lightkurve
 * reads (`tpf.column`, `tpf.row`), real `WCS_MSEP`/`WCS_SIG` residuals, and full FFI_FILE names.
 *
 * @module
 */
import type { Header } from "../fits/header.ts";
import { buildHeader, formatCard } from "../fits/write.ts";
import { binaryTableCards, encodeDataUnit, type TableField } from "./cutout_fits.ts";
import type { LinearTan } from "./linear_fit.ts";
import { concatBytes } from "../_bytes.ts";

/** Everything a TPF holds. Arrays of pixels are (cadence, row, column) in C order. */
export interface TpfInput {
  /** The cube's primary header. */
  primary: Header;
  /** What wrote the file, for CREATOR (it must mention "targetpixel" for lightkurve). */
  creator: string;
  /** The position asked for (RA_OBJ, DEC_OBJ). */
  ra: number;
  /** Declination asked for. */
  dec: number;
  /** Width (columns) and height (rows) of the cutout. */
  shape: readonly [number, number];
  /** The cutout's first column and row in the cube (0-based; may be negative when padded). */
  origin: readonly [number, number];
  /** Flux per cadence and pixel (NaN on padding). */
  flux: Float32Array;
  /** Flux error per cadence and pixel. */
  fluxErr: Float32Array;
  /** 1 where a pixel lies on the cube, 0 on padding (row, column). */
  onCube: Uint8Array;
  /** Mid-exposure time of each cadence (BTJD). */
  time: Float64Array;
  /** Barycentric correction of each cadence (days). */
  timecorr: Float64Array;
  /** Quality flags of each cadence. */
  quality: Int32Array;
  /** The FFI each cadence comes from. */
  ffiFiles: readonly string[];
  /** The linear WCS of the cutout, and its residuals against the cube's WCS. */
  wcs: LinearTan;
  /** RADESYS of the cube's WCS. */
  radesys: string;
}

/** Keywords of the cube's primary header that a TPF's headers restate or that describe another HDU. */
const NOT_COPIED =
  /^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|NEXTEND|EXTNAME|EXTVER|CHECKSUM|DATASUM|CREATOR|ORIGIN|TIMEREF|TASSIGN|TIMESYS|BJDREFI|BJDREFF|TIMEUNIT|RA_OBJ|DEC_OBJ|INHERIT|END)$/;

/**
 * Write a TPF.
 *
 * @param input The cutout's pixels, times and WCS.
 * @returns The FITS file.
 *
 * @example A 1×1 cutout over two cadences
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeTpf } from "./tpf.ts";
 * import { parseHeader } from "../fits/header.ts";
 * import { buildHeader, formatCard } from "../fits/write.ts";
 *
 * const tpf = encodeTpf({
 *   primary: parseHeader(buildHeader([formatCard("TELESCOP", "TESS")])),
 *   creator: "cloudfits targetpixel", ra: 10, dec: 20, shape: [1, 1], origin: [4, 5],
 *   flux: new Float32Array([1, 2]), fluxErr: new Float32Array([0.1, 0.2]), onCube: new Uint8Array([1]),
 *   time: new Float64Array([1325.3, 1325.32]), timecorr: new Float64Array(2), quality: new Int32Array(2),
 *   ffiFiles: ["a.fits", "b.fits"], radesys: "ICRS",
 *   wcs: { crval: [10, 20], crpix: [1, 1], cd: [-0.005, 0, 0, 0.005], maxSeparation: 0, sigma: 0 },
 * });
 * assert.equal(tpf.length % 2880, 0);
 * const pixels = parseHeader(tpf.subarray(2880));
 * assert.deepEqual([pixels.get("EXTNAME"), pixels.get("TTYPE5"), pixels.get("TDIM5"), pixels.get("1CRV5P")], [
 *   "PIXELS", "FLUX", "(1,1)", 5,
 * ]);
 * ```
 */
export function encodeTpf(input: TpfInput): Uint8Array {
  const [width, height] = input.shape;
  const pixels = width * height;
  const cadences = input.time.length;
  const copied = input.primary.cards
    .filter((card) => !NOT_COPIED.test(card.keyword) && card.keyword !== "")
    .flatMap((card) =>
      Array.from({ length: card.raw.length / 80 }, (_, i) => card.raw.slice(80 * i, 80 * i + 80))
    );
  const timeCards = [
    formatCard("TIMEREF", "SOLARSYSTEM", "barycentric correction applied to times"),
    formatCard("TASSIGN", "SPACECRAFT", "where time is assigned"),
    formatCard("TIMESYS", "TDB", "time system is Barycentric Dynamical Time (TDB)"),
    formatCard("BJDREFI", 2457000, "integer part of BTJD reference date"),
    formatCard("BJDREFF", 0.0, "fraction of the day in BTJD reference date"),
    formatCard("TIMEUNIT", "d", "time unit for TIME, TSTART and TSTOP"),
  ];
  const primaryCards = [
    formatCard("SIMPLE", true, "conforms to FITS standard"),
    formatCard("BITPIX", 8, "array data type"),
    formatCard("NAXIS", 0, "number of array dimensions"),
    formatCard("EXTEND", true),
    formatCard("NEXTEND", 2, "number of standard extensions"),
    formatCard("EXTNAME", "PRIMARY"),
    formatCard("CREATOR", input.creator, "pipeline job and program used to produce"),
    formatCard("ORIGIN", "STScI/MAST", "the cube's archive; the cutout made by CREATOR"),
    ...copied,
    ...timeCards,
    formatCard("RA_OBJ", input.ra, "[deg] right ascension"),
    formatCard("DEC_OBJ", input.dec, "[deg] declination"),
  ];
  // Every extension repeats the primary's keywords (astrocut does; astropy ignores INHERIT).
  const inherited = [formatCard("INHERIT", true, "inherit the primary header"), ...primaryCards.slice(6)];

  const name = Math.max(1, ...input.ffiFiles.map((file) => file.length));
  const dim = `(${width},${height})`;
  const columns: (TableField & { dim?: boolean })[] = [
    { type: "TIME", form: "D", unit: "BJD - 2457000, days", bytes: 8 },
    { type: "TIMECORR", form: "E", unit: "d", bytes: 4 },
    { type: "CADENCENO", form: "J", bytes: 4 },
    { type: "RAW_CNTS", form: `${pixels}J`, unit: "count", dim: true, bytes: 4 * pixels },
    { type: "FLUX", form: `${pixels}E`, unit: "e-/s", dim: true, bytes: 4 * pixels },
    { type: "FLUX_ERR", form: `${pixels}E`, unit: "e-/s", dim: true, bytes: 4 * pixels },
    { type: "FLUX_BKG", form: `${pixels}E`, unit: "e-/s", dim: true, bytes: 4 * pixels },
    { type: "FLUX_BKG_ERR", form: `${pixels}E`, unit: "e-/s", dim: true, bytes: 4 * pixels },
    { type: "QUALITY", form: "J", bytes: 4 },
    { type: "POS_CORR1", form: "E", unit: "pixel", bytes: 4 },
    { type: "POS_CORR2", form: "E", unit: "pixel", bytes: 4 },
    { type: "FFI_FILE", form: `${name}A`, bytes: name },
  ];
  const rowBytes = columns.reduce((sum, column) => sum + column.bytes, 0);
  const tableCards = binaryTableCards(cadences, columns, (column, n) => [
    ...(column.type === "RAW_CNTS" ? [formatCard(`TNULL${n}`, -1)] : []),
    ...(column.dim ? [formatCard(`TDIM${n}`, dim), ...columnWcs(n, input)] : []),
  ]);
  tableCards.push(formatCard("EXTNAME", "PIXELS", "name of extension"), ...inherited);

  const data = new Uint8Array(Math.ceil((rowBytes * cadences) / 2880) * 2880);
  const view = new DataView(data.buffer);
  for (let t = 0; t < cadences; t++) {
    let at = t * rowBytes;
    view.setFloat64(at, input.time[t]);
    view.setFloat32(at + 8, input.timecorr[t]);
    view.setInt32(at + 12, 0);
    at += 16;
    for (let p = 0; p < pixels; p++) view.setInt32(at + 4 * p, -1);
    at += 4 * pixels;
    for (let p = 0; p < pixels; p++) view.setFloat32(at + 4 * p, input.flux[t * pixels + p]);
    at += 4 * pixels;
    for (let p = 0; p < pixels; p++) view.setFloat32(at + 4 * p, input.fluxErr[t * pixels + p]);
    at += 12 * pixels; // FLUX_BKG and FLUX_BKG_ERR stay zero, as astrocut writes them
    view.setInt32(at, input.quality[t]);
    at += 12; // POS_CORR1 and POS_CORR2 stay zero
    const file = input.ffiFiles[t] ?? "";
    for (let i = 0; i < name; i++) data[at + i] = i < file.length ? file.charCodeAt(i) & 0x7f : 0x20;
  }

  const aperture = Int32Array.from(input.onCube);
  const apertureCards = [
    formatCard("XTENSION", "IMAGE", "Image extension"),
    formatCard("BITPIX", 32, "array data type"),
    formatCard("NAXIS", 2, "number of array dimensions"),
    formatCard("NAXIS1", width),
    formatCard("NAXIS2", height),
    formatCard("PCOUNT", 0, "number of parameters"),
    formatCard("GCOUNT", 1, "number of groups"),
    formatCard("EXTNAME", "APERTURE", "name of extension"),
    ...imageWcs(input),
    ...inherited,
  ];
  return concatBytes([
    buildHeader(primaryCards),
    buildHeader(tableCards),
    data,
    buildHeader(apertureCards),
    encodeDataUnit(aperture, "int32"),
  ]);
}

/** The linear WCS of a pixel column (Kepler/TESS column convention: 1CTYPn … 22PCn, 1CRVnP/2CRVnP). */
function columnWcs(n: number, input: TpfInput): string[] {
  const { crval, crpix, cd } = input.wcs;
  return [
    formatCard(`1CTYP${n}`, "RA---TAN", "right ascension coordinate type"),
    formatCard(`2CTYP${n}`, "DEC--TAN", "declination coordinate type"),
    formatCard(`1CRPX${n}`, crpix[0], "[pixel] reference pixel along image axis 1"),
    formatCard(`2CRPX${n}`, crpix[1], "[pixel] reference pixel along image axis 2"),
    formatCard(`1CRVL${n}`, crval[0], "[deg] right ascension at reference pixel"),
    formatCard(`2CRVL${n}`, crval[1], "[deg] declination at reference pixel"),
    formatCard(`1CUNI${n}`, "deg", "physical unit in column dimension"),
    formatCard(`2CUNI${n}`, "deg", "physical unit in row dimension"),
    formatCard(`1CDLT${n}`, 1.0, "[deg] pixel scale in RA dimension (in PC)"),
    formatCard(`2CDLT${n}`, 1.0, "[deg] pixel scale in Dec dimension (in PC)"),
    formatCard(`11PC${n}`, cd[0], "linear transformation matrix element"),
    formatCard(`12PC${n}`, cd[1], "linear transformation matrix element"),
    formatCard(`21PC${n}`, cd[2], "linear transformation matrix element"),
    formatCard(`22PC${n}`, cd[3], "linear transformation matrix element"),
    formatCard(`WCSN${n}P`, "PHYSICAL", "table column WCS name"),
    formatCard(`1CTY${n}P`, "RAWX", "table column physical WCS axis 1 type"),
    formatCard(`2CTY${n}P`, "RAWY", "table column physical WCS axis 2 type"),
    formatCard(`1CUN${n}P`, "PIXEL", "table column physical WCS axis 1 unit"),
    formatCard(`2CUN${n}P`, "PIXEL", "table column physical WCS axis 2 unit"),
    formatCard(`1CRV${n}P`, input.origin[0] + 1, "cube column of the cutout's first pixel"),
    formatCard(`2CRV${n}P`, input.origin[1] + 1, "cube row of the cutout's first pixel"),
    formatCard(`1CDL${n}P`, 1.0, "table column physical WCS axis 1 step"),
    formatCard(`2CDL${n}P`, 1.0, "table column physical WCS axis 2 step"),
    formatCard(`1CRP${n}P`, 1, "table column physical WCS axis 1 reference"),
    formatCard(`2CRP${n}P`, 1, "table column physical WCS axis 2 reference"),
  ];
}

/** The APERTURE image's WCS: the linear fit, its residuals, and the PHYSICAL origin. */
function imageWcs(input: TpfInput): string[] {
  const { crval, crpix, cd } = input.wcs;
  return [
    formatCard("WCSAXES", 2, "number of World Coordinate System axes"),
    formatCard("CTYPE1", "RA---TAN", "linear fit over the cutout (no SIP)"),
    formatCard("CTYPE2", "DEC--TAN", "linear fit over the cutout (no SIP)"),
    formatCard("CUNIT1", "deg"),
    formatCard("CUNIT2", "deg"),
    formatCard("CRPIX1", crpix[0], "X reference pixel"),
    formatCard("CRPIX2", crpix[1], "Y reference pixel"),
    formatCard("CRVAL1", crval[0], "RA at CRPIX1, CRPIX2"),
    formatCard("CRVAL2", crval[1], "DEC at CRPIX1, CRPIX2"),
    formatCard("CD1_1", cd[0], "Transformation matrix"),
    formatCard("CD1_2", cd[1], "Transformation matrix"),
    formatCard("CD2_1", cd[2], "Transformation matrix"),
    formatCard("CD2_2", cd[3], "Transformation matrix"),
    formatCard("RADESYS", input.radesys, "reference frame of celestial coordinates"),
    formatCard("WCS_MSEP", input.wcs.maxSeparation, "[deg] max separation of the fit from the FFI WCS"),
    formatCard("WCS_SIG", input.wcs.sigma, "[deg] sqrt of summed squared separations"),
    formatCard("WCSNAMEP", "PHYSICAL", "name of world coordinate system alternate P"),
    formatCard("WCSAXESP", 2, "number of WCS physical axes"),
    formatCard("CTYPE1P", "RAWX", "physical WCS axis 1 type CCD col"),
    formatCard("CUNIT1P", "PIXEL", "physical WCS axis 1 unit"),
    formatCard("CRPIX1P", 1, "reference CCD column"),
    formatCard("CRVAL1P", input.origin[0] + 1, "value at reference CCD column"),
    formatCard("CDELT1P", 1.0, "physical WCS axis 1 step"),
    formatCard("CTYPE2P", "RAWY", "physical WCS axis 2 type CCD row"),
    formatCard("CUNIT2P", "PIXEL", "physical WCS axis 2 unit"),
    formatCard("CRPIX2P", 1, "reference CCD row"),
    formatCard("CRVAL2P", input.origin[1] + 1, "value at reference CCD row"),
    formatCard("CDELT2P", 1.0, "physical WCS axis 2 step"),
  ];
}

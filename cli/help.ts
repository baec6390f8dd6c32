import { SERVE_HELP } from "./serve.ts";

/** Help text of every command, with real examples. */
export const HELP: Record<string, string> = {
  serve: SERVE_HELP,
  ls: `cloudfits ls TARGET... | ls --index INDEX [PATH...]

List files and their HDUs: number, type, EXTNAME/EXTVER, BITPIX, shape in FITS order (NAXIS1 first, as
astropy's info() prints it; JSON adds "numpyShape"), header and data offsets, data size. A terminal gets an
aligned table; a pipe gets TSV with a header row.

Options: --format text|tsv|json (--json), --index INDEX, cloud options (see cloudfits --help)

Examples:
  cloudfits ls testdata/mef_images.fits
  cloudfits ls --json s3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits --no-sign-request
  cloudfits ls --index tess.cfidx`,
  header: `cloudfits header TARGET[HDU]... [-k KEY,...] [--raw]

Print header cards, like astropy's fitsheader. Without [HDU], every HDU is printed. -k prints only those
keywords, as a table across HDUs and files. A tile-compressed image shows its image header (ZBITPIX as
BITPIX, ZNAXISn as NAXISn, no table or compression keywords) and a tile-compressed table the table header
funpack restores; --raw shows the BINTABLE header as stored.

Options: --hdu HDU (for names containing '['), -k/--keyword KEY,..., --raw, --format text|tsv|json,
--index INDEX

Examples:
  cloudfits header 'testdata/mef_images.fits[1]'
  cloudfits header 'testdata/dup_extnames.fits[SCI,2]' --json
  cloudfits header -k BITPIX,EXTNAME testdata/*.fits
  cloudfits header --raw 'testdata/compressed_rice.fits[1]'`,
  cutout: `cloudfits cutout TARGET[HDU][x1:x2,y1:y2,...] -o OUT
  cloudfits cutout TARGET[HDU] --ra RA --dec DEC [--size SIZE] -o OUT
  cloudfits cutout --index CATALOG --ra RA --dec DEC [--size SIZE] -o DIR/

Cut an image section. The section is in FITS axis order (NAXIS1 first), 1-based and inclusive, as in
cfitsio: '*' is a whole axis, ':STEP' takes every STEP-th pixel, and every axis is kept. A section that
names fewer axes than the image has takes the rest whole, with a warning (--quiet silences it). Without
[HDU], the first image with data is used.

OUT's extension (any case) chooses the format; --format wins; '-o -' is standard output (JSON by default):
  .fits .fit .fts   the header that still applies (WCS of every axis shifted to the section, units,
                    scaling) plus provenance cards CFSOURCE, CFHDU, CFSECT, CFVERS and DATE
  .csv .ndjson      one row per pixel: axis1, axis2, ... (the source's 1-based pixel numbers), value
  .json             {"shape" (FITS order), "numpyShape", "dtype", "data" (flat, NAXIS1 fastest)}
  .png              two axes longer than 1: an image (zscale; NaN transparent); one: a line plot of the
                    values along it (a pixel's time series from a cube)
An existing OUT is kept unless --force is given. Progress is shown on a terminal (--progress, --quiet).

Every read is planned first: one that would fetch more than --max-read (default 1 GiB, or 100× the
bytes it needs above 64 MiB) or send more than --max-requests (default 10,000) stops with exit 2 and the
figures, before anything is fetched; 'cloudfits plan' shows them without reading.

By sky position: --ra RA --dec DEC (ICRS; degrees, or sexagesimal 05:37:09.9 -80:28:09) with --size
(10 pixels by default; 10x20 is 10 columns by 20 rows; 30arcsec, 2arcmin, 0.1deg) cuts the box astrocut
would cut: the position through the HDU's WCS (with SIP), the box's edges rounded half to even. A box partly
off the image is padded (NaN, or BLANK for integers) and NPADPIX counts the padding pixels; one wholly off
the image exits 3. The FITS output shifts CRPIX and records the origin (PHYSICAL alternate WCS, LTV1/2).
A TESS FFI cube gives a target pixel file that lightkurve opens. A sky cutout is written as .fits, .json
(the default for -o -) or .png (a cube's mean over its cadences). --targets FILE.csv (name,ra,dec[,size])
cuts every row in one run: -o 'DIR/{name}.fits' or -o DIR/; targets off the image are skipped (exit 6).

Across an archive: --index CATALOG with a position and no TARGET cuts every file and HDU whose footprint
covers it (as 'cloudfits find' lists them) into DIR/<file stem>_hdu<N>.fits (or .json, .png by --format);
files of the same stem keep their directories in the name (s1_cube_hdu1.fits). Nothing covers it: exit 3;
a match that cannot be cut is reported and skipped (exit 6).

Options: --hdu HDU, --section SECTION, --ra RA, --dec DEC, --size SIZE, --targets FILE.csv,
         -o/--output OUT, --format fits|csv|json|ndjson|png, -f/--force,
         PNG: --stretch zscale|asinh, --cmap gray|viridis|inferno, --nan-color COLOR (transparent, a
         name or #rrggbb), --colorbar;
         --max-read BYTES, --max-requests N, --request-cost BYTES, --price-get USD, --price-gb USD,
         --index INDEX, --quiet, --progress, cloud options

Examples:
  cloudfits cutout 'testdata/primary_only.fits[0][10:20,5:15]' -o cut.fits
  cloudfits cutout 'testdata/wcs_cube.fits[0][*,*,7:7]' -o plane7.png --cmap viridis --colorbar
  cloudfits cutout 'testdata/wcs_cube.fits[0][16:16,9:9,*]' -o spectrum.png
  cloudfits cutout 'testdata/tess_cube.fits[1][1:1,*,1:3,1:3]' -o - --format csv
  cloudfits cutout testdata/tess_cube.fits --ra 35.2752 --dec -36.0677 --size 3 -o tpf.fits
  cloudfits cutout --index tess.cfidx --ra 05:37:09.9 --dec -80:28:09 --size 10 -o every-sector/
  cloudfits cutout 's3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits[1][1:1,*,1000:1009,1000:1009]' \\
      --no-sign-request -o lightcurves.fits`,
  lightcurve: `cloudfits lightcurve TARGET --ra RA --dec DEC [--size 3] [--aperture A] -o OUT
  cloudfits lightcurve --index CATALOG --ra RA --dec DEC [--size 3] [--aperture A] -o DIR/

Sum an aperture around a sky position on every cadence of a TESS FFI cube, as lightkurve sums a target
pixel file: NaN pixels are skipped, and a cadence without a finite pixel is NaN; errors add in quadrature.
The box is drawn as 'cutout --ra --dec --size' draws it (default 3 pixels); --aperture sums part of it:
a box (3x3, 1arcmin), circle:R (pixel centres within R pixels of the position) or a FITS mask of the box's
shape (non-zero pixels). Time is the cube's own: BTJD (BJD - 2457000, TDB) from TSTART and TSTOP.
An ordinary image cube works too (TARGET[HDU] or --hdu): RA/Dec on axes 1-2, one plane per cadence on
axis 3; time from axis 3's WCS when it is a time axis (CTYPE3 TIME, UTC, TDB ..., CUNIT3), else the plane
number, as the output's time unit says. Through an index made by 'cloudfits index', a TESS cube's
frame table comes from the index: only the box's pixels are read.
-o picks the format by extension (any case; --format wins): .csv (time,flux,flux_err,quality,cadence;
the default, and for -o -), .json, .fits (a LIGHTCURVE table) or .png (a plot; flagged cadences marked in
red). --targets FILE.csv (name,ra,dec[,size]) makes one output per row in one run: -o 'DIR/{name}.csv' or
-o DIR/. --index CATALOG with no TARGET makes one light curve per TESS cube of the catalog that covers the
position ("every sector that saw this star"), as DIR/<file stem>_hdu1.csv; exit 3 when none does.

Options: --ra RA, --dec DEC, --size SIZE, --aperture A, --targets FILE.csv, --hdu HDU, -o/--output OUT,
         --format csv|json|fits|png, -f/--force, --max-read BYTES, --max-requests N, --request-cost BYTES,
         --index INDEX, cloud options

Examples:
  cloudfits lightcurve testdata/tess_cube.fits --ra 35.2752 --dec -36.0677 --aperture circle:1 -o lc.csv
  cloudfits lightcurve s3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits --no-sign-request \\
      --ra 05:37:09.9 --dec -80:28:09 -o lc.png
  cloudfits lightcurve --index tess.cfidx --ra 05:37:09.9 --dec -80:28:09 -o curves/`,
  table: `cloudfits table TARGET[HDU][col A;B] [--rows A:B] [-o OUT] [--format csv|ecsv|json|ndjson]

Print table rows (1-based, inclusive, like cfitsio: --rows A:B, N, A: or :B) and columns. Arrays, TDIM
cells and variable-length arrays are JSON arrays (JSON-encoded inside CSV cells). Without [HDU], the first
table with data is used. Rows are read in batches, so whole columns of huge tables stream. With -o, the
format follows the extension in any case (.csv, .ecsv for astropy with types and units, .json,
.ndjson/.jsonl; another is an error); --format wins.
A compressed table (ZTABLE, 'fpack -table') is refused: decompress it with funpack. Progress is shown on a
terminal (--progress, --quiet).

Options: --hdu HDU, --columns A;B, --rows A:B, -o/--output OUT, -f/--force, --format csv|ecsv|json|ndjson,
         --max-read BYTES, --max-requests N, --request-cost BYTES, --price-get USD, --price-gb USD,
         --index INDEX, --quiet, --progress, cloud options

Examples:
  cloudfits table 'testdata/tess_cube.fits[2][col TSTART;TSTOP]' --rows 1:10
  cloudfits table 'testdata/table_all.fits[1]' --rows 2:3 --format json
  cloudfits table 'testdata/tess_cube.fits[2]' -o frames.ecsv`,
  plan: `cloudfits plan TARGET... [--rows A:B] [--max-read BYTES] [--json]

Show what 'cutout' (an image section) or 'table' (with [col …] or --rows) would fetch: the shape (FITS
order; JSON adds "numpyShape"), requests, bytes to read, bytes needed and the estimated cost (S3 list
prices: $0.0004 per 1,000 GETs, $0.09 per GB out; --price-get, --price-gb), and whether the read limits
allow it. Headers are read (or taken from
--index); data is not. A compressed image's tiles and variable-length arrays are planned from a first
read, so only that first read is counted.

Options: --hdu HDU, --section SECTION, --columns A;B, --rows A:B, --max-read BYTES, --max-requests N,
         --request-cost BYTES, --price-get USD, --price-gb USD, --format text|json, --index INDEX,
         cloud options

Examples:
  cloudfits plan 'testdata/tess_cube.fits[1][1:1,*,1:3,1:3]'
  cloudfits plan 's3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits[1][1:1,600:600,*,*]' --no-sign-request
  cloudfits plan 'testdata/tess_cube.fits[2][col TSTART;TSTOP]' --rows 1:5 --json`,
  index: `cloudfits index SOURCE... -o INDEX [--data-url PREFIX] [--no-header-text] [--point-spacing BYTES]
                [--shard K/N|auto]

Write a cloudfits index: every HDU's offsets, structure and header text, a few KB per file, so that later
reads plan their ranges without touching the FITS headers. SOURCE is a FITS file or a directory (searched
recursively for .fits, .fit, .fts, .fits.fz and .fits.gz, following symbolic links: each file once, loops
skipped with a warning), locally or as a remote object or prefix; remote sources are read with a few range
requests per file (headers only). Sources that yield no file to index are an error: nothing is written and an
existing INDEX stays. A whole-file gzip (.fits.gz) is inflated once from start to end (each member's CRC
checked) and the index keeps an access point every --point-spacing bytes of output (default 4Mi), so later
reads inflate only from the nearest one. --data-url records where locally indexed files
live remotely (the Python cloud-fits' --data-bucket-path). Unchanged files (same size and ETag or mtime) are taken from
the existing INDEX without re-reading them, and an interrupted run resumes from its checkpoint
(INDEX.partial). -o writes atomically, or uploads one object to a bucket URL. Memory does not grow with
the number of files: records are written in path order as files finish, and finished leaves wait in a
temporary file beside a local INDEX. An index too large for one 16 KiB directory is a catalog: any file is
three range requests of at most 64 KiB away. Progress (files, bytes, rate, ETA, failures) is shown on a
terminal (--progress, --quiet).

--shard K/N (0 ≤ K < N) indexes only the files whose path hashes to shard K (FNV-1a mod N: with N fixed,
new files never move existing ones); merge the N shards with cloudfits merge. --shard auto takes K and N
from a Slurm job array (SLURM_ARRAY_TASK_ID/MIN/MAX/STEP/COUNT), or K from AWS Batch
(AWS_BATCH_JOB_ARRAY_INDEX) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) with N from --shards N.

Options: -o/--output INDEX, --data-url PREFIX, --no-header-text, --point-spacing BYTES, --shard K/N|auto,
         --shards N, --concurrency N, --format text|json, cloud options. Aliases of the Python cloud-fits:
         --fits-files-directory DIR, -d/--data-bucket-path PREFIX, -i/--index-bucket-name BUCKET.

Examples:
  cloudfits index testdata -o testdata.cfidx
  cloudfits index ./mast --data-url s3://stpubdata/tess/public/mast -o s3://my-index-bucket/tess.cfidx
  cloudfits index s3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits --no-sign-request -o s26.cfidx
  cloudfits index ./mast --shard 2/8 -o shards/mast-2.cfidx`,
  merge: `cloudfits merge SHARD... -o CATALOG [--partial]

Merge the shard indexes of one index --shard run into a catalog equal to a one-process index of the same
sources. Refuses shards of different sources, --data-url or shard counts, a shard given twice, and a
missing shard unless --partial (which merges without it, names it, and exits 6). The shards are read
side by side in path order, in batches, so merging takes memory independent of their size.

Options: -o/--output CATALOG, --partial, --format text|json, cloud options (for a bucket -o)

Examples:
  cloudfits merge shards/mast-0.cfidx shards/mast-1.cfidx shards/mast-2.cfidx shards/mast-3.cfidx \\
      -o mast.cfidx`,
  find: `cloudfits find CATALOG --ra RA --dec DEC [--radius R] [--json]

List the files and HDUs of a catalog (an index made by cloudfits index) whose sky footprint covers the
position, with the 1-based FITS pixel it falls on (world to pixel with SIP distortion, rounding into
1..NAXISn; a TESS cube: HDU 1 and its column, row). Only the catalog is read: its sky directory holds
each image's WCS. --radius also lists footprints within R (30arcsec, 2arcmin, 0.1deg; a bare number is
degrees) of the position, with their distance. RA and Dec as for cutout (degrees or sexagesimal). Nothing
found: exit 3 in text, [] and exit 0 with --json.

Options: --ra RA, --dec DEC, --radius R, --format text|json (--json), cloud options

Examples:
  cloudfits find tess.cfidx --ra 84.2911 --dec -80.4692 --json
  cloudfits find s3://my-index-bucket/tess.cfidx --ra 05:37:09.9 --dec -80:28:09 --radius 2arcmin`,
  verify: `cloudfits verify --index INDEX [--datasum]

Check every indexed file against its source: size and ETag (size only for locally indexed files) and
the primary header bytes. --datasum also reads the data and verifies CHECKSUM/DATASUM where present. Each
file is ok, stale, missing, damaged (a checksum fails) or error; anything but ok is listed, and stale,
missing or damaged files make the exit code 5. With --datasum, an HDU whose data is larger than --max-read
(default 1 GiB) is an error until the limit is raised (--max-read 0 lifts it).

Options: --datasum, --max-read BYTES, --format text|json, cloud options

Examples:
  cloudfits verify --index testdata.cfidx`,
  demo: `cloudfits demo

Run the tutorial on the bundled test files, with no cloud account: index the testdata directory, list it
from the index, print a table and a cube cutout.`,
};

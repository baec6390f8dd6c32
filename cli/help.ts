/** Help text of every command, with real examples. */
export const HELP: Record<string, string> = {
  ls: `cloudfits ls TARGET... | ls --index INDEX [PATH...]

List files and their HDUs: number, type, EXTNAME/EXTVER, BITPIX, numpy-order shape, header and data
offsets, data size. A terminal gets an aligned table; a pipe gets TSV with a header row.

Options: --format text|tsv|json (--json), --index INDEX, cloud options (see cloudfits --help)

Examples:
  cloudfits ls testdata/mef_images.fits
  cloudfits ls --json s3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits --no-sign-request
  cloudfits ls --index tess.cfidx`,
  header: `cloudfits header TARGET[HDU]... [-k KEY,...]

Print header cards, like astropy's fitsheader. Without [HDU], every HDU is printed. -k prints only those
keywords, as a table across HDUs and files.

Options: --hdu HDU (for names containing '['), -k/--keyword KEY,..., --format text|tsv|json, --index INDEX

Examples:
  cloudfits header testdata/mef_images.fits[1]
  cloudfits header 'testdata/dup_extnames.fits[SCI,2]' --json
  cloudfits header -k BITPIX,EXTNAME testdata/*.fits`,
  cutout: `cloudfits cutout TARGET[HDU][x1:x2,y1:y2,...] -o OUT [--format fits|json|png]

Cut an image section. The section is in FITS axis order, 1-based and inclusive, as in cfitsio: '*' is a
whole axis, ':STEP' takes every STEP-th pixel, and every axis is kept. Without [HDU], the first image with
data is used. The FITS output keeps the header, with NAXISn set and the WCS reference pixel shifted; PNG
needs a 2-D result (zscale by default, --stretch asinh). -o - writes to standard output (JSON by default).
An existing OUT is kept unless --force is given.

Every read is planned first: one that would fetch more than --max-read (default 1 GiB, or 100× the
bytes it needs above 64 MiB) or send more than --max-requests (default 10,000) stops with exit 2 and the
figures, before anything is fetched; 'cloudfits plan' shows them without reading.

Options: --hdu HDU, --section SECTION, -o/--output OUT, --format fits|json|png, --stretch zscale|asinh,
         -f/--force, --max-read BYTES, --max-requests N, --request-cost BYTES, --price-get USD,
         --price-gb USD, --index INDEX, cloud options

Examples:
  cloudfits cutout 'testdata/primary_only.fits[0][10:20,5:15]' -o cut.fits
  cloudfits cutout 'testdata/tess_cube.fits[1][1:1,*,1:3,1:3]' -o - --json
  cloudfits cutout 's3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits[1][1:1,*,1000:1009,1000:1009]' \\
      --no-sign-request -o lightcurves.fits`,
  table: `cloudfits table TARGET[HDU][col A;B] [--rows A:B] [--format csv|json|ndjson]

Print table rows (1-based, inclusive, like cfitsio: --rows A:B, N, A: or :B) and columns. Arrays, TDIM
cells and variable-length arrays are JSON arrays (JSON-encoded inside CSV cells). Without [HDU], the first
table with data is used. Rows are read in batches, so whole columns of huge tables stream. With -o, the
format follows the extension (.json, .ndjson, else CSV).

Options: --hdu HDU, --columns A;B, --rows A:B, -o/--output OUT, -f/--force, --format csv|json|ndjson,
         --max-read BYTES, --max-requests N, --request-cost BYTES, --price-get USD, --price-gb USD,
         --index INDEX, cloud options

Examples:
  cloudfits table 'testdata/tess_cube.fits[2][col TSTART;TSTOP]' --rows 1:10
  cloudfits table testdata/table_all.fits[1] --rows 2:3 --format json`,
  plan: `cloudfits plan TARGET... [--rows A:B] [--max-read BYTES] [--json]

Show what 'cutout' (an image section) or 'table' (with [col …] or --rows) would fetch: requests, bytes to
read, bytes needed and the estimated cost (S3 list prices: $0.0004 per 1,000 GETs, $0.09 per GB out;
--price-get, --price-gb), and whether the read limits allow it. Headers are read (or taken from
--index); data is not. A compressed image's tiles and variable-length arrays are planned from a first
read, so only that first read is counted.

Options: --hdu HDU, --section SECTION, --columns A;B, --rows A:B, --max-read BYTES, --max-requests N,
         --request-cost BYTES, --price-get USD, --price-gb USD, --format text|json, --index INDEX,
         cloud options

Examples:
  cloudfits plan 'testdata/tess_cube.fits[1][1:1,*,1:3,1:3]'
  cloudfits plan 's3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits[1][1:1,600:600,*,*]' --no-sign-request
  cloudfits plan 'testdata/tess_cube.fits[2][col TSTART;TSTOP]' --rows 1:5 --json`,
  index: `cloudfits index SOURCE... -o INDEX [--data-url PREFIX] [--no-header-text] [--shard K/N|auto]

Write a cloudfits index: every HDU's offsets, structure and header text, a few KB per file, so that later
reads plan their ranges without touching the FITS headers. SOURCE is a FITS file or a directory (searched
recursively for .fits, .fit, .fts and .fits.fz), locally or as a remote object or prefix; remote sources are
read with a few range requests per file (headers only). --data-url records where locally indexed files
live remotely (the seed's --data-bucket-path). Unchanged files (same size and ETag or mtime) are taken from
the existing INDEX without re-reading them, and an interrupted run resumes from its checkpoint
(INDEX.partial). -o writes atomically, or uploads one object to a bucket URL.

--shard K/N (0 ≤ K < N) indexes only the files whose path hashes to shard K (FNV-1a mod N: with N fixed,
new files never move existing ones); merge the N shards with cloudfits merge. --shard auto takes K and N
from a Slurm job array (SLURM_ARRAY_TASK_ID/MIN/MAX/STEP/COUNT), or K from AWS Batch
(AWS_BATCH_JOB_ARRAY_INDEX) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) with N from --shards N.

Options: -o/--output INDEX, --data-url PREFIX, --no-header-text, --shard K/N|auto, --shards N,
         --concurrency N, --format text|json,
         cloud options. Aliases of the Python cloud-fits: -f/--fits-files-directory DIR,
         -d/--data-bucket-path PREFIX.

Examples:
  cloudfits index testdata -o testdata.cfidx
  cloudfits index ./mast --data-url s3://stpubdata/tess/public/mast -o s3://my-index-bucket/tess.cfidx
  cloudfits index s3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits --no-sign-request -o s26.cfidx
  cloudfits index ./mast --shard 2/8 -o shards/mast-2.cfidx`,
  merge: `cloudfits merge SHARD... -o CATALOG [--partial]

Merge the shard indexes of one index --shard run into a catalog equal to a one-process index of the same
sources. Refuses shards of different sources, --data-url or shard counts, a shard given twice, and a
missing shard unless --partial (which merges without it, names it, and exits 6).

Options: -o/--output CATALOG, --partial, --format text|json, cloud options (for a bucket -o)

Examples:
  cloudfits merge shards/mast-*.cfidx -o mast.cfidx`,
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

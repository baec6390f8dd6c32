"""Make the whole-file gzip fixtures in testdata/gzip/ from the plain fixtures, and their expected values.

Run with Debian's Python: /usr/bin/python3 tools/make_gzip_fixtures.py

- tess_cube.fits.gz, table_all.fits.gz: one gzip member each (level 9, no name, mtime 0).
- mef_images.multi.fits.gz: mef_images.fits cut into three gzip members (at 30000 and 60001 bytes), as
  concatenated .gz files are.
- expected.json: what astropy reads from each .gz file (astropy inflates it with Python's gzip module,
  which reads every member): per HDU the header and data offsets, the shape, and the image data in C order
  (NaN and infinities as strings), or the first rows of chosen table columns.
"""
import gzip
import json
import math
import os

import astropy
import numpy as np
from astropy.io import fits

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata")
OUT = os.path.join(HERE, "gzip")


def member(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def write(name, blob):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(blob)


def plain(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


def values(array):
    """C-order values; NaN and infinities as the strings JavaScript prints for them."""
    def one(v):
        if isinstance(v, float) and not math.isfinite(v):
            return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
        return v

    return [one(v) for v in np.asarray(array).ravel().tolist()]


TABLE_COLUMNS = {"tess_cube.fits.gz": ["TSTART", "DQUALITY"], "table_all.fits.gz": ["NAME", "WITHNULL"]}


def describe(name):
    hdus = []
    with fits.open(os.path.join(OUT, name)) as hdul:
        for i, hdu in enumerate(hdul):
            info = hdu.fileinfo()
            entry = {"index": i, "hdrLoc": info["hdrLoc"], "datLoc": info["datLoc"], "type": type(hdu).__name__}
            if isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU)) and hdu.data is not None:
                entry["shape"] = list(hdu.data.shape)
                entry["data"] = values(hdu.data)
            elif isinstance(hdu, fits.BinTableHDU):
                names = [c for c in TABLE_COLUMNS.get(name, []) if c in hdu.columns.names]
                entry["rows"] = len(hdu.data)
                entry["columns"] = {
                    c: hdu.data[c].tolist() for c in names
                }
            hdus.append(entry)
    return hdus


def main():
    os.makedirs(OUT, exist_ok=True)
    write("tess_cube.fits.gz", member(plain("tess_cube.fits")))
    write("table_all.fits.gz", member(plain("table_all.fits")))
    mef = plain("mef_images.fits")
    write("mef_images.multi.fits.gz", member(mef[:30000]) + member(mef[30000:60001]) + member(mef[60001:]))
    names = ["tess_cube.fits.gz", "table_all.fits.gz", "mef_images.multi.fits.gz"]
    expected = {"made_by": f"astropy {astropy.__version__}", "files": {n: describe(n) for n in names}}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

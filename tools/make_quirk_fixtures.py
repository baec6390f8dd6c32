#!/usr/bin/python3
"""Make the fixtures of real-file quirks in testdata/quirks/ and their expected JSON.

Run with Debian's Python (astropy 5.2.1):

    /usr/bin/python3 tools/make_quirk_fixtures.py

- tform_width.fits: a BINTABLE whose TFORMs carry a display width, `rTw.d` (`20D8.3`, `3E12.5`), as
  e-Callisto's files do. astropy writes plain `20D` and `3E`; the cards are patched in place afterwards
  (same length), and the expected rows are astropy reading the patched file.
- truncated_data.fits.part: three HDUs, the last (LAST, int32 40 × 50) cut 3000 bytes into its 8000 bytes of
  data. astropy 5.2 cannot open it at all ("Empty or corrupt FITS file"), so the expected JSON is astropy
  reading the file before the cut (offsets, cards, the sections that lie before the cut), with `size` the
  truncated size and `truncatedAt` the offset where the file ends. It is not named `.fits` so that indexing
  testdata/ (which the tests do) does not pick up a damaged file.
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from astropy.io import fits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402

OUT = mf.OUT / "quirks"


def save(path, expected):
    text = json.dumps(expected, indent=2, allow_nan=False) + "\n"
    expected_path = path.with_name(path.name.split(".")[0] + ".expected.json")
    expected_path.write_text(text)
    for produced in (path, expected_path):
        assert produced.stat().st_size <= mf.MAX_FIXTURE_BYTES, f"{produced.name} is larger than 100 KB"
    print(f"{path.name}: {path.stat().st_size} B")


def make_tform_width():
    path = OUT / "tform_width.fits"
    rows = 4
    columns = [
        fits.Column(name="TIME", format="J", array=np.arange(rows, dtype=np.int32)),
        fits.Column(name="SPECTRUM", format="20D", array=np.arange(rows * 20).reshape(rows, 20) / 8.0),
        fits.Column(name="FLUX", format="3E", array=(np.arange(rows * 3).reshape(rows, 3) - 4.5).astype(np.float32)),
    ]
    mf.write_hdul([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(columns, name="SPECTRA")], path)
    for keyword, value in (("TFORM2", "20D8.3"), ("TFORM3", "3E12.5")):
        offset = mf.card_offset(path, 1, keyword)
        mf.patch_bytes(path, offset, fits.Card(keyword, value).image.encode("ascii"))
    with fits.open(path) as hdul:
        assert hdul[1].columns["SPECTRUM"].format == "20D8.3", hdul[1].columns
    save(path, mf.describe_file(path, {1: {"rows": [(0, 4)]}}))


def make_truncated_data():
    path = OUT / "truncated_data.fits.part"
    primary = fits.PrimaryHDU(np.arange(6, dtype=np.int16).reshape(2, 3))
    table = fits.BinTableHDU.from_columns([fits.Column(name="X", format="J", array=np.arange(10))], name="TAB")
    last = fits.ImageHDU(np.arange(2000, dtype=np.int32).reshape(40, 50), name="LAST")
    with tempfile.TemporaryDirectory() as work:
        whole = Path(work) / "whole.fits"
        mf.write_hdul([primary, table, last], whole)
        # Rows 0-14 of LAST (3000 bytes) are present; row 15 on is cut off.
        expected = mf.describe_file(whole, {0: {"sections": [[None, None]]}, 2: {"sections": [[[0, 15], [0, 50, 7]]]}})
        with fits.open(whole) as hdul:
            cut = hdul.fileinfo(2)["datLoc"] + 3000
        path.write_bytes(whole.read_bytes()[:cut])
    expected["file"] = path.name
    expected["size"] = cut
    expected["truncatedAt"] = cut
    save(path, expected)


def main():
    OUT.mkdir(exist_ok=True)
    make_tform_width()
    make_truncated_data()


if __name__ == "__main__":
    main()

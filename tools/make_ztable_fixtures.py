#!/usr/bin/python3
"""Make the tile-compressed table fixtures (testdata/ztable_*.fits) with cfitsio's `fpack -table`.

Run with Debian's Python (astropy 5.2.1) and Debian's libcfitsio-bin (fpack/funpack 4.2.0):

    /usr/bin/python3 tools/make_ztable_fixtures.py

Each table is written by astropy, compressed by `fpack -table` (FZTILELN sets the rows per tile, FZALGn the
algorithm of column n), and the expected rows are astropy reading `funpack`'s output of the compressed file.
Where funpack fails (it refuses GZIP_2 on complex columns and crashes on some variable-length columns), they
are astropy reading the table before fpack. Where funpack succeeds, its rows must equal the original's.
The expected JSON's cards and offsets are those of the compressed file, as astropy shows them.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from astropy.io import fits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402

FPACK = "/usr/bin/fpack"
FUNPACK = "/usr/bin/funpack"
ROWS = 300
TILE_ROWS = 64


def fixed_columns(rng, n):
    """Every fixed-width TFORM fpack compresses without complaint, with fpack's default algorithms."""
    i16 = (np.arange(n) * 37 % 2000 - 1000).astype(np.int16)
    i16[5] = -32768
    return [
        fits.Column(name="FLAG", format="L", array=np.arange(n) % 3 == 0),
        fits.Column(name="BITS", format="11X", array=(np.arange(n * 11).reshape(n, 11) * 7 % 5 == 0)),
        fits.Column(name="BYTE", format="B", array=(np.arange(n) % 256).astype(np.uint8)),
        fits.Column(name="SHORT", format="I", array=i16),
        fits.Column(name="USHORT", format="I", bzero=32768, array=(np.arange(n) * 211 % 65536).astype(np.uint16)),
        fits.Column(name="INT", format="J", array=(np.arange(n) * 100003 - 15000000).astype(np.int32)),
        fits.Column(name="NULLED", format="J", null=-999, array=np.where(np.arange(n) % 7 == 0, -999, np.arange(n))),
        fits.Column(name="LONG", format="K", array=(np.arange(n, dtype=np.int64) * 3**35 - 2**62)),
        fits.Column(name="NAME", format="8A", array=[f"row {i}" if i % 5 else "" for i in range(n)]),
        fits.Column(name="FLUX", format="E", array=rng.normal(100, 10, n).astype(np.float32)),
        fits.Column(name="TIME", format="D", array=2459000.5 + np.arange(n) / 86400.0),
        fits.Column(name="VEC", format="6E", dim="(3,2)", array=rng.normal(0, 1, (n, 2, 3)).astype(np.float32)),
        fits.Column(name="EMPTY", format="0J", array=np.zeros((n, 0), dtype=np.int32)),
    ]


def fixed_hdu(rng, name, algorithms):
    hdu = fits.BinTableHDU.from_columns(fixed_columns(rng, ROWS), name=name)
    hdu.header["FZTILELN"] = TILE_ROWS
    for column, algorithm in algorithms.items():
        number = [c.name for c in hdu.columns].index(column) + 1
        hdu.header[f"FZALG{number}"] = algorithm
    return hdu


def make_fixed(rng):
    """Defaults (GZIP_2 for I/K/E/D, RICE_1 for J, GZIP_1 for L/X/B/A) and every override fpack accepts."""
    defaults = fixed_hdu(rng, "DEFAULTS", {})
    overrides = fixed_hdu(
        rng,
        "OVERRIDES",
        {"BYTE": "RICE_1", "SHORT": "RICE_1", "USHORT": "GZIP_1", "INT": "GZIP_2", "NULLED": "GZIP_1",
         "LONG": "GZIP_1", "FLUX": "GZIP_1", "TIME": "GZIP_1"},
    )
    # Under two blocks of data: fpack copies it uncompressed.
    small = fits.BinTableHDU.from_columns(fixed_columns(rng, 20), name="SMALL")
    return [fits.PrimaryHDU(), defaults, overrides, small]


def make_complex(rng):
    """C and M columns: fpack's default GZIP_2 does not shuffle them, and funpack refuses to read them."""
    n = ROWS
    columns = [
        fits.Column(name="ID", format="J", array=np.arange(n, dtype=np.int32)),
        fits.Column(name="Z", format="C", array=(rng.normal(0, 1, n) + 1j * np.arange(n)).astype(np.complex64)),
        fits.Column(name="ZZ", format="2M", array=(rng.normal(0, 1, (n, 2)) - 2j).astype(np.complex128)),
    ]
    hdu = fits.BinTableHDU.from_columns(columns, name="COMPLEX")
    hdu.header["FZTILELN"] = 100
    return [fits.PrimaryHDU(), hdu]


def make_vla(rng):
    """Variable-length arrays of every type astropy writes; some cells compress, some are stored raw."""
    n = ROWS

    def cells(dtype, scale):
        out = []
        for i in range(n):
            length = (i * 7) % 11
            # Every third cell is random (it does not compress, so fpack stores it raw).
            values = rng.integers(-scale, scale, length) if i % 3 == 0 else np.arange(length) * (i % 4 + 1)
            out.append(np.asarray(values).astype(dtype))
        return out

    columns = [
        fits.Column(name="ID", format="J", array=np.arange(n, dtype=np.int32)),
        fits.Column(name="VJ", format="PJ()", array=cells(np.int32, 2**31 - 1)),
        fits.Column(name="VI", format="PI()", array=cells(np.int16, 32767)),
        fits.Column(name="VB", format="PB()", array=cells(np.uint8, 128)),
        fits.Column(name="VE", format="PE()", array=[c.astype(np.float32) / 3 for c in cells(np.int32, 10**6)]),
        fits.Column(name="VD", format="QD()", array=[c / 7.0 for c in cells(np.int64, 10**9)]),
        fits.Column(name="VK", format="PK()", array=cells(np.int64, 2**62)),
    ]
    hdu = fits.BinTableHDU.from_columns(columns, name="VLA")
    hdu.header["FZTILELN"] = TILE_ROWS
    hdu.header["FZALG3"] = "RICE_1"  # VI
    hdu.header["FZALG5"] = "GZIP_1"  # VE
    return [fits.PrimaryHDU(), hdu]


def make_vla_text():
    """PL() and PA() columns: funpack 4.2.0 aborts on them ("realloc(): invalid old size")."""
    n = ROWS
    columns = [
        fits.Column(name="ID", format="J", array=np.arange(n, dtype=np.int32)),
        # astropy 5.2 writes PL() booleans as bytes 1 and 0, which are not FITS logicals: give it 'T' and 'F'.
        fits.Column(name="VL", format="PL()", array=[np.frombuffer(b"TFT"[: i % 4], np.int8) for i in range(n)]),
        fits.Column(name="VA", format="PA()", array=[f"text {i}"[: i % 9] for i in range(n)]),
    ]
    hdu = fits.BinTableHDU.from_columns(columns, name="VLATEXT")
    hdu.header["FZTILELN"] = TILE_ROWS
    return [fits.PrimaryHDU(), hdu]


def run(command):
    return subprocess.run(command, capture_output=True, text=True)


def make(name, hdus):
    path = mf.OUT / f"{name}.fits"
    with tempfile.TemporaryDirectory() as work:
        original = Path(work) / "original.fits"
        mf.write_hdul(hdus, original)
        packed = Path(work) / "original.fits.fz"
        result = run([FPACK, "-table", "-O", str(packed), str(original)])
        assert result.returncode == 0, result.stderr
        unpacked = Path(work) / "unpacked.fits"
        result = run([FUNPACK, "-O", str(unpacked), str(packed)])
        # Rows at the start, across the first tile boundary (row 64) and in the last, partial tile.
        plan = {
            i: {"rows": [(0, 4), (62, 66), (296, 300)] if len(hdu.data) == ROWS else [(0, 3), (18, 20)]}
            for i, hdu in enumerate(hdus)
            if i > 0
        }
        reference = mf.describe_file(original, plan)
        if result.returncode == 0:
            unpacked_rows = mf.describe_file(unpacked, plan)
            for want, got in zip(reference["hdus"], unpacked_rows["hdus"]):
                assert want.get("rows") == got.get("rows"), f"{name} HDU {want['index']}: funpack differs"
            reference = unpacked_rows
            source = "funpack"
        else:
            lines = [line for line in result.stderr.splitlines() if "rror" in line or "realloc" in line]
            source = f"the table before fpack (funpack exits with {result.returncode}: {lines[-1].strip()})"
        path.write_bytes(packed.read_bytes())
    for hdu in reference["hdus"]:
        for rows in hdu.get("rows", []):
            if "VL" in rows["columns"]:
                # Standard over astropy: it reads PL() cells as the int8 bytes 84 and 70, not as logicals.
                rows["columns"]["VL"] = [[mf.logical_json(b) for b in cell] for cell in rows["columns"]["VL"]]
    expected = mf.describe_file(path, {i: {"rows": []} for i in range(1, len(hdus))})
    for entry, ref in zip(expected["hdus"], reference["hdus"]):
        assert entry["index"] == ref["index"]
        if entry["type"] == "BINTABLE":
            entry["shape"] = ref["shape"]
            entry["rows"] = ref["rows"]
    expected["rows_from"] = source
    text = json.dumps(expected, indent=2, allow_nan=False) + "\n"
    expected_path = mf.OUT / f"{name}.expected.json"
    expected_path.write_text(text)
    for produced in (path, expected_path):
        assert produced.stat().st_size <= mf.MAX_FIXTURE_BYTES, f"{produced.name} is larger than 100 KB"
    print(f"{path.name}: {path.stat().st_size} B, rows from {source}")


def main():
    make("ztable_fixed", make_fixed(np.random.default_rng(15)))
    make("ztable_complex", make_complex(np.random.default_rng(16)))
    make("ztable_vla", make_vla(np.random.default_rng(17)))
    make("ztable_vla_text", make_vla_text())


if __name__ == "__main__":
    main()

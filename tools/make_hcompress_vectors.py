#!/usr/bin/python3
"""Make the HCOMPRESS_1 tile vectors in testdata/hcompress/ for tests/fits/tiles/hcompress_test.ts.

Run with Debian's Python (astropy 5.2.1, numpy 1.24) and cfitsio's tools (Debian package libcfitsio-bin):

    /usr/bin/python3 tools/make_hcompress_vectors.py

Each vector is one compressed tile: the bytes of its COMPRESSED_DATA heap entry, read with astropy from a file
that cfitsio's `fpack -h` (or astropy's own cfitsio copy, for SMOOTH = 1) wrote, and the tile's integers as
cfitsio's `funpack` decompressed them. The images are deterministic (fixed seeds), so the vectors are too.
"""

import base64
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from astropy.io import fits

OUT = Path(__file__).resolve().parent.parent / "testdata" / "hcompress"
MAX_FILE_BYTES = 100 * 1024


def smooth_field(rows, cols, seed, noise, base=1000.0, amplitude=300.0, period=1.0):
    """A smooth pattern plus Gaussian noise: compressible, with structure that smoothing changes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    field = base + amplitude * np.sin(x / (7.0 * period)) * np.cos(y / (5.0 * period)) + 40.0 * np.sin((x + 2 * y) / 23.0)
    return field + rng.normal(0.0, noise, (rows, cols))


def images():
    """(name, pixels, fpack arguments or None for astropy, description) for every vector file."""
    rng = np.random.default_rng(20240601)
    return [
        ("int16_37x23", smooth_field(23, 37, 1, 5.0).astype(np.int16) - 900, ["-h"],
         "int16, lossless, one 37 × 23 tile (odd, non-square)"),
        ("int32_full_range_20x16", rng.integers(-2**31, 2**31 - 1, (16, 20), dtype=np.int64).astype(np.int32),
         ["-h"], "int32 over the full range, lossless (needs 64-bit coefficients)"),
        ("uint8_13x9", rng.integers(0, 256, (9, 13)).astype(np.uint8), ["-h"],
         "uint8 (ZBITPIX 8), lossless, one 13 × 9 tile"),
        ("int16_tiles_50x40", smooth_field(40, 50, 2, 3.0).astype(np.int16), ["-h", "-t", "16,16"],
         "int16, lossless, 16 × 16 tiles with partial edge tiles"),
        ("int16_lossy_64x48", smooth_field(48, 64, 3, 8.0).astype(np.int16), ["-h", "-s", "4"],
         "int16, lossy fpack -s 4 (SCALE relative to noise), SMOOTH = 0"),
        ("int16_lossy_smooth_64x48", smooth_field(48, 64, 3, 8.0).astype(np.int16), None,
         "int16, lossy SCALE = 4 and SMOOTH = 1 written by astropy; funpack smooths"),
        ("int32_lossy_smooth_512x512", smooth_field(512, 512, 4, 2.0, 5000.0, 2000.0, 8.0).astype(np.int32), None,
         "int32, one 512 × 512 tile, lossy SCALE = 24 and SMOOTH = 1; pixels as a SHA-256"),
    ]


def compress(work, name, pixels, fpack_args, astropy_scale):
    """Write the image, compress it, decompress it with funpack; return (.fz path, funpack pixels)."""
    plain = work / f"{name}.fits"
    packed = work / f"{name}.fits.fz"
    fits.PrimaryHDU(pixels).writeto(plain, overwrite=True)
    if fpack_args is None:
        # fpack has no switch for SMOOTH, so astropy (which bundles cfitsio) writes these files.
        hdu = fits.CompImageHDU(pixels, compression_type="HCOMPRESS_1", hcomp_scale=astropy_scale, hcomp_smooth=1,
                                tile_size=pixels.shape)
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(packed, overwrite=True)
    else:
        subprocess.run(["fpack", *fpack_args, "-O", str(packed), str(plain)], check=True)
    unpacked = work / f"{name}.unpacked.fits"
    subprocess.run(["funpack", "-O", str(unpacked), str(packed)], check=True)
    with fits.open(unpacked, do_not_scale_image_data=True) as hdul:
        hdu = hdul[0] if hdul[0].data is not None else hdul[1]
        return packed, np.array(hdu.data, dtype=np.int64)


def tile_vectors(packed, unpacked, big):
    """One dict per tile of the compressed HDU, with the tile's bytes and funpack's pixels."""
    with fits.open(packed, disable_image_compression=True) as hdul:
        table = hdul[1]
        header = table.header
        assert header["ZCMPTYPE"] == "HCOMPRESS_1", header["ZCMPTYPE"]
        params = {header[f"ZNAME{i}"]: header[f"ZVAL{i}"] for i in range(1, 10) if f"ZNAME{i}" in header}
        n1, n2 = header["ZNAXIS1"], header["ZNAXIS2"]
        t1, t2 = header["ZTILE1"], header["ZTILE2"]
        tiles_per_row = -(-n1 // t1)
        vectors = []
        for row, stream in enumerate(table.data["COMPRESSED_DATA"]):
            x0 = (row % tiles_per_row) * t1
            y0 = (row // tiles_per_row) * t2
            pixels = unpacked[y0:y0 + t2, x0:x0 + t1]
            vector = {
                "tile": row + 1,
                "nx": int(pixels.shape[1]),
                "ny": int(pixels.shape[0]),
                "zbitpix": int(header["ZBITPIX"]),
                "smooth": bool(params.get("SMOOTH", 0)),
                "stream_base64": base64.b64encode(bytes(np.asarray(stream, dtype=np.uint8))).decode("ascii"),
            }
            flat = pixels.astype("<i4").ravel()
            if big:
                vector["expected_sha256"] = hashlib.sha256(flat.tobytes()).hexdigest()
                vector["expected_first"] = [int(v) for v in flat[:16]]
            else:
                vector["expected"] = [int(v) for v in flat]
            vectors.append(vector)
        return vectors


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    readme = [
        "# HCOMPRESS_1 tile vectors",
        "",
        "Made by `/usr/bin/python3 tools/make_hcompress_vectors.py` (astropy 5.2.1 and cfitsio 4.2's fpack/funpack",
        "from Debian's libcfitsio-bin). Each file holds the tiles of one compressed image: the COMPRESSED_DATA bytes",
        "and the integers funpack decompressed (`expected`, row-major), or their SHA-256 as little-endian int32.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, pixels, fpack_args, description in images():
            big = "512" in name
            astropy_scale = 24 if big else 4
            packed, unpacked = compress(work, name, pixels, fpack_args, astropy_scale)
            document = {
                "name": name,
                "made_by": "fpack " + " ".join(fpack_args) if fpack_args else "astropy CompImageHDU",
                "tiles": tile_vectors(packed, unpacked, big),
            }
            path = OUT / f"{name}.json"
            path.write_text(json.dumps(document, separators=(",", ":")) + "\n")
            size = path.stat().st_size
            assert size <= MAX_FILE_BYTES, f"{path} is {size} bytes"
            how = f"`fpack {' '.join(fpack_args)}`" if fpack_args else f"astropy `CompImageHDU(hcomp_scale={astropy_scale}, hcomp_smooth=1)`"
            readme.append(f"- `{name}.json`: {description}; compressed by {how}, decompressed by `funpack`.")
    (OUT / "README.md").write_text("\n".join(readme) + "\n")


if __name__ == "__main__":
    main()

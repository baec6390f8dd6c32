#!/usr/bin/python3
"""Write the benchmark data set with astropy (Debian python3-astropy).

Usage: /usr/bin/python3 bench/make_data.py CONFIG_JSON

CONFIG_JSON (written by bench/run.ts) names the output directory, the cube geometry, the selections to
check, the number of small files and the large table's row count. The script writes:

- tess_cube.fits: a TESS FFI cube in astrocut's layout (primary header; IMAGE, BITPIX -32, NAXIS 4 =
  (2, frames, columns, rows); BINTABLE with one row per frame). The image is a hole in a sparse file
  except one block of block x block pixels at (row0, col0), every frame, whose values are
  ((r - row0) * 32 + (c - col0)) * 2048 + t (flux) and that + 0.5 (flux error): exact in float32.
- small/f0000.fits ...: small multi-extension files (primary + SCI, ERR, DQ images).
- big_table.fits: a BINTABLE with ID (K), RA (D), DEC (D), MAG (E), FLAGS (J), NAME (16A).
- manifest.json: the config it was made from and the expected checksums of every selection.

Nothing is rewritten when manifest.json already records the same config.
"""
import io
import json
import os
import sys

import numpy as np
from astropy.io import fits

BLOCK = 2880


def padded(n):
    return (n + BLOCK - 1) // BLOCK * BLOCK


def sip_names():
    names = []
    for prefix in ("A", "B", "AP", "BP"):
        for i in range(5):
            for j in range(5 - i):
                names.append(f"{prefix}_{i}_{j}")
    return names


def cube_table(frames):
    """The cube's HDU 2: one row per frame, one column per FFI header keyword, as astrocut writes it."""
    t = np.arange(frames, dtype=np.float64)
    cols = [
        fits.Column(name="TSTART", format="D", array=1000.0 + 0.25 * t),
        fits.Column(name="TSTOP", format="D", array=1000.125 + 0.25 * t),
        fits.Column(name="BARYCORR", format="D", array=0.0001 * t),
        fits.Column(name="DQUALITY", format="J", array=(np.arange(frames) % 7).astype(np.int32)),
        fits.Column(
            name="FFI_FILE",
            format="38A",
            array=np.array([f"tess2020{i:09d}-s0022-4-4-0167-s_ffic.fits"[:38] for i in range(frames)]),
        ),
    ]
    keywords = (
        ["CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CD1_1", "CD1_2", "CD2_1", "CD2_2", "A_ORDER", "B_ORDER"]
        + ["CRPIX1P", "CRPIX2P", "CRVAL1P", "CRVAL2P", "EXPOSURE", "TIMEDEL", "INT_TIME", "NUM_FRM", "TIERRELA"]
        + ["DEADC", "GAINA", "GAINB", "GAINC", "GAIND", "READNOIA", "READNOIB", "READNOIC", "READNOID"]
        + ["MEANBLCA", "MEANBLCB", "MEANBLCC", "MEANBLCD", "DATE-OBS", "DATE-END", "BJDREFI", "BJDREFF"]
        + sip_names()
    )
    for i, name in enumerate(keywords):
        cols.append(fits.Column(name=name, format="D", array=np.full(frames, i + 0.5)))
    return fits.BinTableHDU.from_columns(cols)


def extension_bytes(hdu):
    """An extension HDU's bytes as astropy writes them (header, data, padding)."""
    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(buffer)
    raw = buffer.getvalue()
    return raw[BLOCK:]  # the bare primary header is exactly one block


def write_cube(path, cfg):
    rows, cols, frames = cfg["rows"], cfg["cols"], cfg["frames"]
    row0, col0, n = cfg["row0"], cfg["col0"], cfg["block"]
    primary = fits.PrimaryHDU()
    primary.header["EXTEND"] = True
    for key, value in [
        ("ORIGIN", "STScI/MAST"), ("DATE", "2020-04-16"), ("TSTART", 1000.0), ("TSTOP", 1000.0 + 0.25 * frames),
        ("DATE-OBS", "2020-03-19T04:00:00"), ("DATE-END", "2020-04-15T10:00:00"), ("CREATOR", "astrocut"),
        ("PROCVER", "spoc-4.0.26"), ("FILEVER", "1.0"), ("TIMVERSN", "OGIP/93-003"), ("TELESCOP", "TESS"),
        ("INSTRUME", "TESS Photometer"), ("DATA_REL", 31), ("SECTOR", 22), ("CAMERA", 4), ("CCD", 4),
        ("RADESYS", "ICRS"), ("EQUINOX", 2000.0), ("CRMITEN", True), ("CRBLKSZ", 10), ("CRSPOC", False),
    ]:
        primary.header[key] = value
    image = fits.Header()
    image["XTENSION"] = ("IMAGE", "Image extension")
    image["BITPIX"] = (-32, "array data type")
    image["NAXIS"] = (4, "number of array dimensions")
    image["NAXIS1"] = 2
    image["NAXIS2"] = frames
    image["NAXIS3"] = cols
    image["NAXIS4"] = rows
    image["PCOUNT"] = 0
    image["GCOUNT"] = 1
    image["INHERIT"] = True
    primary_bytes = primary.header.tostring().encode("ascii")
    image_bytes = image.tostring().encode("ascii")
    assert len(primary_bytes) == BLOCK and len(image_bytes) == BLOCK, "cube headers must be one block each"
    data_offset = 2 * BLOCK
    data_size = rows * cols * frames * 2 * 4

    t = np.arange(frames, dtype=np.float64)
    base = (np.arange(n)[:, None] * 32 + np.arange(n)[None, :]) * 2048.0
    block = np.empty((n, n, frames, 2), dtype=">f4")
    block[..., 0] = base[:, :, None] + t[None, None, :]
    block[..., 1] = base[:, :, None] + t[None, None, :] + 0.5

    with open(path, "wb") as out:
        out.write(primary_bytes)
        out.write(image_bytes)
        for i in range(n):
            out.seek(data_offset + ((row0 + i) * cols + col0) * frames * 8)
            out.write(block[i].tobytes())
        out.seek(data_offset + padded(data_size))
        out.write(extension_bytes(cube_table(frames)))
    return block


def check_cube(block, cfg, selection):
    """Expected float64 sum of a numpy-order selection that lies inside the written block."""
    keys = []
    for axis, entry in enumerate(selection):
        origin = cfg["row0"] if axis == 0 else cfg["col0"] if axis == 1 else 0
        if entry is None:
            keys.append(slice(None))
        elif isinstance(entry, list):
            assert entry[0] - origin >= 0, "selection must lie inside the written block"
            keys.append(slice(entry[0] - origin, entry[1] - origin))
        else:
            keys.append(entry - origin)
    return float(block[tuple(keys)].astype(np.float64).sum())


def write_small_files(directory, count):
    os.makedirs(directory, exist_ok=True)
    names = []
    for i in range(count):
        primary = fits.PrimaryHDU()
        for j in range(24):
            primary.header[f"KEY{j:02d}"] = (j * 1.5 + i, "a primary keyword")
        primary.header["OBSID"] = f"obs{i:05d}"
        hdus = [primary]
        for name, dtype in (("SCI", np.float32), ("ERR", np.float32), ("DQ", np.int16)):
            ext = fits.ImageHDU(data=np.full((16, 16), i % 100, dtype=dtype), name=name)
            for j in range(12):
                ext.header[f"EKEY{j:02d}"] = (j, "an extension keyword")
            hdus.append(ext)
        name = f"f{i:04d}.fits"
        fits.HDUList(hdus).writeto(os.path.join(directory, name), overwrite=True)
        names.append(name)
    return names


def write_big_table(path, rows):
    i = np.arange(rows, dtype=np.int64)
    cols = [
        fits.Column(name="ID", format="K", array=i),
        fits.Column(name="RA", format="D", array=(i % 3600000) * 1e-4),
        fits.Column(name="DEC", format="D", array=(i % 1800000) * 1e-4 - 90.0),
        fits.Column(name="MAG", format="E", array=((i % 1024) / 64.0).astype(np.float32)),
        fits.Column(name="FLAGS", format="J", array=(i % 31).astype(np.int32)),
        fits.Column(name="NAME", format="16A", array=np.char.add("src", (i % 100000).astype("U6"))),
    ]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols, name="CATALOG")]).writeto(
        path, overwrite=True
    )
    return i


def main():
    cfg = json.loads(sys.argv[1])
    out = cfg["dir"]
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            old = json.load(f)
        if old.get("config") == cfg:
            print(json.dumps({"reused": True}))
            return

    cube = cfg["cube"]
    block = write_cube(os.path.join(out, "tess_cube.fits"), cube)
    checks = {}
    for name, selection in cfg["cubeSelections"].items():
        checks[name] = check_cube(block, cube, selection)
    t = np.arange(cube["frames"], dtype=np.float64)
    start, stop = cfg["cubeRows"]
    checks["cubeRows"] = float(
        (1000.0 + 0.25 * t[start:stop]).sum() + (1000.125 + 0.25 * t[start:stop]).sum()
        + (np.arange(cube["frames"])[start:stop] % 7).sum()
    )

    small = write_small_files(os.path.join(out, "small"), cfg["smallFiles"])
    checks["smallHdus"] = 4 * len(small)
    checks["cubeHdus"] = 3

    ids = write_big_table(os.path.join(out, "big_table.fits"), cfg["tableRows"])
    start, stop = cfg["tableSlice"]
    sel = ids[start:stop]
    checks["tableSlice"] = float(sel.sum() + ((sel % 3600000) * 1e-4).sum()
                                 + ((sel % 1024) / 64.0).astype(np.float32).astype(np.float64).sum())
    checks["tableColumn"] = float(((ids % 3600000) * 1e-4).sum())

    manifest = {
        "config": cfg,
        "checks": checks,
        "smallFiles": ["small/" + name for name in small],
        "sizes": {
            "tess_cube.fits": os.path.getsize(os.path.join(out, "tess_cube.fits")),
            "big_table.fits": os.path.getsize(os.path.join(out, "big_table.fits")),
        },
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    print(json.dumps({"reused": False}))


if __name__ == "__main__":
    main()

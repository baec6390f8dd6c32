#!/usr/bin/python3
"""Write the benchmark data set with astropy (Debian python3-astropy).

Usage: /usr/bin/python3 bench/make_data.py CONFIG_JSON

CONFIG_JSON (written by bench/run.ts) names the output directory, the cube geometry, the selections to
check, the number of small files and the large table's row count. The script writes:

- tess_cube.fits: a TESS FFI cube in astrocut's layout (primary header; IMAGE, BITPIX -32, NAXIS 4 =
  (2, frames, columns, rows); BINTABLE with one row per frame). The image is a hole in a sparse file
  except one block of block x block pixels at (row0, col0), every frame, whose values are
  ((r - row0) * 32 + (c - col0)) * 2048 + t, less 400 on 8 frames of every 250 (a "transit"), (flux)
  and that + 0.5 (flux error): exact in float32.
- small/f0000.fits ...: small multi-extension files (primary + SCI, ERR, DQ images).
  The table carries a TESS-like TAN-SIP WCS in every row (CTYPE1/2, CRVAL, CRPIX, CD, SIP A/B), so
  `cloudfits lightcurve --ra --dec` works on it; targets.csv holds the light-curve positions (astropy's
  all_pix2world of pixel centres: the first on the written block, the rest on a grid over the frame).
- image.fits: a float32 2-D image in the primary HDU, value (r * 7 + c * 3) % 4096 at row r, column c.
- compressed.fits: a float32 sky-like image (a gradient, seeded noise, stars) tile-compressed in HDU 1 as
  fpack writes by default: RICE_1, one tile per row, quantized (q = 4) with SUBTRACTIVE_DITHER_1 (seed 1);
  the expected section sum is astropy's decompression of that file.
- big_table.fits: a BINTABLE with ID (K), RA (D), DEC (D), MAG (E), FLAGS (J), NAME (16A).
- manifest.json: the config it was made from, the expected checksums of every selection, the header
  sizes and the light-curve positions.

Nothing is rewritten when manifest.json already records the same config.
"""
import io
import json
import os
import sys

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

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


# A TESS-like WCS (camera 4 near the south ecliptic pole), written into every row of the frame table.
WCS_KEYS = {"CRVAL1": 84.29, "CRVAL2": -80.47, "CRPIX1": 1045.0, "CRPIX2": 1001.0, "CD1_1": -5.7e-3,
            "CD1_2": 2.1e-4, "CD2_1": 2.3e-4, "CD2_2": 5.6e-3, "A_ORDER": 2.0, "B_ORDER": 2.0,
            "A_2_0": 1.1e-6, "A_0_2": -7e-7, "A_1_1": 4e-7, "B_2_0": 6e-7, "B_0_2": 1.2e-6, "B_1_1": -3e-7}


def cube_wcs():
    header = fits.Header()
    header["CTYPE1"], header["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"
    for key, value in WCS_KEYS.items():
        header[key] = int(value) if key.endswith("ORDER") else value
    return WCS(header)


def frame_quality(frames):
    """DQUALITY: a flag (128, manual exclude) on every 97th frame."""
    return np.where(np.arange(frames) % 97 == 0, 128, 0).astype(np.int32)


def transit_dips(frames):
    """400 counts less per pixel on 8 frames out of every 250: integers, so every sum stays exact."""
    return np.where(np.arange(frames) % 250 < 8, 400.0, 0.0)


def cube_table(frames):
    """The cube's HDU 2: one row per frame, one column per FFI header keyword, as astrocut writes it."""
    t = np.arange(frames, dtype=np.float64)
    cols = [
        fits.Column(name="TSTART", format="D", array=1000.0 + 0.25 * t),
        fits.Column(name="TSTOP", format="D", array=1000.125 + 0.25 * t),
        fits.Column(name="BARYCORR", format="D", array=0.0001 * t),
        fits.Column(name="DQUALITY", format="J", array=frame_quality(frames)),
        fits.Column(
            name="FFI_FILE",
            format="38A",
            array=np.array([f"tess2020{i:09d}-s0022-4-4-0167-s_ffic.fits"[:38] for i in range(frames)]),
        ),
        fits.Column(name="CTYPE1", format="12A", array=np.array(["RA---TAN-SIP"] * frames)),
        fits.Column(name="CTYPE2", format="12A", array=np.array(["DEC--TAN-SIP"] * frames)),
    ]
    keywords = (
        ["CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CD1_1", "CD1_2", "CD2_1", "CD2_2", "A_ORDER", "B_ORDER"]
        + ["CRPIX1P", "CRPIX2P", "CRVAL1P", "CRVAL2P", "EXPOSURE", "TIMEDEL", "INT_TIME", "NUM_FRM", "TIERRELA"]
        + ["DEADC", "GAINA", "GAINB", "GAINC", "GAIND", "READNOIA", "READNOIB", "READNOIC", "READNOID"]
        + ["MEANBLCA", "MEANBLCB", "MEANBLCC", "MEANBLCD", "DATE-OBS", "DATE-END", "BJDREFI", "BJDREFF"]
        + sip_names()
    )
    for i, name in enumerate(keywords):
        value = WCS_KEYS.get(name, 0.0 if name[:2] in ("A_", "B_", "AP", "BP") else i + 0.5)
        cols.append(fits.Column(name=name, format="D", array=np.full(frames, value)))
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
    block[..., 0] = base[:, :, None] + t[None, None, :] - transit_dips(frames)[None, None, :]
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


def light_curve_targets(cfg, count):
    """Pixels (x, y, 0-based) of the light curves: the written block's 5 x 5 centre, then a grid."""
    rows, cols = cfg["rows"], cfg["cols"]
    points = [(cfg["col0"] + 12, cfg["row0"] + 12)]
    side = int(np.ceil(np.sqrt(count)))
    for i in range(count - 1):
        x = 3 + (i % side) * (cols - 7) // max(1, side - 1)
        y = 3 + (i // side) * (rows - 7) // max(1, side - 1)
        points.append((x, y))
    # A quarter pixel off the centre: at the centre a 5-pixel box's edges fall on .5, where the rounding
    # of each edge flips with the last bit of the WCS arithmetic (Deno and Bun differ there).
    world = cube_wcs().all_pix2world(np.array(points, dtype=np.float64) + 0.25, 0)
    return [{"name": f"t{i:03d}", "x": p[0], "y": p[1], "ra": float(w[0]), "dec": float(w[1])}
            for i, (p, w) in enumerate(zip(points, world))]


def light_curve_sum(block, cfg, targets, size=5):
    """Sum over every cadence and target of the 5 x 5 flux sums (the block; holes are zero)."""
    total = 0.0
    n = cfg["block"]
    for target in targets:
        r_lo, c_lo = target["y"] - size // 2 - cfg["row0"], target["x"] - size // 2 - cfg["col0"]
        rs = slice(max(0, r_lo), max(0, min(n, r_lo + size)))
        cs = slice(max(0, c_lo), max(0, min(n, c_lo + size)))
        total += float(block[rs, cs, :, 0].astype(np.float64).sum())
    return total


def write_image(path, side):
    r = np.arange(side, dtype=np.int64)[:, None]
    c = np.arange(side, dtype=np.int64)[None, :]
    image = ((r * 7 + c * 3) % 4096).astype(np.float32)
    fits.PrimaryHDU(image).writeto(path, overwrite=True)
    return image


def write_compressed(path, side):
    """A tile-compressed float32 image (RICE_1, row tiles, dithered quantization) of a sky-like field."""
    rng = np.random.default_rng(5)
    r = np.arange(side, dtype=np.float64)[:, None]
    c = np.arange(side, dtype=np.float64)[None, :]
    image = 1000.0 + 0.05 * r + 0.03 * c + rng.normal(0.0, 10.0, (side, side))
    stamp = np.arange(-8, 9, dtype=np.float64)
    for y, x, flux in zip(rng.integers(8, side - 8, 60), rng.integers(8, side - 8, 60), rng.uniform(500, 50000, 60)):
        image[y - 8:y + 9, x - 8:x + 9] += flux * np.exp(-(stamp[:, None] ** 2 + stamp[None, :] ** 2) / 4.5)
    hdu = fits.CompImageHDU(image.astype(np.float32), compression_type="RICE_1", quantize_level=4.0,
                            quantize_method=1, dither_seed=1)
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path, overwrite=True)


def compressed_section(path, selection):
    """The section's sum as astropy decompresses it, and the bytes a reader needs for it: the headers,
    the tile table's rows of the tiles it covers and those tiles' compressed bytes in the heap."""
    (r0, r1), (c0, c1) = selection
    with fits.open(path) as hdul:
        check = float(hdul[1].data[r0:r1, c0:c1].astype(np.float64).sum())
    with fits.open(path, disable_image_compression=True) as hdul:
        table = hdul[1]
        width, height = table.header["ZTILE1"], table.header["ZTILE2"]
        assert width == table.header["ZNAXIS1"], "row tiles expected"
        tiles = range(r0 // height, (r1 - 1) // height + 1)
        heap = 0
        for name in ("COMPRESSED_DATA", "GZIP_COMPRESSED_DATA"):
            if name in table.columns.names:
                heap += sum(len(table.data[name][i]) for i in tiles)
        rows = len(tiles) * table.header["NAXIS1"]
        return {"check": check, "headers": table._data_offset, "tiles": rows + heap}


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


def cube_table_layout(path):
    """The frame table's header size and row width, as the bench's "bytes needed" counts them."""
    with fits.open(path) as hdul:
        return {"cubeTable": hdul[2]._data_offset - hdul[2]._header_offset,
                "cubeTableRow": hdul[2].header["NAXIS1"]}


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
        + frame_quality(cube["frames"])[start:stop].sum()
    )

    targets = light_curve_targets(cube, cfg["lightCurves"])
    checks["lightCurve"] = light_curve_sum(block, cube, targets[:1])
    checks["lightCurves"] = light_curve_sum(block, cube, targets)
    with open(os.path.join(out, "targets.csv"), "w") as f:
        f.write("name,ra,dec\n" + "".join(f'{t["name"]},{t["ra"]!r},{t["dec"]!r}\n' for t in targets))

    image = write_image(os.path.join(out, "image.fits"), cfg["imageSide"])
    (r0, r1), (c0, c1) = cfg["imageSelection"]
    checks["imageCutout"] = float(image[r0:r1, c0:c1].astype(np.float64).sum())

    write_compressed(os.path.join(out, "compressed.fits"), cfg["compressedSide"])
    compressed = compressed_section(os.path.join(out, "compressed.fits"), cfg["compressedSelection"])
    checks["compressedCutout"] = compressed.pop("check")

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
        "targets": targets,
        "headerBytes": cube_table_layout(os.path.join(out, "tess_cube.fits")),
        "compressedBytes": compressed,
        "sizes": {
            "tess_cube.fits": os.path.getsize(os.path.join(out, "tess_cube.fits")),
            "big_table.fits": os.path.getsize(os.path.join(out, "big_table.fits")),
            "image.fits": os.path.getsize(os.path.join(out, "image.fits")),
            "compressed.fits": os.path.getsize(os.path.join(out, "compressed.fits")),
        },
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    print(json.dumps({"reused": False}))


if __name__ == "__main__":
    main()

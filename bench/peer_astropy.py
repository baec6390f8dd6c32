#!/usr/bin/python3
"""The benchmark's peer: one task with astropy.io.fits over fsspec, timed, in a fresh process.

Usage: /usr/bin/python3 bench/peer_astropy.py TASK_JSON

Prints one JSON line: {"coldMs", "warmMs", "check", "rssKb"}. Cold is open + read in this fresh
process (imports excluded); warm repeats the read on the already opened file. Remote files are opened
as careful astropy users do: fits.open(url, use_fsspec=True, lazy_load_hdus=True), with fsspec's
default block size or the task's "blockSize" (passed as fsspec_kwargs={"block_size": N}).
"""
import io
import json
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import astropy
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS


# How to read a run, for its row (the first one noted).
NOTES = []


def peak_rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def open_remote(url, task):
    kwargs = {"block_size": task["blockSize"]} if task.get("blockSize") else {}
    return fits.open(url, use_fsspec=True, lazy_load_hdus=True, fsspec_kwargs=kwargs)


def keys_of(selection):
    keys = []
    for entry in selection:
        if entry is None:
            keys.append(slice(None))
        elif isinstance(entry, list):
            keys.append(slice(*entry))
        else:
            keys.append(entry)
    return tuple(keys)


def numeric_sum(table, columns):
    total = 0.0
    for name in columns:
        values = table[name]
        if values.dtype.kind in "biuf":
            total += float(np.asarray(values, dtype=np.float64).sum())
    return total


def mark_cold_done(url):
    """Tell the benchmark server that the cold phase is over (see bench/server.ts)."""
    urllib.request.urlopen(urllib.parse.urljoin(url, ".cold-done")).close()


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def run_section(task):
    hdul = None

    def read():
        hdu = hdul[task["hdu"]]
        if hasattr(hdu, "section"):
            return hdu.section[keys_of(task["selection"])]
        NOTES.append(f"astropy {astropy.__version__}: no .section on a compressed HDU, .data decompresses it whole")
        return hdu.data[keys_of(task["selection"])]

    def cold():
        nonlocal hdul
        hdul = open_remote(task["url"], task)
        return read()

    cold_ms, data = timed(cold)
    check = float(np.asarray(data, dtype=np.float64).sum())
    mark_cold_done(task["url"])
    warm_ms, _ = timed(read)
    return cold_ms, warm_ms, check


def run_rows(task):
    hdul = None
    start, stop = task["start"], task["stop"]

    def read():
        rows = hdul[task["hdu"]].data[start:stop]
        return {name: rows[name] for name in task["columns"]}

    def cold():
        nonlocal hdul
        hdul = open_remote(task["url"], task)
        return read()

    cold_ms, table = timed(cold)
    mark_cold_done(task["url"])
    warm_ms, _ = timed(read)
    return cold_ms, warm_ms, numeric_sum(table, task["columns"])


def run_column(task):
    hdul = None

    def cold():
        nonlocal hdul
        hdul = open_remote(task["url"], task)
        return np.asarray(hdul[task["hdu"]].data[task["column"]])

    cold_ms, values = timed(cold)
    mark_cold_done(task["url"])
    warm_ms, _ = timed(lambda: np.asarray(hdul[task["hdu"]].data[task["column"]]))
    return cold_ms, warm_ms, float(values.astype(np.float64).sum())


def frame_wcs(table):
    """The WCS astrocut takes: the middle frame's row (every row of the bench cube has one)."""
    row = table[len(table) // 2]
    header = fits.Header()
    for name in table.columns.names:
        if name.startswith(("CTYPE", "CRVAL", "CRPIX", "CD1_", "CD2_", "A_", "B_")):
            value = row[name]
            header[name] = value.strip() if isinstance(value, str) else (
                int(value) if name.endswith("ORDER") else float(value))
    return WCS(header)


def light_curves(hdul, task):
    """As astrocut + lightkurve would: the frame table, world -> pixel, a section per target, NaN sums."""
    table = hdul[2].data
    times = (np.asarray(table["TSTART"]) + np.asarray(table["TSTOP"])) / 2
    quality = np.asarray(table["DQUALITY"])
    wcs = frame_wcs(table)
    size = task["size"]
    total = 0.0
    for target in task["targets"]:
        x, y = wcs.all_world2pix([[target["ra"], target["dec"]]], 0)[0]
        c0, r0 = int(np.round(x - (size - 1) / 2)), int(np.round(y - (size - 1) / 2))
        pixels = hdul[1].section[r0:r0 + size, c0:c0 + size, :, :]
        flux = np.nansum(pixels[..., 0].astype(np.float64), axis=(0, 1))
        total += float(flux.sum())
    assert len(times) == len(quality) == pixels.shape[2]
    return total


def run_lightcurve(task):
    hdul = None

    def cold():
        nonlocal hdul
        hdul = open_remote(task["url"], task)
        return light_curves(hdul, task)

    cold_ms, check = timed(cold)
    mark_cold_done(task["url"])
    if task.get("warm") is False:
        return cold_ms, None, check
    warm_ms, _ = timed(lambda: light_curves(hdul, task))
    return cold_ms, warm_ms, check


def walk_one(url, task):
    with open_remote(url, task) as hdul:
        count = 0
        for hdu in hdul:  # lazy_load_hdus: iterating reads every header
            hdu.header
            count += 1
        return count


def run_walk(task):
    workers = task.get("threads", 1)

    def walk():
        if workers <= 1:
            return sum(walk_one(url, task) for url in task["urls"])
        with ThreadPoolExecutor(workers) as pool:
            return sum(pool.map(lambda url: walk_one(url, task), task["urls"]))

    cold_ms, count = timed(walk)
    return cold_ms, None, float(count)


def big_endian_floats(mb):
    count = mb * 1024 * 1024 // 4
    values = (np.arange(count, dtype=np.uint32) % 65536).astype(np.float32) * np.float32(0.5)
    return values.astype(">f4").tobytes()


def run_decode(task):
    raw = bytearray(big_endian_floats(task["mb"]))
    times = []
    check = None
    for _ in range(task.get("loops", 5)):
        writable = np.frombuffer(bytearray(raw), dtype=">f4")
        ms, swapped = timed(lambda: writable.byteswap(inplace=True).view("<f4"))
        times.append(ms)
        check = float(swapped[:1024].astype(np.float64).sum())
    times.sort()
    return times[len(times) // 2], times[0], check


def run_memory_section(task):
    """A whole float32 image as astropy gives it in host order: section read from memory, then astype."""
    raw = big_endian_floats(task["mb"])
    count = len(raw) // 4
    header = fits.ImageHDU(data=np.zeros(1, dtype=np.float32)).header
    header["NAXIS1"] = count
    primary = fits.PrimaryHDU().header.tostring().encode("ascii")
    head = header.tostring().encode("ascii")
    pad = b"\0" * ((-len(raw)) % 2880)
    image = primary + head + raw + pad
    times = []
    check = None
    for _ in range(task.get("loops", 5)):
        with fits.open(io.BytesIO(image), lazy_load_hdus=True, memmap=False) as hdul:
            ms, data = timed(lambda: hdul[1].section[:].astype(np.float32))
        times.append(ms)
        check = float(data[:1024].astype(np.float64).sum())
    times.sort()
    return times[len(times) // 2], times[0], check


RUNNERS = {
    "section": run_section,
    "rows": run_rows,
    "column": run_column,
    "lightcurve": run_lightcurve,
    "walk": run_walk,
    "decode": run_decode,
    "memory-section": run_memory_section,
}


def main():
    task = json.loads(sys.argv[1])
    cold_ms, warm_ms, check = RUNNERS[task["kind"]](task)
    result = {"coldMs": cold_ms, "warmMs": warm_ms, "check": check, "rssKb": peak_rss_kb()}
    if NOTES:
        result["note"] = NOTES[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()

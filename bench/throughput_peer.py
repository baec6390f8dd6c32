"""The numpy/astropy side of bench/throughput.ts: each mode times one job and prints one JSON object.

  decode RAW N REPS            numpy's copying .byteswap() and .astype(native) on the same big-endian
                               bytes as cloudfits decodes (float32 and int16), median GB/s
  write FITS OUT REPS          astropy's fits.writeto of an image read with memmap=False (big-endian,
                               so astropy writes it through), median seconds
  make-table PATH ROWS         write the benchmark's table with astropy (a 10^6-row BINTABLE)
  column TARGET NAME MODE      read one whole column: MODE memmap, nomemmap or fsspec (TARGET a URL);
                               prints the in-process seconds and the column's sum

Run with Debian's /usr/bin/python3 (python3-astropy, python3-fsspec, python3-aiohttp).
"""
import json
import statistics
import sys
import time

import numpy as np


def median_time(job, reps):
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def decode(raw, count, reps):
    data = open(raw, "rb").read()
    out = {}
    for name, dtype in (("float32", ">f4"), ("int16", ">i2")):
        values = np.frombuffer(data, dtype=dtype)
        values = values[: count * 4 // values.itemsize]
        native = values.dtype.newbyteorder("=")
        values.byteswap()  # fault the pages of numpy's allocator in before timing
        swap = median_time(values.byteswap, reps)
        cast = median_time(lambda: values.astype(native), reps)
        out[name] = {"bytes": values.nbytes, "byteswapGBps": values.nbytes / swap / 1e9,
                     "astypeGBps": values.nbytes / cast / 1e9}
    return out


def write(path, out, reps):
    from astropy.io import fits
    data = fits.getdata(path, memmap=False)
    seconds = median_time(lambda: fits.writeto(out, data, overwrite=True), reps)
    return {"bytes": data.nbytes, "seconds": seconds, "GBps": data.nbytes / seconds / 1e9,
            "dtype": data.dtype.str}


def make_table(path, rows):
    from astropy.io import fits
    rng = np.random.default_rng(16)
    columns = [
        fits.Column(name="TIME", format="D", array=np.arange(rows) * 0.02 + 1000.0),
        fits.Column(name="FLUX", format="E", array=rng.normal(1000, 30, rows).astype(np.float32)),
        fits.Column(name="FLUX_ERR", format="E", array=rng.normal(5, 1, rows).astype(np.float32)),
        fits.Column(name="QUALITY", format="J", array=rng.integers(0, 4096, rows).astype(np.int32)),
        fits.Column(name="RA", format="D", array=rng.uniform(0, 360, rows)),
        fits.Column(name="DEC", format="D", array=rng.uniform(-90, 90, rows)),
        fits.Column(name="MAG", format="E", array=rng.normal(15, 2, rows).astype(np.float32)),
        fits.Column(name="ID", format="K", array=np.arange(rows, dtype=np.int64)),
    ]
    fits.BinTableHDU.from_columns(columns, name="EVENTS").writeto(path, overwrite=True)
    return {"rows": rows}


def column(target, name, mode):
    from astropy.io import fits
    started = time.perf_counter()
    if mode == "fsspec":
        hdul = fits.open(target, use_fsspec=True, lazy_load_hdus=True)
    else:
        hdul = fits.open(target, memmap=(mode == "memmap"), lazy_load_hdus=True)
    values = hdul[1].data[name]
    total = float(np.sum(values, dtype=np.float64))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "sum": total, "count": int(values.shape[0])}


def main(argv):
    mode = argv[1]
    if mode == "decode":
        result = decode(argv[2], int(argv[3]), int(argv[4]))
    elif mode == "write":
        result = write(argv[2], argv[3], int(argv[4]))
    elif mode == "make-table":
        result = make_table(argv[2], int(argv[3]))
    elif mode == "column":
        result = column(argv[2], argv[3], argv[4])
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)

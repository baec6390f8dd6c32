#!/usr/bin/python3
"""The benchmark's cfitsio peer: one cfitsio command line tool (Debian libcfitsio-bin) reading a URL.

Usage: /usr/bin/python3 bench/peer_cfitsio.py TASK_JSON

TASK_JSON: {"tool": "imcopy" | "fitscopy", "url": "http://…", "filter": "[1][…]", "out": PATH,
"kind": "image" | "column", "column": NAME, "capSeconds": N}. Runs `tool 'url+filter' out` as cfitsio
users do (cfitsio parses the extension, section and column filters itself), times the whole process,
then checksums the output with astropy (not timed). Prints one JSON line like the other runners:
{"coldMs", "warmMs": null, "check", "rssKb"} (rssKb of the cfitsio process, from wait4); past
capSeconds the tool is killed and the line has nulls and a "note". Exits 1 with the reason on stderr
when the tool fails.
"""
import json
import os
import resource
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import numpy as np
from astropy.io import fits


def main():
    task = json.loads(sys.argv[1])
    out = task["out"]
    if os.path.exists(out):
        os.remove(out)
    start = time.perf_counter()
    child = subprocess.Popen([task["tool"], task["url"] + task["filter"], out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, stderr = child.communicate(timeout=task.get("capSeconds"))
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        print(json.dumps({"coldMs": None, "warmMs": None, "check": None, "rssKb": None,
                          "note": f"stopped after {task['capSeconds']} s, still copying the whole file"}))
        return
    cold_ms = (time.perf_counter() - start) * 1000
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    urllib.request.urlopen(urllib.parse.urljoin(task["url"], ".cold-done")).close()
    if child.returncode != 0:
        print(stderr.decode(errors="replace").strip().splitlines()[-1:], file=sys.stderr)
        sys.exit(1)
    try:
        with fits.open(out) as hdul:
            hdu = next(h for h in hdul if h.data is not None)
            values = hdu.data[task["column"]] if task["kind"] == "column" else hdu.data
            check = float(np.asarray(values, dtype=np.float64).sum())
    finally:
        os.remove(out)
    print(json.dumps({"coldMs": cold_ms, "warmMs": None, "check": check, "rssKb": rss_kb}))


if __name__ == "__main__":
    main()

"""A second opinion on cloudfits' TPFs and light-curve files from lightkurve itself (not part of the tests).

lightkurve's upstream repository is too large to fetch here; the fork d-giles/lightkurve (2.5.2dev) imports
with Debian's python3-astropy, -numpy, -scipy, -matplotlib, -pandas, -uncertainties, -sklearn and a no-op
stub for `memoization` (REFERENCE.md §10). Usage:

    deno run -A cli.ts cutout testdata/tess_cube.fits --ra 35.27524804 --dec -36.06773067 --size 3 -o /tmp/tpf.fits
    deno run -A cli.ts lightcurve testdata/tess_cube.fits --ra 35.27524804 --dec -36.06773067 -o /tmp/lc.fits
    PYTHONPATH=LIGHTKURVE/src:STUBS /usr/bin/python3 tools/lightkurve_check.py /tmp/tpf.fits /tmp/lc.fits

where STUBS holds memoization.py: `def cached(*a, **k): return a[0] if a and callable(a[0]) else (lambda f: f)`.
"""
import sys
import warnings

import lightkurve as lk
import numpy as np

warnings.simplefilter("ignore")
tpf = lk.read(sys.argv[1], quality_bitmask="none")
assert type(tpf).__name__ == "TessTargetPixelFile", type(tpf)
assert str(tpf.flux.unit) == "electron / s" and tpf.time.format == "btjd"
print(f"TPF: {tpf.shape}, column {tpf.column}, row {tpf.row}, WCS CRVAL {tpf.wcs.wcs.crval}")
lc = lk.read(sys.argv[2])
assert type(lc).__name__ == "LightCurve" and lc.time.format == "btjd", (type(lc), lc.time.format)
summed = tpf.to_lightcurve(aperture_mask="all").flux.value
assert np.allclose(summed, lc.flux.value, rtol=1e-6, equal_nan=True), (summed, lc.flux.value)
print(f"light curve: {len(lc)} cadences, equal to the TPF's own sum")

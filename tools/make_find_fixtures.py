"""Fixtures of `cloudfits find` (run with Debian's /usr/bin/python3, astropy):

- testdata/sky/find_edges.fits: two 20 x 20 TAN images, one across RA 0/360, one on the north pole.
- testdata/sky/find_expected.json: for a grid of positions round every WCS HDU of testdata/sky/images.fits,
  find_edges.fits and testdata/tess_cube.fits (its WCS row 4, the one astrocut picks), the HDUs whose
  pixel, from astropy's all_world2pix (origin 1), rounds into 1..NAXISn, with that pixel.
- testdata/sky/healpix_vectors.json: astropy_healpix's nested cell and cell centre of random positions.
"""
import json
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import wcs_to_celestial_frame
from astropy.coordinates import SkyCoord
import astropy.units as u
from astropy_healpix import HEALPix

OUT = "testdata/sky/"
rng = np.random.default_rng(14)


def tan(name, ra, dec, scale):
    h = fits.ImageHDU(np.zeros((20, 20), dtype=np.int8), name=name)
    for key, value in [("CTYPE1", "RA---TAN"), ("CTYPE2", "DEC--TAN"), ("CRPIX1", 10.5), ("CRPIX2", 10.5),
                       ("CRVAL1", ra), ("CRVAL2", dec), ("CDELT1", -scale), ("CDELT2", scale)]:
        h.header[key] = value
    return h


fits.HDUList([fits.PrimaryHDU(), tan("WRAP", 0.02, 10.0, 0.005), tan("POLE", 30.0, 89.96, 0.005)]).writeto(
    OUT + "find_edges.fits", overwrite=True)

# (path in the index, HDU number, WCS, (width, height) on the celestial axes)
images = []
for path in ["sky/images.fits", "sky/find_edges.fits"]:
    with fits.open("testdata/" + path) as hdul:
        for i, hdu in enumerate(hdul):
            if i == 0:
                continue
            w = WCS(hdu.header)
            shape = hdu.data.shape[::-1]
            images.append((path, i, w, (shape[w.wcs.lng], shape[w.wcs.lat])))
with fits.open("testdata/tess_cube.fits") as hdul:
    row = hdul[2].data[4]
    header = fits.Header()
    for name in hdul[2].columns.names:
        if name.startswith(("CTYPE", "CRVAL", "CRPIX", "CD", "A_", "B_", "AP_", "BP_", "CUNIT", "RADESYS", "EQUINOX", "WCSAXES")):
            value = row[name]
            header[name] = value.strip() if isinstance(value, str) else int(value) if "ORDER" in name or name == "WCSAXES" else float(value)
    _, frames, columns, rows = hdul[1].header["NAXIS"], hdul[1].header["NAXIS2"], hdul[1].header["NAXIS3"], hdul[1].header["NAXIS4"]
    images.append(("tess_cube.fits", 1, WCS(header), (columns, rows)))


def icrs(w, x, y):
    """ICRS (ra, dec) of a 1-based pixel."""
    pixel = [float(w.wcs.crpix[k]) for k in range(w.naxis)]
    pixel[w.wcs.lng], pixel[w.wcs.lat] = x, y
    world = w.all_pix2world([pixel], 1)[0][[w.wcs.lng, w.wcs.lat]]
    c = SkyCoord(world[0] * u.deg, world[1] * u.deg, frame=wcs_to_celestial_frame(w)).icrs
    return float(c.ra.deg), float(c.dec.deg)


positions = []
for path, hdu, w, (nx, ny) in images:
    # Centre, just inside and just outside each edge (0.5 px from the border, ± 0.05), corners, random.
    for x, y in [((nx + 1) / 2, (ny + 1) / 2), (0.55, ny / 2), (0.45, ny / 2), (nx + 0.45, 2), (nx + 0.55, 2),
                 (3, 0.55), (3, 0.45), (4, ny + 0.45), (4, ny + 0.55), (1, 1), (nx, ny), (-3, -3)]:
        positions.append(icrs(w, x, y))
    for _ in range(6):
        positions.append(icrs(w, rng.uniform(-2, nx + 3), rng.uniform(-2, ny + 3)))
positions += [(0.0, 90.0), (123.0, -90.0), (0.0, 0.0), (359.999, 10.0), (180.0, -30.0)]

expected = []
for ra, dec in positions:
    matches = []
    c = SkyCoord(ra * u.deg, dec * u.deg)
    for path, hdu, w, (nx, ny) in images:
        native = c.transform_to(wcs_to_celestial_frame(w)).spherical
        lon, lat = native.lon.deg, native.lat.deg
        try:
            world = [float(w.wcs.crval[k]) for k in range(w.naxis)]
            world[w.wcs.lng], world[w.wcs.lat] = lon, lat
            pixel = w.all_world2pix([world], 1, tolerance=1e-10, maxiter=50)[0]
        except Exception:
            continue
        x, y = float(pixel[w.wcs.lng]), float(pixel[w.wcs.lat])
        if np.isfinite(x) and np.isfinite(y) and 1 <= np.round(x) <= nx and 1 <= np.round(y) <= ny:
            matches.append({"path": path, "hdu": hdu, "pixel": [x, y]})
    expected.append({"ra": ra, "dec": dec, "matches": sorted(matches, key=lambda m: (m["path"], m["hdu"]))})
json.dump(expected, open(OUT + "find_expected.json", "w"), indent=0)

vectors = []
for order in [0, 1, 3, 7, 10, 13]:
    hp = HEALPix(nside=2 ** order, order="nested")
    lon = rng.uniform(0, 360, 30)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 30)))
    lon = np.concatenate([lon, [0.0, 359.9999999, 45.0]])
    lat = np.concatenate([lat, [90.0, -90.0, 41.8]])
    cells = hp.lonlat_to_healpix(lon * u.deg, lat * u.deg)
    clon, clat = hp.healpix_to_lonlat(cells)
    for row in zip(lon, lat, cells, clon.deg, clat.deg):
        vectors.append([order, float(row[0]), float(row[1]), int(row[2]), float(row[3]), float(row[4])])
json.dump(vectors, open(OUT + "healpix_vectors.json", "w"))
print(len(expected), "positions,", sum(len(e["matches"]) for e in expected), "matches")

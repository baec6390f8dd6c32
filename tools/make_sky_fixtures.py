"""Fixtures and expected values for sky cutouts, TPFs and light curves (run with Debian's /usr/bin/python3).

    /usr/bin/python3 tools/make_sky_fixtures.py

Writes testdata/sky/images.fits (small WCS images: TAN-SIP, galactic CAR, a RICE-compressed TAN image in
FK5, a SIN cube) and testdata/sky/expected.json: for each case the pixel box astrocut would cut (its rule,
implemented below as REFERENCE.md states it: position through SkyCoord → all_world2pix; lo/hi rounded
half to even; the tiny-box rule), the padded values, sky positions of the cutout's corners, and for the
TESS fixture cube the TPF's linear WCS fitted by astropy's fit_wcs_from_points over astrocut's sample of
pixels, the residuals over every pixel, and light-curve sums as lightkurve computes them.
"""
import json
import warnings
from itertools import product
from pathlib import Path

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from astropy.wcs.utils import fit_wcs_from_points, proj_plane_pixel_scales, wcs_to_celestial_frame
import astropy
import astropy.units as u

warnings.simplefilter("ignore", FITSFixedWarning)
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "testdata" / "sky"


def tan_sip_hdu():
    ny, nx = 30, 40
    data = (np.arange(ny)[:, None] * 100 + np.arange(nx)[None, :] + 0.25).astype(np.float32)
    data[10, 12] = np.nan
    h = fits.Header()
    h["EXTNAME"] = "TANSIP"
    for k, v in [("WCSAXES", 2), ("CTYPE1", "RA---TAN-SIP"), ("CTYPE2", "DEC--TAN-SIP"), ("CRVAL1", 84.29),
                 ("CRVAL2", -80.47), ("CRPIX1", 18.5), ("CRPIX2", 14.0), ("CUNIT1", "deg"), ("CUNIT2", "deg"),
                 ("CD1_1", -5.7e-3), ("CD1_2", 2.1e-4), ("CD2_1", 2.3e-4), ("CD2_2", 5.6e-3), ("RADESYS", "ICRS"),
                 ("A_ORDER", 2), ("B_ORDER", 2), ("A_2_0", 2.1e-5), ("A_0_2", -1.3e-5), ("A_1_1", 8e-6),
                 ("B_2_0", -9e-6), ("B_0_2", 1.7e-5), ("B_1_1", 1.1e-5)]:
        h[k] = v
    return fits.ImageHDU(data, h)


def galactic_hdu():
    ny, nx = 24, 36
    data = (np.arange(ny)[:, None] * 50 + np.arange(nx)[None, :]).astype(np.int16)
    h = fits.Header()
    h["EXTNAME"] = "GALCAR"
    for k, v in [("CTYPE1", "GLON-CAR"), ("CTYPE2", "GLAT-CAR"), ("CRVAL1", 120.0), ("CRVAL2", 0.0),
                 ("CRPIX1", 18.5), ("CRPIX2", 12.5), ("CDELT1", -0.05), ("CDELT2", 0.05), ("CUNIT1", "deg"),
                 ("CUNIT2", "deg")]:
        h[k] = v
    return fits.ImageHDU(data, h)


def rice_hdu():
    ny, nx = 40, 48
    data = (np.arange(ny)[:, None] * 60 + np.arange(nx)[None, :] - 1000).astype(np.int16)
    h = fits.Header()
    for k, v in [("CTYPE1", "RA---TAN"), ("CTYPE2", "DEC--TAN"), ("CRVAL1", 150.1), ("CRVAL2", 2.2),
                 ("CRPIX1", 24.0), ("CRPIX2", 20.0), ("CDELT1", -2.0e-4), ("CDELT2", 2.0e-4), ("CROTA2", 12.0),
                 ("RADESYS", "FK5"), ("EQUINOX", 2000.0)]:
        h[k] = v
    return fits.CompImageHDU(data, h, compression_type="RICE_1", tile_shape=(8, 48), name="RICE")


def cube_hdu():
    nz, ny, nx = 4, 16, 20
    data = (np.arange(nz)[:, None, None] * 10000 + np.arange(ny)[None, :, None] * 100
            + np.arange(nx)[None, None, :] + 0.5).astype(np.float32)
    h = fits.Header()
    h["EXTNAME"] = "SINCUBE"
    for k, v in [("CTYPE1", "RA---SIN"), ("CTYPE2", "DEC--SIN"), ("CTYPE3", "FREQ"), ("CRVAL1", 201.365),
                 ("CRVAL2", -43.019), ("CRVAL3", 1.4e9), ("CRPIX1", 10.5), ("CRPIX2", 8.5), ("CRPIX3", 1.0),
                 ("CDELT1", -1e-3), ("CDELT2", 1e-3), ("CDELT3", 1e6), ("CUNIT1", "deg"), ("CUNIT2", "deg"),
                 ("CUNIT3", "Hz"), ("RADESYS", "ICRS")]:
        h[k] = v
    return fits.ImageHDU(data, h)


def time_cube_hdu():
    """A cube whose third axis is time (FITS WCS paper VII): TIME in seconds from MJDREF, NaN pixels, and a
    plane with no finite pixel near the source."""
    nz, ny, nx = 6, 10, 12
    t = np.arange(nz)[:, None, None]
    y, x = np.mgrid[0:ny, 0:nx]
    star = 400 * np.exp(-((x - 5.6) ** 2 + (y - 4.3) ** 2) / 3.0)
    data = (star[None] * (1 - 0.1 * (t == 3)) + 10 + 0.5 * t).astype(np.float32)
    data[2, 4, 5] = np.nan
    data[4, 3:6, 4:8] = np.nan  # plane 4: the 3 × 3 box around the source is all NaN
    h = fits.Header()
    h["EXTNAME"] = "TIMECUBE"
    h["BUNIT"] = "adu"
    for k, v in [("CTYPE1", "RA---TAN"), ("CTYPE2", "DEC--TAN"), ("CTYPE3", "TIME"), ("CRVAL1", 83.82),
                 ("CRVAL2", -5.39), ("CRVAL3", 120.0), ("CRPIX1", 6.5), ("CRPIX2", 5.5), ("CRPIX3", 1.0),
                 ("CDELT1", -2e-4), ("CDELT2", 2e-4), ("CDELT3", 30.0), ("CUNIT1", "deg"), ("CUNIT2", "deg"),
                 ("CUNIT3", "s"), ("MJDREF", 60310.0), ("TIMESYS", "UTC"), ("RADESYS", "ICRS")]:
        h[k] = v
    return fits.ImageHDU(data, h)


def light_curve_of(w, data, lo, hi):
    """numpy's sum over the box per plane, NaN skipped (a plane without a finite pixel NaN), and the
    planes' times: the third axis's world coordinate when it is time (wcslib gives seconds), else the
    plane number."""
    ny, nx = data.shape[-2:]
    box = data[:, max(lo[1], 0):min(hi[1], ny), max(lo[0], 0):min(hi[0], nx)]
    finite = np.isfinite(box).any(axis=(1, 2))
    flux = np.where(finite, np.nansum(box, axis=(1, 2)), np.nan)
    planes = np.arange(data.shape[0], dtype=float)
    is_time = w.wcs.ctype[2].startswith("TIME")
    time = w.sub([3]).all_pix2world(planes, 0)[0] if is_time else planes
    return {"time": [float(v) for v in time], "flux": nan_list(flux), "time_axis": bool(is_time)}


def round_half_even(v):
    return int(np.round(v))


def astrocut_box(center, size, scales, shape):
    """astrocut Cutout._get_cutout_limits: x first; lo/hi rounded half to even; the tiny-box rule."""
    lo, hi = [], []
    for axis in range(2):
        c = center[axis]
        side = size[axis]
        half = side[0] / 2 if side[1] == "px" else side[0] / scales[axis] / 2
        a, b = round_half_even(c - half), round_half_even(c + half)
        if a == b:
            a = int(np.floor(c))
            b = a + 1
        if b <= 0 or a >= shape[axis]:
            return None
        lo.append(a)
        hi.append(b)
    return lo, hi


def parse_size(text):
    parts = text.lower().split("x")
    sides = []
    for p in parts:
        for unit, scale in [("arcsec", 1 / 3600), ("arcmin", 1 / 60), ("deg", 1.0)]:
            if p.endswith(unit):
                sides.append((float(p[: -len(unit)]) * scale, "deg"))
                break
        else:
            sides.append((float(p), "px"))
    return sides if len(sides) == 2 else sides * 2


def sky_of(celestial, x, y):
    """ICRS RA/Dec of a 0-based pixel of a celestial WCS."""
    lon, lat = celestial.all_pix2world([[x, y]], 0)[0]
    frame = wcs_to_celestial_frame(celestial)
    sc = SkyCoord(lon * u.deg, lat * u.deg, frame=frame).icrs
    return float(sc.ra.deg), float(sc.dec.deg)


def pixel_of(celestial, ra, dec):
    frame = wcs_to_celestial_frame(celestial)
    sc = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs").transform_to(frame)
    lon, lat = sc.spherical.lon.deg, sc.spherical.lat.deg
    x, y = celestial.all_world2pix([[lon, lat]], 0, tolerance=1e-12, maxiter=200)[0]
    return float(x), float(y)


def cut_values(data, lo, hi):
    """Padded cutout of the last two axes, NaN outside (values as floats for JSON)."""
    ny, nx = data.shape[-2:]
    out = np.full(data.shape[:-2] + (hi[1] - lo[1], hi[0] - lo[0]), np.nan)
    ys, ye = max(lo[1], 0), min(hi[1], ny)
    xs, xe = max(lo[0], 0), min(hi[0], nx)
    out[..., ys - lo[1]:ye - lo[1], xs - lo[0]:xe - lo[0]] = data[..., ys:ye, xs:xe]
    return out


def nan_list(a):
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def image_cases(hdu_index, hdu, header, data, cases):
    w = WCS(header)
    celestial = w.celestial
    shape = (data.shape[-1], data.shape[-2])
    scales = [float(s) for s in proj_plane_pixel_scales(celestial)]
    out = []
    for px, py, size in cases:
        ra, dec = sky_of(celestial, px, py)
        center = pixel_of(celestial, ra, dec)
        box = astrocut_box(center, parse_size(size), scales, shape)
        case = {"ra": ra, "dec": dec, "size": size, "center": center}
        if box is None:
            case["off"] = True
        else:
            lo, hi = box
            values = cut_values(data, lo, hi)
            inside = (min(hi[0], shape[0]) - max(lo[0], 0)) * (min(hi[1], shape[1]) - max(lo[1], 0))
            corners = {f"{cx},{cy}": sky_of(celestial, lo[0] + cx, lo[1] + cy)
                       for cx, cy in [(0, 0), (hi[0] - lo[0] - 1, hi[1] - lo[1] - 1)]}
            case.update({"lo": lo, "hi": hi, "padding": (hi[0] - lo[0]) * (hi[1] - lo[1]) - inside,
                         "shape": list(values.shape), "values": nan_list(values), "corners": corners})
            if data.ndim == 3:
                case["lightcurve"] = light_curve_of(w, data, lo, hi)
        out.append(case)
    return {"hdu": hdu_index, "name": header.get("EXTNAME", hdu.name), "scales": scales, "cases": out}


def tess_expected():
    path = ROOT / "testdata" / "tess_cube.fits"
    with fits.open(path) as hdul:
        table = hdul[2].data
        cube = hdul[1].data  # (rows, columns, frames, 2)
        frames = len(table)
        row = frames // 2
        while table["CTYPE2"][row].strip() != "DEC--TAN-SIP":
            row = (row + 1) % frames
        h = fits.Header()
        skip = {"XTENSION", "EXTNAME", "EXTVER", "CHECKSUM", "DATASUM", "INHERIT", "BITPIX", "NAXIS", "NAXIS1",
                "NAXIS2", "PCOUNT", "GCOUNT", "FFI_FILE"}
        for name in table.columns.names:
            if name in skip:
                continue
            v = table[name][row]
            h[name] = v.item() if hasattr(v, "item") else v
        w = WCS(h)
        time = ((table["TSTART"] + table["TSTOP"]) / 2).tolist()
        flux_all = cube[..., 0]  # rows, cols, frames
        err_all = cube[..., 1]
        shape = (cube.shape[1], cube.shape[0])
        scales = [float(s) for s in proj_plane_pixel_scales(w)]
        cases = []
        for px, py, size, aperture in [(2.3, 1.7, "3", None), (2.3, 1.7, "3", "circle:1"), (0.2, 3.6, "4", None),
                                       (4.6, 2.2, "2x3", None), (2.3, 1.7, "1", None), (40.0, 2.0, "3", None)]:
            ra, dec = sky_of(w, px, py)
            center = pixel_of(w, ra, dec)
            box = astrocut_box(center, parse_size(size), scales, shape)
            case = {"ra": ra, "dec": dec, "size": size, "aperture": aperture, "center": center}
            if box is None:
                case["off"] = True
                cases.append(case)
                continue
            lo, hi = box
            cw, chh = hi[0] - lo[0], hi[1] - lo[1]
            flux = cut_values(np.moveaxis(flux_all, 2, 0), lo, hi)  # frames, h, w
            err = cut_values(np.moveaxis(err_all, 2, 0), lo, hi)
            # The linear fit as astrocut makes it: every i-th pixel from the middle out, i keeping ≤ 100 points.
            i = 1
            while (cw / i) * (chh / i) > 100:
                i += 1

            def axis_values(n):
                vals = list(reversed(range(n // 2, -1, -i)))[:-1] + list(range(n // 2, n, i))
                if vals[-1] != n - 1:
                    vals += [n - 1]
                if vals[0] != 0:
                    vals = [0] + vals
                return vals

            cut_wcs = w.deepcopy()
            cut_wcs.wcs.crpix = [w.wcs.crpix[0] - lo[0], w.wcs.crpix[1] - lo[1]]
            # SIP is relative to CRPIX, which moved with the image: astropy's Sip keeps its own crpix.
            cut_wcs.sip = type(w.sip)(w.sip.a, w.sip.b, w.sip.ap, w.sip.bp, cut_wcs.wcs.crpix)
            pix = np.array(list(product(axis_values(cw), axis_values(chh))))
            world = SkyCoord(cut_wcs.all_pix2world(pix, 0), unit="deg")
            # astropy 5.2 bounds CRPIX to [min + 1, max + 1] of the points but starts it at their midpoint,
            # which is infeasible for boxes under 3 pixels: no expected fit for those.
            linear = None
            if min(cw, chh) >= 3:
                linear = fit_wcs_from_points([pix[:, 0], pix[:, 1]], world, proj_point="center")
            every = np.array(list(product(range(cw), range(chh))))
            sip_world = SkyCoord(cut_wcs.all_pix2world(every, 0), unit="deg")
            if linear is not None:
                lin_world = SkyCoord(linear.all_pix2world(every, 0), unit="deg")
                seps = sip_world.separation(lin_world).deg
            if aperture is None:
                mask = np.ones((chh, cw), bool)
            else:
                r = float(aperture.split(":")[1])
                yy, xx = np.mgrid[lo[1]:hi[1], lo[0]:hi[0]]
                mask = np.hypot(xx - center[0], yy - center[1]) <= r
            f = flux[:, mask]
            e = err[:, mask]
            lc = np.nansum(f, axis=1)
            lc_err = np.nansum(e ** 2, axis=1) ** 0.5
            allnan = ~np.any(np.isfinite(f), axis=1)
            lc[allnan] = np.nan
            lc_err[allnan] = np.nan
            case.update({
                "lo": lo, "hi": hi, "flux": nan_list(flux), "flux_err": nan_list(err),
                "linear": None if linear is None else {"crval": [float(v) for v in linear.wcs.crval], "crpix": [float(v) for v in linear.wcs.crpix],
                           "cd": [float(v) for v in linear.wcs.cd.ravel()] if linear.wcs.has_cd()
                           else [float(v) for v in (linear.wcs.pc * linear.wcs.cdelt[:, None]).ravel()],
                           "msep": float(seps.max()), "sig": float(np.sqrt(np.sum(seps ** 2))),
                           "sky": [[float(c.ra.deg), float(c.dec.deg)] for c in lin_world]},
                "sky": [[float(c.ra.deg), float(c.dec.deg)] for c in sip_world],
                "lightcurve": {"flux": nan_list(lc), "flux_err": nan_list(lc_err)},
            })
            cases.append(case)
        return {
            "wcs_row": row, "time": time, "timecorr": table["BARYCORR"].astype(float).tolist(),
            "quality": table["DQUALITY"].astype(int).tolist(), "ffi_file": [str(s) for s in table["FFI_FILE"]],
            "cases": cases,
        }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    hdus = [fits.PrimaryHDU(), tan_sip_hdu(), galactic_hdu(), rice_hdu(), cube_hdu(), time_cube_hdu()]
    path = OUT / "images.fits"
    fits.HDUList(hdus).writeto(path, overwrite=True, checksum=False)
    images = []
    with fits.open(path) as hdul:
        plan = {
            1: [(20.3, 14.2, "5"), (6.7, 21.2, "7x4"), (20.3, 14.2, "0.1deg"), (1.2, 28.6, "6"), (33.4, 2.2, "2arcmin"),
                (-9.0, 14.0, "5"), (20.3, 14.2, "0.4")],
            2: [(17.6, 11.3, "5"), (34.8, 0.7, "4x6"), (10.2, 20.4, "0.3deg"), (60.0, 60.0, "3")],
            3: [(24.4, 19.8, "9"), (2.3, 38.2, "5x8"), (30.1, 10.6, "3arcsec")],
            4: [(9.7, 7.4, "5"), (0.3, 15.2, "4"), (18.6, 3.4, "2arcmin")],
            5: [(5.6, 4.3, "3"), (0.4, 8.8, "3")],
        }
        for index, cases in plan.items():
            hdu = hdul[index]
            data = hdu.data.astype(float)
            images.append(image_cases(index, hdu, hdu.header, data, cases))
    expected = {"made_by": f"astropy {astropy.__version__}", "file": "images.fits", "size": path.stat().st_size,
                "images": images, "tess_cube": tess_expected()}
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


main()

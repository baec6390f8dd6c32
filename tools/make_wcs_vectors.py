#!/usr/bin/python3
"""Make testdata/wcs_vectors.json: expected WCS transformations for tests/wcs/, computed by astropy.wcs.

Run with Debian's Python (astropy 5.2.1 with wcslib 7.12, numpy 1.24):

    /usr/bin/python3 tools/make_wcs_vectors.py

Each case is a header — generated here, or read from a fixture in testdata/ (named by file, HDU and, for the
TESS cube's HDU 2, table row) — with sample pixels and what astropy gives for them:
- `world`: `all_pix2world(pixels, 0)` (SIP included); points off the projection are left out;
- `sky`: for the same pixels, `pixel_to_skycoord(x, y, wcs, origin=0, mode="all")` converted to ICRS.
The way back is checked here rather than stored (to keep the file small): astropy's
`all_world2pix(world, 0, tolerance=1e-12)` (SIP inverted by iteration, not AP/BP) must return `pixels`
within 1e-9 px, and `SkyCoord(ra, dec, frame="icrs").to_pixel(wcs, origin=0, mode="all")` within 1e-4 px
(to_pixel stops at all_world2pix's default tolerance), so the tests use `pixels` as the expected answer of
world → pixel and sky → pixel.
- `frame`, `lonAxis`, `latAxis`, `scales` (`proj_plane_pixel_scales` of the celestial axes).
The sample pixels are deterministic, so the output is identical on every run.
"""

import json
import warnings
from pathlib import Path

import astropy
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from astropy.wcs.utils import pixel_to_skycoord, proj_plane_pixel_scales, wcs_to_celestial_frame

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "testdata" / "wcs_vectors.json"
warnings.simplefilter("ignore", FITSFixedWarning)


def tan_sip_header():
    """A 3rd-order SIP on a rotated CD matrix: distortions of several pixels at the corners."""
    header = {
        "NAXIS": 2, "NAXIS1": 400, "NAXIS2": 300,
        "CTYPE1": "RA---TAN-SIP", "CTYPE2": "DEC--TAN-SIP",
        "CRPIX1": 201.5, "CRPIX2": 150.25, "CRVAL1": 210.8, "CRVAL2": 54.35,
        "CD1_1": -2.1e-4, "CD1_2": 4.0e-5, "CD2_1": 3.8e-5, "CD2_2": 2.05e-4,
        "RADESYS": "ICRS", "A_ORDER": 3, "B_ORDER": 3,
        "A_2_0": 2.1e-5, "A_1_1": -1.3e-5, "A_0_2": 7.0e-6, "A_3_0": 3.0e-8, "A_1_2": -2.0e-8, "A_0_3": 1.0e-8,
        "B_2_0": -8.0e-6, "B_1_1": 1.6e-5, "B_0_2": 2.4e-5, "B_2_1": 2.5e-8, "B_0_3": -1.5e-8, "B_3_0": 5.0e-9,
        # A deliberately poor inverse: the engine must not use it as the answer.
        "AP_ORDER": 1, "BP_ORDER": 1, "AP_1_0": 1e-3, "BP_0_1": -1e-3,
    }
    return header


def image(ctype1, ctype2, crval, cdelt, size, **extra):
    header = {"NAXIS": 2, "NAXIS1": size[0], "NAXIS2": size[1], "CTYPE1": ctype1, "CTYPE2": ctype2,
              "CRVAL1": crval[0], "CRVAL2": crval[1], "CRPIX1": (size[0] + 1) / 2, "CRPIX2": (size[1] + 1) / 2,
              "CDELT1": cdelt[0], "CDELT2": cdelt[1]}
    header.update(extra)
    return header


def generated_cases():
    """(name, header, alt) of every generated header."""
    cases = [
        ("tan_cd_rotated", image("RA---TAN", "DEC--TAN", (150.1, 2.2), (1, 1), (200, 150), CDELT1=None, CDELT2=None,
                                 CD1_1=-2.4e-4, CD1_2=-1.4e-4, CD2_1=-1.4e-4, CD2_2=2.4e-4, RADESYS="ICRS"), " "),
        ("tan_sip_order3", tan_sip_header(), " "),
        ("tan_sip_pc_cdelt", dict(tan_sip_header(), CD1_1=None, CD1_2=None, CD2_1=None, CD2_2=None,
                                  CDELT1=-2e-4, CDELT2=2e-4, PC1_1=0.98, PC1_2=0.17, PC2_1=-0.17, PC2_2=0.98), " "),
        ("tan_north_pole", image("RA---TAN", "DEC--TAN", (45, 90), (-0.01, 0.01), (120, 100)), " "),
        ("tan_south_pole", image("RA---TAN", "DEC--TAN", (300, -90), (-0.01, 0.01), (120, 100)), " "),
        ("tan_ra_wraps", image("RA---TAN", "DEC--TAN", (0.05, -20), (-0.002, 0.002), (100, 80)), " "),
        ("tan_negative_crval1", image("RA---TAN", "DEC--TAN", (-10, 15), (-0.002, 0.002), (100, 80)), " "),
        ("sin", image("RA---SIN", "DEC--SIN", (83.6, -30.5), (-0.05, 0.05), (300, 240)), " "),
        ("sin_slant", image("RA---SIN", "DEC--SIN", (201.4, -43.0), (-0.02, 0.02), (200, 200),
                            PV2_1=0.12, PV2_2=-0.25), " "),
        ("ncp", image("RA---NCP", "DEC--NCP", (250.0, 62.0), (-0.01, 0.01), (256, 256)), " "),
        ("arc", image("RA---ARC", "DEC--ARC", (10.0, 41.0), (-0.5, 0.5), (200, 160)), " "),
        ("zea", image("RA---ZEA", "DEC--ZEA", (120.0, -65.0), (-0.2, 0.2), (300, 300)), " "),
        ("zea_lonpole", image("RA---ZEA", "DEC--ZEA", (120.0, -65.0), (-0.2, 0.2), (300, 300), LONPOLE=150.0), " "),
        ("stg", image("RA---STG", "DEC--STG", (266.4, -29.0), (-0.3, 0.3), (200, 200)), " "),
        ("car_equator", image("RA---CAR", "DEC--CAR", (180.0, 0.0), (-1.0, 1.0), (359, 179)), " "),
        ("car_oblique", image("RA---CAR", "DEC--CAR", (30.0, 40.0), (-0.1, 0.1), (200, 160)), " "),
        ("car_latpole", image("RA---CAR", "DEC--CAR", (30.0, 40.0), (-0.1, 0.1), (200, 160), LATPOLE=-50.0), " "),
        ("cea", image("RA---CEA", "DEC--CEA", (0.0, 0.0), (-0.5, 0.5), (700, 200)), " "),
        ("cea_lambda", image("RA---CEA", "DEC--CEA", (45.0, 0.0), (-0.5, 0.5), (700, 200), PV2_1=0.6), " "),
        ("mol_galactic", image("GLON-MOL", "GLAT-MOL", (0.0, 0.0), (-1.0, 1.0), (360, 180)), " "),
        ("ait_galactic", image("GLON-AIT", "GLAT-AIT", (0.0, 0.0), (-1.0, 1.0), (360, 180)), " "),
        ("ait_icrs_offset", image("RA---AIT", "DEC--AIT", (83.0, 0.0), (-0.5, 0.5), (720, 360)), " "),
        ("galactic_tan", image("GLON-TAN", "GLAT-TAN", (121.17, -21.57), (-0.01, 0.01), (200, 200)), " "),
        ("crota2", image("RA---TAN", "DEC--TAN", (310.35, 45.28), (-0.003, 0.004), (150, 120), CROTA2=25.0), " "),
        ("cunit_arcsec", image("RA---TAN", "DEC--TAN", (83.82 * 3600, -5.39 * 3600), (-1.5, 1.5), (120, 100),
                               CUNIT1="arcsec", CUNIT2="arcsec"), " "),
        ("fk5_equinox_2000", image("RA---TAN", "DEC--TAN", (83.82, -5.39), (-0.001, 0.001), (100, 100),
                                   EQUINOX=2000.0), " "),
        ("fk5_equinox_1975", image("RA---TAN", "DEC--TAN", (83.82, -5.39), (-0.001, 0.001), (100, 100),
                                   RADESYS="FK5", EQUINOX=1975.0), " "),
    ]
    alternate = image("RA---TAN", "DEC--TAN", (10.0, 20.0), (-0.01, 0.01), (100, 100))
    alternate.update({"CTYPE1A": "GLON-SIN", "CTYPE2A": "GLAT-SIN", "CRVAL1A": 120.0, "CRVAL2A": -42.0,
                      "CRPIX1A": 10.0, "CRPIX2A": 90.0, "CDELT1A": -0.02, "CDELT2A": 0.02,
                      "PC1_1A": 0.8, "PC1_2A": 0.6, "PC2_1A": -0.6, "PC2_2A": 0.8})
    cases += [("alternate_primary", alternate, " "), ("alternate_a", alternate, "A")]
    cube = {"NAXIS": 3, "NAXIS1": 64, "NAXIS2": 48, "NAXIS3": 20, "CTYPE1": "RA---SIN", "CTYPE2": "DEC--SIN",
            "CTYPE3": "FREQ", "CUNIT3": "GHz", "CRVAL1": 187.7, "CRVAL2": 12.39, "CRVAL3": 230.5, "CRPIX1": 32.5,
            "CRPIX2": 24.5, "CRPIX3": 1.0, "CDELT1": -1e-4, "CDELT2": 1e-4, "CDELT3": 0.0125, "RADESYS": "FK5"}
    cases.append(("cube_celestial_first", cube, " "))
    radio = {"NAXIS": 4, "NAXIS1": 30, "NAXIS2": 64, "NAXIS3": 48, "NAXIS4": 1, "CTYPE1": "VRAD", "CUNIT1": "km/s",
             "CRVAL1": -12.0, "CDELT1": 0.5, "CRPIX1": 15.0, "CTYPE2": "RA---TAN", "CTYPE3": "DEC--TAN",
             "CRVAL2": 83.81, "CRVAL3": -5.38, "CRPIX2": 33.0, "CRPIX3": 24.0, "CDELT2": -2e-4, "CDELT3": 2e-4,
             "PC2_2": 0.9659258262890683, "PC2_3": -0.25881904510252074, "PC3_2": 0.25881904510252074,
             "PC3_3": 0.9659258262890683, "CTYPE4": "STOKES", "CRVAL4": 1.0, "CDELT4": 1.0, "CRPIX4": 1.0}
    cases.append(("cube_spectral_first", radio, " "))
    return [(name, {k: v for k, v in header.items() if v is not None}, alt) for name, header, alt in cases]


def fixture_cases():
    """(name, header, alt, source) for every WCS header in testdata/."""
    cases = []
    with fits.open(ROOT / "testdata" / "primary_only.fits") as hdul:
        cases.append(("primary_only", hdul[0].header.copy(), " ", {"file": "primary_only.fits", "hdu": 0}))
    with fits.open(ROOT / "testdata" / "tess_cube.fits") as hdul:
        table = hdul[2].data
        for row in range(len(table)):
            values = {name: table[name][row] for name in table.names}
            if values["CTYPE2"] != "DEC--TAN-SIP":
                continue  # a frame without WCS, as astrocut skips it
            header = fits.Header()
            for name, value in values.items():
                if name in ("FFI_FILE", "XTENSION") or (isinstance(value, str) and name != "CTYPE1" and name != "CTYPE2"
                                                        and name not in ("RADESYS", "CUNIT1", "CUNIT2")):
                    continue
                header[name] = value.item() if hasattr(value, "item") else value
            cases.append((f"tess_cube_row{row}", header, " ", {"file": "tess_cube.fits", "hdu": 2, "row": row}))
    return cases


def sample_pixels(header, naxis):
    """A grid over the image (edges at -0.5 and N-0.5) plus off-grid points, 0-based, FITS order."""
    sizes = [int(header.get(f"NAXIS{i + 1}", 100)) for i in range(naxis)]
    rng = np.random.default_rng(sum(sizes))
    axes = [np.linspace(-0.5, n - 0.5, 3) for n in sizes[:2]]
    grid = np.array(np.meshgrid(*axes, indexing="ij")).reshape(2, -1).T
    extra = rng.uniform(-0.5, np.array(sizes[:2]) - 0.5, size=(6, 2))
    points = np.vstack([grid, extra])
    full = np.zeros((len(points), naxis))
    full[:, :2] = points
    for i in range(2, naxis):
        full[:, i] = rng.uniform(-0.5, sizes[i] - 0.5, size=len(points)) if sizes[i] > 1 else 0
    return full


def case(name, header, alt, source=None):
    w = WCS(fits.Header(header) if isinstance(header, dict) else header, key=alt)
    naxis = w.naxis
    pixels = sample_pixels(dict(header), naxis)
    # Put the celestial axes' samples on the celestial pixel axes (a cube may have them second and third).
    lon, lat = w.wcs.lng, w.wcs.lat
    order = [lon, lat] + [i for i in range(naxis) if i not in (lon, lat)]
    sizes = [int(dict(header).get(f"NAXIS{i + 1}", 100)) for i in range(naxis)]
    reordered = np.zeros_like(pixels)
    for source_column, target in enumerate(order):
        reordered[:, target] = pixels[:, source_column] * (sizes[target] / sizes[order[source_column]]
                                                           if source_column < 2 else 1)
    pixels = reordered
    world = w.all_pix2world(pixels, 0)
    keep = np.all(np.isfinite(world), axis=1)
    pixels, world = pixels[keep], world[keep]
    back = w.all_world2pix(world, 0, tolerance=1e-12, maxiter=1000)
    celestial = w.celestial
    frame = wcs_to_celestial_frame(w)
    sky = pixel_to_skycoord(pixels[:, lon], pixels[:, lat], celestial, origin=0, mode="all").icrs
    icrs = SkyCoord(sky.ra.deg, sky.dec.deg, unit="deg", frame="icrs")
    x, y = icrs.to_pixel(celestial, origin=0, mode="all")
    assert np.max(np.abs(back - pixels)) < 1e-9, (name, np.max(np.abs(back - pixels)))
    # to_pixel iterates SIP only to all_world2pix's default tolerance, 1e-4 px.
    assert max(np.max(np.abs(x - pixels[:, lon])), np.max(np.abs(y - pixels[:, lat]))) < 1e-4, name
    entry = {
        "name": name,
        "alt": alt,
        "header": None if source else {k: v for k, v in dict(header).items()},
        "source": source,
        "naxis": naxis,
        "lonAxis": lon,
        "latAxis": lat,
        "frame": frame.name,
        "scales": [float(s) for s in proj_plane_pixel_scales(celestial)],
        "pixels": pixels.tolist(),
        "world": world.tolist(),
        "sky": [[float(r), float(d)] for r, d in zip(sky.ra.deg, sky.dec.deg)],
    }
    return entry


def main():
    cases = [case(name, header, alt) for name, header, alt in generated_cases()]
    cases += [case(name, header, alt, source) for name, header, alt, source in fixture_cases()]
    document = {"made_by": f"astropy {astropy.__version__}, numpy {np.__version__}", "cases": cases}
    OUT.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(cases)} cases, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Make the FITS fixtures in testdata/ and their golden *.expected.json files.

Run with Debian's Python, which has astropy 5.2.1 and numpy 1.24:

    /usr/bin/python3 tools/make_fixtures.py            # every fixture
    /usr/bin/python3 tools/make_fixtures.py tess_cube  # only the named ones

Everything is deterministic: fixed seeds, fixed DATE-like values, checksum comments without timestamps.
The expected JSON is produced by astropy *reading* each finished file, never from what this script meant
to write; the few places where the JSON deliberately follows the FITS standard instead of astropy are
listed in testdata/README.md and marked "standard over astropy" below.
"""

import json
import math
import os
import sys
import warnings
from pathlib import Path

import astropy
import numpy as np
from astropy.io import fits

OUT = Path(__file__).resolve().parent.parent / "testdata"
BLOCK = 2880
MAX_SAFE = 2**53 - 1
MAX_FIXTURE_BYTES = 100 * 1024
FIXED_DATE = "2020-01-01"
CHECKSUM_COMMENT = "checksum made by tools/make_fixtures.py"


# ---------------------------------------------------------------------------------------------------------
# JSON conversion


def json_number(value):
    """One numpy/Python scalar as a JSON value following the fixture conventions."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return value if abs(value) <= MAX_SAFE else str(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)  # float32 → its exact value as a double
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, (complex, np.complexfloating)):
        return [json_number(value.real), json_number(value.imag)]
    if isinstance(value, bytes):
        return value.decode("ascii").rstrip()
    if isinstance(value, str):
        return value.rstrip()
    raise TypeError(f"Cannot convert {value!r} ({type(value).__name__}) to JSON")


def json_array(value):
    """A numpy array (or scalar) as nested JSON lists in C order."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return json_number(value[()])
        return [json_array(item) for item in value]
    return json_number(value)


def flat_json(array):
    return [json_number(v) for v in np.asarray(array).reshape(-1)]


def card_value(card):
    value = card.value
    if isinstance(value, fits.card.Undefined):
        return None
    return json_number(value)


def json_cards(header):
    cards = []
    for card in header.cards:
        keyword, value = card.keyword, card_value(card)
        if card.field_specifier is not None:
            # Standard over astropy: a record-valued card is an ordinary string-valued card in FITS.
            keyword = card.rawkeyword
            value = card.rawvalue.rstrip()
        cards.append({"keyword": keyword, "value": value, "comment": card.comment})
    return cards


# ---------------------------------------------------------------------------------------------------------
# Reading a finished file into the expected JSON


def numpy_index(spec):
    index = []
    for item in spec:
        if item is None:
            index.append(slice(None))
        elif isinstance(item, int):
            index.append(item)
        else:
            index.append(slice(*item))
    return tuple(index)


def hdu_type(hdu, index):
    if isinstance(hdu, fits.GroupsHDU):
        return "GROUPS"
    if isinstance(hdu, fits.PrimaryHDU):
        return "PRIMARY"
    if isinstance(hdu, fits.BinTableHDU):
        return "COMPRESSED_IMAGE" if hdu.header.get("ZIMAGE") is True else "BINTABLE"
    if isinstance(hdu, fits.TableHDU):
        return "TABLE"
    if isinstance(hdu, fits.ImageHDU):
        return "IMAGE"
    return "OTHER"


def naxis_shape(header):
    return [header[f"NAXIS{n}"] for n in range(header["NAXIS"], 0, -1)]


def section_entry(spec, values):
    values = np.asarray(values)
    return {"spec": spec, "shape": list(values.shape), "dtype": values.dtype.name, "data": flat_json(values)}


def image_sections(hdu, specs):
    sections = []
    for spec in specs:
        index = numpy_index(spec)
        from_data = hdu.data[index]
        try:
            from_section = hdu.section[index]
        except (IndexError, ValueError, TypeError, AttributeError):
            from_section = None
        if from_section is not None:
            # The section and the full read must agree on values (astropy 5.2's section can widen the dtype
            # when an axis is dropped, so the JSON reports the dtype of the full read).
            assert np.array_equal(from_section, from_data, equal_nan=from_data.dtype.kind == "f"), spec
        sections.append(section_entry(spec, from_data))
    return sections


def raw_field(hdu, name):
    """The stored (unscaled, unconverted) values of one column, straight from the table bytes."""
    return np.ndarray.__getitem__(hdu.data.view(np.ndarray), name)


def column_rows(hdu, column, start, stop, file_bytes, data_offset):
    """One column's values for rows [start, stop), with the fixture's null conventions applied."""
    data = hdu.data
    name = column.name
    values = data.field(name)[start:stop]
    fmt = str(column.format).upper()
    ascii_table = isinstance(hdu, fits.TableHDU)
    out = [json_array(v) for v in values]
    if column.format.__class__.__name__ == "_ColumnFormat" and getattr(column.format, "repeat", 1) == 0:
        return [[] for _ in range(start, stop)]
    if ascii_table:
        raw = raw_field(hdu, name)[start:stop]
        if fmt[0] in "IFED":
            null = column.null
            for i, text in enumerate(raw):
                text = text.decode("ascii").strip()
                null_text = None if null is None else str(null).strip()
                # A blank field is astropy's (and cfitsio's) 0, scaled; null only when TNULLn is blank too.
                # A field equal to a non-blank TNULLn is null (standard over astropy, which gives 0).
                if text == null_text:
                    out[i] = None
        return out
    if "P" in fmt or "Q" in fmt:
        if fmt.lstrip("0123456789")[1:2] == "A":
            return string_vla_rows(hdu, name, start, stop, file_bytes, data_offset)
        return [vla_value(v) for v in values]
    kind = fmt.lstrip("0123456789")[:1]
    if kind == "L":
        # Standard over astropy: a 0x00 logical is undefined (null); astropy reads it as False.
        raw = raw_field(hdu, name)[start:stop]
        out = [logical_json(r) for r in raw]
    elif kind in "BIJK" and column.null not in (None, ""):
        # astropy does not mask TNULL; the JSON reports stored values equal to TNULLn as null.
        raw = raw_field(hdu, name)[start:stop]
        for i, stored in enumerate(raw):
            if np.ndim(stored) == 0 and int(stored) == int(column.null):
                out[i] = None
    return out


def logical_json(raw):
    if np.ndim(raw) == 0:
        byte = int(raw) & 0xFF
        return True if byte == ord("T") else False if byte == ord("F") else None
    return [logical_json(r) for r in raw]


def vla_value(value):
    return json_array(np.asarray(value))


def string_vla_rows(hdu, name, start, stop, file_bytes, data_offset):
    """PA()/QA() strings straight from the heap: astropy 5.2 returns them as arrays of single characters and
    drops their inner spaces."""
    heap_start = data_offset + hdu.header.get("THEAP", hdu.header["NAXIS1"] * hdu.header["NAXIS2"])
    out = []
    for count, offset in raw_field(hdu, name)[start:stop]:
        text = file_bytes[heap_start + int(offset) : heap_start + int(offset) + int(count)]
        out.append(text.split(b"\0", 1)[0].decode("ascii").rstrip())
    return out


def table_rows(hdu, ranges, file_bytes, data_offset):
    rows = []
    for start, stop in ranges:
        columns = {}
        for column in hdu.columns:
            columns[column.name] = column_rows(hdu, column, start, stop, file_bytes, data_offset)
        rows.append({"start": start, "stop": stop, "columns": columns})
    return rows


def describe_file(path, plan, open_options=None):
    """Read path with astropy and return the expected JSON object; plan maps HDU index → samples."""
    open_options = dict(open_options or {})
    size = path.stat().st_size
    file_bytes = path.read_bytes()
    result = {"file": path.name, "size": size, "made_by": f"astropy {astropy.__version__}", "hdus": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fits.open(path, disable_image_compression=True, **open_options) as raw_list, fits.open(
            path, **open_options
        ) as list_:
            raw_list.readall()
            list_.readall()
            assert len(raw_list) == len(list_)
            for index, raw_hdu in enumerate(raw_list):
                hdu = list_[index]
                info = raw_list.fileinfo(index)
                header = raw_hdu.header
                kind = hdu_type(raw_hdu, index)
                extname = header.get("EXTNAME")
                extver = header.get("EXTVER")
                entry = {
                    "index": index,
                    "type": kind,
                    "hdrLoc": info["hdrLoc"],
                    "datLoc": info["datLoc"],
                    "datSpan": info["datSpan"],
                    "extname": extname.rstrip() if isinstance(extname, str) else None,
                    "extver": extver if isinstance(extver, int) and not isinstance(extver, bool) else None,
                    "bitpix": header["BITPIX"],
                    "shape": None,
                    "cards": json_cards(header),
                }
                samples = plan.get(index, {})
                if kind == "COMPRESSED_IMAGE":
                    entry["bitpix"] = header["ZBITPIX"]
                    entry["shape"] = [header[f"ZNAXIS{n}"] for n in range(header["ZNAXIS"], 0, -1)]
                    # The image header astropy shows (hdul[i].header), beside the stored BINTABLE cards.
                    entry["imageCards"] = json_cards(hdu.header)
                    entry["sections"] = image_sections(hdu, samples.get("sections", []))
                    assert list(hdu.data.shape) == entry["shape"]
                    if "rows" in samples:
                        entry["rows"] = table_rows(raw_hdu, samples["rows"], file_bytes, info["datLoc"])
                elif kind in ("BINTABLE", "TABLE"):
                    entry["shape"] = [header["NAXIS2"]]
                    entry["rows"] = table_rows(
                        hdu, samples.get("rows", [(0, header["NAXIS2"])]), file_bytes, info["datLoc"]
                    )
                elif kind == "GROUPS":
                    entry["shape"] = [header["GCOUNT"]] + naxis_shape(header)[:-1]
                    arrays = hdu.data.data
                    assert list(arrays.shape) == entry["shape"]
                    entry["sections"] = [
                        section_entry(spec, arrays[numpy_index(spec)]) for spec in samples.get("sections", [])
                    ]
                    entry["rows"] = group_rows(hdu, samples.get("rows", [(0, header["GCOUNT"])]))
                elif kind == "OTHER":
                    entry["shape"] = naxis_shape(header)
                else:
                    entry["shape"] = naxis_shape(header)
                    if header["NAXIS"] > 0:
                        assert list(hdu.data.shape) == entry["shape"], (path, index)
                        entry["sections"] = image_sections(hdu, samples.get("sections", []))
                result["hdus"].append(entry)
    return result


def group_rows(hdu, ranges):
    rows = []
    names = []
    for name in hdu.data.parnames:
        if name not in names:
            names.append(name)
    for start, stop in ranges:
        # astropy's par(name) sums parameters that share a PTYPE name, as the random groups convention says.
        columns = {name: flat_json(hdu.data.par(name)[start:stop]) for name in names}
        rows.append({"start": start, "stop": stop, "columns": columns})
    return rows


def write_expected(path, plan, open_options=None):
    expected = describe_file(path, plan, open_options)
    text = json.dumps(expected, indent=2, allow_nan=False) + "\n"
    expected_path = path.with_name(path.name[: -len(".fits")] + ".expected.json")
    expected_path.write_text(text)
    for produced in (path, expected_path):
        assert produced.stat().st_size <= MAX_FIXTURE_BYTES, f"{produced.name} is larger than 100 KB"
    print(f"{path.name}: {path.stat().st_size} B, {expected_path.name}: {len(text)} B")


# ---------------------------------------------------------------------------------------------------------
# Helpers for writing


def write_hdul(hdus, path, checksum=False):
    hdul = fits.HDUList(hdus)
    hdul.writeto(path, overwrite=True, output_verify="exception")
    if checksum:
        add_fixed_checksums(path)


def add_fixed_checksums(path):
    """CHECKSUM/DATASUM on every HDU, with a fixed comment instead of astropy's timestamp."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fits.open(path, mode="update", disable_image_compression=True) as hdul:
            for hdu in hdul:
                hdu.add_checksum(when=CHECKSUM_COMMENT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fits.open(path, checksum=True, disable_image_compression=True) as hdul:
            hdul.readall()
            for hdu in hdul:
                assert hdu._checksum_valid and hdu._datasum_valid, (path, hdu.name)


def patch_bytes(path, offset, new_bytes):
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(new_bytes)


def card_offset(path, hdu_index, keyword):
    """Byte offset of the first card named keyword in one HDU's header."""
    with fits.open(path) as hdul:
        start = hdul.fileinfo(hdu_index)["hdrLoc"]
        stop = hdul.fileinfo(hdu_index)["datLoc"]
    data = path.read_bytes()
    for offset in range(start, stop, 80):
        if data[offset : offset + 8].decode("ascii").rstrip() == keyword:
            return offset
    raise KeyError(keyword)


def padded(length):
    return -(-length // BLOCK) * BLOCK


# ---------------------------------------------------------------------------------------------------------
# 1. tess_cube.fits


def tess_primary_header(sector, camera, ccd, last_tstop, last_date_end):
    """The first FFI's primary header as astrocut's cube factory leaves it."""
    header = fits.Header()
    header.append(("SIMPLE", True, "conforms to FITS standard"))
    header.append(("BITPIX", 8, "array data type"))
    header.append(("NAXIS", 0, "number of array dimensions"))
    header.append(("EXTEND", True))
    header.append(("NEXTEND", 2, "number of standard extensions"))
    header.append(("SIMDATA", False, "file is based on simulated data"))
    header.append(("ORIGIN", "STScI/MAST"))
    header.append(("DATE", FIXED_DATE))
    header.append(("TSTART", 1325.2969, "observation start time in TJD"))
    header.append(("TSTOP", last_tstop, "observation stop time in TJD"))
    header.append(("DATE-OBS", "2018-07-25T19:00:27.030", "TSTART as UTC calendar date"))
    header.append(("DATE-END", last_date_end, "TSTOP as UTC calendar date"))
    header.append(("CREATOR", "5235 FfiExporter", "pipeline job and program used to produce"))
    header.append(("PROCVER", "spoc-3.3.37-20181201", "SW version"))
    header.append(("FILEVER", "1.0", "file format version"))
    header.append(("TIMVERSN", "OGIP/93-003", "OGIP memo number for file format"))
    header.append(("TELESCOP", "TESS", "telescope"))
    header.append(("INSTRUME", "TESS Photometer", "detector type"))
    header.append(("DATA_REL", 1, "data release version number"))
    header.append(("OBJECT", " ", "string version of target id"))
    header.append(("TICID", None, "unique tess target identifier"))
    header.append(("RADESYS", "ICRS", "reference frame of celestial coordinates"))
    header.append(("EQUINOX", 2000.0, "equinox of celestial coordinate system"))
    header.append(("RA_OBJ", None, "[deg] right ascension"))
    header.append(("DEC_OBJ", None, "[deg] declination"))
    header.append(("CRMITEN", True, "spacecraft cosmic ray mitigation enabled"))
    header.append(("CRBLKSZ", 10, "[exposures] s/c cosmic ray mitigation block siz"))
    header.append(("CRSPOC", False, "SPOC cosmic ray cleaning enabled"))
    header.append(("CAMERA", camera, "Camera number"))
    header.append(("CCD", ccd, "CCD chip number"))
    header.append(("SECTOR", sector, "Observing sector"))
    header.append(("EXTNAME", "PRIMARY"))
    return header


def tess_ffi_image_header(frame, frames, camera, ccd):
    """The image-extension header of one synthetic SPOC FFI (frame is 0-based, sorted by TSTART)."""
    tstart = 1325.2969 + frame * 0.0208333
    tstop = tstart + 0.0208333
    has_wcs = frame != 0  # like real sectors, one FFI (taken during a momentum dump) has no WCS
    minute = 30 * frame
    date_obs = f"2018-07-25T{19 + minute // 60:02d}:{minute % 60:02d}:27.030"
    date_end = f"2018-07-25T{19 + (minute + 30) // 60:02d}:{(minute + 30) % 60:02d}:27.030"
    cards = [
        ("XTENSION", "IMAGE", "marks the beginning of a new HDU"),
        ("BITPIX", -32, "array data type"),
        ("NAXIS", 2, "number of array dimensions"),
        ("NAXIS1", 2136, "length of first array dimension"),
        ("NAXIS2", 2078, "length of second array dimension"),
        ("PCOUNT", 0, "group parameter count (not used)"),
        ("GCOUNT", 1, "group count (not used)"),
        ("INHERIT", True, "inherit the primary header"),
        ("EXTNAME", "CAMERA.CCD 1.1 cal", "name of extension"),
        ("EXTVER", 1, "extension version number"),
        ("SIMDATA", False, "file is based on simulated data"),
        ("TELESCOP", "TESS", "telescope"),
        ("INSTRUME", "TESS Photometer", "detector type"),
        ("CAMERA", camera, "Camera number"),
        ("CCD", ccd, "CCD chip number"),
        ("TIMEREF", "SOLARSYSTEM", "barycentric correction applied to times"),
        ("TASSIGN", "SPACECRAFT", "where time is assigned"),
        ("TIMESYS", "TDB", "time system is Barycentric Dynamical Time (TDB)"),
        ("BJDREFI", 2457000, "integer part of BTJD reference date"),
        ("BJDREFF", 0.0, "fraction of the day in BTJD reference date"),
        ("TIMEUNIT", "d", "time unit for TIME, TSTART and TSTOP"),
        ("TELAPSE", 0.0208333, "[d] TSTOP - TSTART"),
        ("LIVETIME", 0.0166667, "[d] TELAPSE multiplied by DEADC"),
        ("TSTART", round(tstart, 7), "observation start time in TJD"),
        ("TSTOP", round(tstop, 7), "observation stop time in TJD"),
        ("DATE-OBS", date_obs, "TSTART as UTC calendar date"),
        ("DATE-END", date_end, "TSTOP as UTC calendar date"),
        ("DEADC", 0.792, "deadtime correction"),
        ("TIMEPIXR", 0.5, "bin time beginning=0 middle=0.5 end=1"),
        ("TIERRELA", 1.16e-05, "[d] relative time error"),
        ("INT_TIME", 1.98, "[s] photon accumulation time per frame"),
        ("READTIME", 0.02, "[s] readout time per frame"),
        ("FRAMETIM", 2.0, "[s] frame time (INT_TIME + READTIME)"),
        ("NUM_FRM", 900, "number of frames per time stamp"),
        ("TIMEDEL", 0.0208333, "[d] time resolution of data"),
        ("BACKAPP", True, "background is subtracted"),
        ("DEADAPP", True, "deadtime applied"),
        ("VIGNAPP", True, "vignetting or collimator correction applied"),
        ("GAINA", 5.22, "[electrons/count] CCD output A gain"),
        ("GAINB", 5.21, "[electrons/count] CCD output B gain"),
        ("GAINC", 5.21, "[electrons/count] CCD output C gain"),
        ("GAIND", 5.26, "[electrons/count] CCD output D gain"),
        ("READNOIA", 9.52, "[electrons] read noise CCD output A"),
        ("READNOIB", 7.65, "[electrons] read noise CCD output B"),
        ("READNOIC", 7.52, "[electrons] read noise CCD output C"),
        ("READNOID", 9.81, "[electrons] read noise CCD output D"),
        ("NREADOUT", 48, "number of read per cadence"),
        ("FXDOFF", 209715200, "compression fixed offset"),
        ("MEANBLCA", 6413 + frame, "[count] FSW mean black level CCD output A"),
        ("MEANBLCB", 6545 + frame, "[count] FSW mean black level CCD output B"),
        ("MEANBLCC", 6630 + frame, "[count] FSW mean black level CCD output C"),
        ("MEANBLCD", 6372 + frame, "[count] FSW mean black level CCD output D"),
        ("RADESYS", "ICRS" if has_wcs else "", "reference frame of celestial coordinates"),
        ("EQUINOX", 2000.0 if has_wcs else 0.0, "equinox of celestial coordinate system"),
        ("WCSAXES", 2 if has_wcs else 0, "number of World Coordinate System axes"),
        ("CTYPE1", "RA---TAN-SIP" if has_wcs else "", "Gnomonic projection + SIP distortions"),
        ("CTYPE2", "DEC--TAN-SIP" if has_wcs else "", "Gnomonic projection + SIP distortions"),
        ("CRVAL1", 42.3020 + frame * 1e-6 if has_wcs else 0.0, "RA at CRPIX1, CRPIX2"),
        ("CRVAL2", -30.1876 - frame * 1e-6 if has_wcs else 0.0, "DEC at CRPIX1, CRPIX2"),
        ("CRPIX1", 1045.0 if has_wcs else 0.0, "X reference pixel"),
        ("CRPIX2", 1001.0 if has_wcs else 0.0, "Y reference pixel"),
        ("CUNIT1", "deg" if has_wcs else "", "X pixel units"),
        ("CUNIT2", "deg" if has_wcs else "", "Y pixel units"),
        ("CD1_1", 0.005835 if has_wcs else 0.0, "Transformation matrix"),
        ("CD1_2", -0.0003123 if has_wcs else 0.0, "Transformation matrix"),
        ("CD2_1", 0.0003118 if has_wcs else 0.0, "Transformation matrix"),
        ("CD2_2", 0.005829 if has_wcs else 0.0, "Transformation matrix"),
        ("A_ORDER", 2 if has_wcs else 0, "Polynomial order, axis 1"),
        ("B_ORDER", 2 if has_wcs else 0, "Polynomial order, axis 2"),
        ("A_2_0", 1.13e-05 if has_wcs else 0.0, "distortion coefficient"),
        ("A_0_2", 1.71e-06 if has_wcs else 0.0, "distortion coefficient"),
        ("A_1_1", -6.43e-06 if has_wcs else 0.0, "distortion coefficient"),
        ("B_2_0", -6.61e-06 if has_wcs else 0.0, "distortion coefficient"),
        ("B_0_2", 1.10e-05 if has_wcs else 0.0, "distortion coefficient"),
        ("B_1_1", 1.75e-06 if has_wcs else 0.0, "distortion coefficient"),
        ("AP_ORDER", 2 if has_wcs else 0, "Inv polynomial order, axis 1"),
        ("BP_ORDER", 2 if has_wcs else 0, "Inv polynomial order, axis 2"),
        ("AP_1_0", 1.25e-05 if has_wcs else 0.0, "inv distortion coefficient"),
        ("AP_0_1", -2.5e-06 if has_wcs else 0.0, "inv distortion coefficient"),
        ("AP_2_0", -1.13e-05 if has_wcs else 0.0, "inv distortion coefficient"),
        ("AP_0_2", -1.71e-06 if has_wcs else 0.0, "inv distortion coefficient"),
        ("AP_1_1", 6.43e-06 if has_wcs else 0.0, "inv distortion coefficient"),
        ("BP_1_0", -2.4e-06 if has_wcs else 0.0, "inv distortion coefficient"),
        ("BP_0_1", 1.3e-05 if has_wcs else 0.0, "inv distortion coefficient"),
        ("BP_2_0", 6.61e-06 if has_wcs else 0.0, "inv distortion coefficient"),
        ("BP_0_2", -1.10e-05 if has_wcs else 0.0, "inv distortion coefficient"),
        ("BP_1_1", -1.75e-06 if has_wcs else 0.0, "inv distortion coefficient"),
        ("A_DMAX", 44.72 if has_wcs else 0.0, "maximum distortion, axis 1"),
        ("B_DMAX", 44.21 if has_wcs else 0.0, "maximum distortion, axis 2"),
        ("WCSNAMEP", "PHYSICAL", "name of world coordinate system alternate P"),
        ("WCSAXESP", 2, "number of WCS physical axes"),
        ("CTYPE1P", "RAWX", "physical WCS axis 1 type CCD col"),
        ("CUNIT1P", "PIXEL", "physical WCS axis 1 unit"),
        ("CRPIX1P", 1, "reference CCD column"),
        ("CRVAL1P", 45, "value at reference CCD column"),
        ("CDELT1P", 1.0, "physical WCS axis 1 step"),
        ("CTYPE2P", "RAWY", "physical WCS axis 2 type CCD col"),
        ("CUNIT2P", "PIXEL", "physical WCS axis 2 units"),
        ("CRPIX2P", 1, "reference CCD row"),
        ("CRVAL2P", 1, "value at reference CCD row"),
        ("CDELT2P", 1.0, "physical WCS axis 2 step"),
        ("BARYCORR", round(0.0021514 + frame * 1e-7, 9), "[d] barycentric time correction"),
        ("DQUALITY", 32 if frame == 0 else (128 if frame == 5 else 0), "Data quality flags"),
        ("IMAGTYPE", "cal", "FFI image type: uncert, cal"),
        ("CHECKSUM", "BrAHCp2EBp7EBp7E", "HDU checksum updated 2018-12-06T23:21:34Z"),
        ("DATASUM", "2851424345", "data unit checksum updated 2018-12-06T23:21:34Z"),
    ]
    return cards


def tess_info_table(frames, camera, ccd):
    """HDU 2 exactly as astrocut's CubeFactory builds it from the FFI image headers."""
    headers = [tess_ffi_image_header(frame, frames, camera, ccd) for frame in range(frames)]
    template = headers[1]  # the first FFI with WCSAXES == 2, as astrocut picks its template
    names, formats, comments, values = [], [], [], []
    for keyword, value, comment in template:
        if keyword in names:
            continue
        names.append(keyword)
        comments.append(comment)
        column_values = [dict((k, v) for k, v, _ in h).get(keyword) for h in headers]
        if isinstance(value, str):
            # astrocut sizes string columns by the template's value; longer values are cut, shorter padded
            formats.append(f"{len(value)}A")
            values.append(np.array([v.encode("ascii")[: len(value)] for v in column_values], dtype=f"S{len(value)}"))
        elif isinstance(value, bool) or isinstance(value, int):
            formats.append("J")
            values.append(np.array([int(v) for v in column_values], dtype=np.int32))
        else:
            formats.append("D")
            values.append(np.array(column_values, dtype=np.float64))
    ffi_names = [
        f"tess2018206{19 + 30 * f // 60:02d}{30 * f % 60:02d}27-s0001-{camera}-{ccd}-0120-s_ffic.fits"
        for f in range(frames)
    ]
    names.append("FFI_FILE")
    comments.append("")
    formats.append(f"{len(ffi_names[1])}A")
    values.append(np.array([n.encode("ascii") for n in ffi_names], dtype=f"S{len(ffi_names[1])}"))
    columns = [fits.Column(name=n, format=f, array=v) for n, f, v in zip(names, formats, values)]
    table = fits.BinTableHDU.from_columns(fits.ColDefs(columns))
    in_use = {"XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS"}
    for name, comment in zip(names, comments):
        if name not in in_use:
            # astrocut stores each keyword's *comment* as the table header's value for that keyword, which is
            # why real cubes have EXTVER = 'extension version number ...' (a string) in HDU 2.
            table.header[name] = comment
    return table, headers


def make_tess_cube():
    path = OUT / "tess_cube.fits"
    rows, columns, frames = 5, 6, 8
    camera, ccd, sector = 1, 1, 1
    r, c, t = np.meshgrid(np.arange(rows), np.arange(columns), np.arange(frames), indexing="ij")
    flux = (r * 1000 + c * 10 + t + 0.5).astype(np.float32)
    cube = np.empty((rows, columns, frames, 2), dtype=np.float32)
    cube[..., 0] = flux
    cube[..., 1] = -flux
    cube[2, 3, 4, 0] = np.nan
    table, headers = tess_info_table(frames, camera, ccd)
    last = dict((k, v) for k, v, _ in headers[-1])
    primary = fits.PrimaryHDU(header=tess_primary_header(sector, camera, ccd, last["TSTOP"], last["DATE-END"]))
    image = fits.ImageHDU(cube)
    write_hdul([primary, image, table], path)
    with fits.open(path) as hdul:
        assert hdul.fileinfo(1)["datLoc"] == 5760
    plan = {
        1: {
            "sections": [
                [None, None, None, None],
                [2, 3, None, 0],
                [[1, 4], [2, 5], [3, 6], 1],
                [[0, 5, 2], 5, [0, 8, 3], None],
            ]
        },
        2: {"rows": [(0, 3), (3, 8)]},
    }
    write_expected(path, plan)


# ---------------------------------------------------------------------------------------------------------
# 2. mef_images.fits


def add_scaling_cards(path, cards_by_name):
    """Add BSCALE/BZERO/BLANK cards to already-written HDUs without touching their stored data."""
    temporary = path.with_suffix(".tmp.fits")
    with fits.open(path, do_not_scale_image_data=True) as hdul:
        for name, cards in cards_by_name.items():
            for card in cards:
                hdul[name].header.append(card)
        hdul.writeto(temporary, overwrite=True, output_verify="exception")
    temporary.replace(path)


def make_mef_images():
    path = OUT / "mef_images.fits"
    primary = fits.PrimaryHDU(np.arange(12, dtype=np.int16).reshape(3, 4) * 7 - 20)
    primary.header["OBSERVER"] = ("Fixture", "made by tools/make_fixtures.py")
    rng = np.random.default_rng(20240101)
    hdus = [primary]
    hdus.append(fits.ImageHDU(np.arange(20, dtype=np.uint8).reshape(4, 5) * 13, name="UINT8"))
    int8 = np.array([[-128, -127, -1, 0], [1, 63, 126, 127]], dtype=np.int8)
    hdus.append(fits.ImageHDU(int8, name="INT8"))
    int16 = np.array([[-32768, -32767, -1, 0, 1], [255, 256, 1000, 32766, 32767]], dtype=np.int16)
    hdus.append(fits.ImageHDU(int16, name="INT16"))
    uint16 = np.array([[0, 1, 32767, 32768, 65534, 65535]], dtype=np.uint16)
    hdus.append(fits.ImageHDU(uint16, name="UINT16"))
    int32 = np.array([-(2**31), -(2**31) + 1, -1, 0, 1, 2**31 - 1, 123456789], dtype=np.int32)
    hdus.append(fits.ImageHDU(int32, name="INT32"))
    uint32 = np.array([[0, 1, 2**31 - 1], [2**31, 2**32 - 2, 2**32 - 1]], dtype=np.uint32)
    hdus.append(fits.ImageHDU(uint32, name="UINT32"))
    int64 = np.array(
        [-(2**63), -(2**63) + 1, -(2**53) - 1, -1, 0, 1, 2**53, 2**53 + 1, 2**63 - 1], dtype=np.int64
    ).reshape(3, 3)
    hdus.append(fits.ImageHDU(int64, name="INT64"))
    uint64 = np.array([0, 1, 2**53 + 1, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 2, 2**64 - 1], dtype=np.uint64)
    hdus.append(fits.ImageHDU(uint64.reshape(2, 4), name="UINT64"))
    stored16 = (np.arange(24, dtype=np.int16).reshape(4, 6) - 12) * 1000
    hdus.append(fits.ImageHDU(stored16, name="SCALED16"))
    stored32 = rng.integers(-(2**31), 2**31 - 1, size=(3, 5), dtype=np.int32)
    hdus.append(fits.ImageHDU(stored32, name="SCALED32"))
    blank16 = np.array([[1, 2, -999], [-999, 5, 6]], dtype=np.int16)
    hdus.append(fits.ImageHDU(blank16, name="BLANK16"))
    blank32 = np.array([[-(2**31), 10, 20], [30, -(2**31), 40]], dtype=np.int32)
    hdus.append(fits.ImageHDU(blank32, name="BLANK32S"))
    specials = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.5, 3.4028234663852886e38, 1e-45, 0.1]
    hdus.append(fits.ImageHDU(np.array(specials, dtype=np.float32).reshape(2, 5), name="FLOAT32"))
    specials64 = specials[:7] + [1.7976931348623157e308, 5e-324, 0.1, 1 / 3, -2.5e-300]
    hdus.append(fits.ImageHDU(np.array(specials64, dtype=np.float64).reshape(3, 4), name="FLOAT64"))
    cube = (np.arange(3 * 4 * 5, dtype=np.int16).reshape(3, 4, 5) * 3) - 50
    hdus.append(fits.ImageHDU(cube, name="CUBE3D"))
    write_hdul(hdus, path)
    add_scaling_cards(
        path,
        {
            "SCALED16": [("BSCALE", 0.25), ("BZERO", 100.5)],
            "SCALED32": [("BSCALE", 1.5e-3), ("BZERO", -7.0)],
            "BLANK16": [("BLANK", -999, "stored value of undefined pixels")],
            "BLANK32S": [("BSCALE", 2.0), ("BZERO", 1000.0), ("BLANK", -(2**31), "stored value of undefined")],
        },
    )
    plan = {}
    with fits.open(path) as hdul:
        for index, hdu in enumerate(hdul):
            ndim = hdu.header["NAXIS"]
            specs = [[None] * ndim]
            if ndim == 1:
                specs += [[[1, 5]], [[0, 7, 3]]]
            elif ndim == 2:
                last_row = hdu.header["NAXIS2"] - 1
                specs += [[last_row, None], [None, [1, 3]], [[0, 2], [0, 4, 2]]]
            elif ndim == 3:
                specs += [[1, [1, 3], [2, 5]], [None, 2, 3], [[0, 3, 2], None, 0]]
            plan[index] = {"sections": specs}
    write_expected(path, plan)


# ---------------------------------------------------------------------------------------------------------
# 4. table_all.fits


def header_column_number(header, name):
    return next(n for n in range(1, header["TFIELDS"] + 1) if header[f"TTYPE{n}"] == name)


def make_table_all():
    path = OUT / "table_all.fits"
    rows = 5
    temporary = OUT / "table_all.tmp.fits"
    columns = [
        fits.Column(name="FLAG", format="L", array=np.array([True, False, True, True, False])),
        fits.Column(name="FLAGS3", format="3L", array=np.array([[True, False, True]] * 4 + [[False] * 3])),
        fits.Column(
            name="BITS",
            format="11X",
            array=np.array(
                [
                    [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
                    [0] * 11,
                    [1] * 11,
                    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                    [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0],
                ],
                dtype=bool,
            ),
        ),
        fits.Column(name="BYTE", format="B", array=np.array([0, 1, 127, 128, 255], dtype=np.uint8)),
        fits.Column(name="SHORT", format="I", array=np.array([-32768, -1, 0, 1, 32767], dtype=np.int16)),
        fits.Column(name="INT", format="J", array=np.array([-(2**31), -1, 0, 7, 2**31 - 1], dtype=np.int32)),
        fits.Column(
            name="LONG",
            format="K",
            array=np.array([-(2**63), -(2**53) - 1, 2**53 + 1, 0, 2**63 - 1], dtype=np.int64),
        ),
        fits.Column(
            name="NAME", format="8A", array=np.array([b"alpha", b"be ta  ", b"", b"  lead", b"12345678"])
        ),
        fits.Column(
            name="CODES",
            format="12A",
            dim="(4,3)",
            array=np.array(
                [[b"ab", b"cd  ", b"efgh"], [b"", b"x", b"yy"], [b"1234", b"5", b"6 7"], [b"a", b"b", b"c"],
                 [b"", b"", b"z"]]
            ),
        ),
        fits.Column(
            name="FLOAT",
            format="E",
            array=np.array([np.nan, np.inf, -np.inf, -0.0, 0.1], dtype=np.float32),
        ),
        fits.Column(
            name="DOUBLE",
            format="D",
            array=np.array([np.nan, -np.inf, np.inf, -0.0, 1 / 3], dtype=np.float64),
        ),
        fits.Column(
            name="CPLX",
            format="C",
            array=np.array([1 + 2j, -0.5 - 1.25j, np.nan + 0j, 0j, 3.5 + 0j], dtype=np.complex64),
        ),
        fits.Column(
            name="DCPLX",
            format="2M",
            array=np.array([[1 + 1j, 2 - 2j]] * 3 + [[0j, -1j]] * 2, dtype=np.complex128),
        ),
        fits.Column(
            name="VEC3",
            format="3E",
            array=np.arange(15, dtype=np.float32).reshape(5, 3) / 4,
        ),
        fits.Column(
            name="MATRIX",
            format="6J",
            dim="(3,2)",
            array=np.arange(30, dtype=np.int32).reshape(5, 2, 3) * 11 - 100,
        ),
        fits.Column(name="U16", format="I", bzero=32768, array=np.array([0, 1, 32767, 32768, 65535], dtype=np.uint16)),
        fits.Column(
            name="U32", format="J", bzero=2**31, array=np.array([0, 1, 2**31 - 1, 2**31, 2**32 - 1], dtype=np.uint32)
        ),
        fits.Column(
            name="U64", format="K", bzero=2**63, array=np.array([0, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1], dtype=np.uint64)
        ),
        # astropy 5.2 cannot write a signed-byte column: store physical + 128 and add TZERO = -128 below.
        fits.Column(name="I8", format="B", array=np.array([-128, -1, 0, 1, 127]) + 128),
        # Stored values; TSCAL = 0.01 and TZERO = 5 are added below (astropy 5.2 fails to scale floats back).
        fits.Column(name="SCALED", format="I", array=np.array([0, 1, -1, -30500, 31767], dtype=np.int16)),
        fits.Column(name="WITHNULL", format="J", null=-999, array=np.array([1, -999, 3, -999, 5], dtype=np.int32)),
        fits.Column(name="EMPTY", format="0J", array=np.zeros((rows, 0), dtype=np.int32)),
        fits.Column(
            name="VLA_J",
            format="PJ()",
            array=np.array(
                [np.array([1, 2, 3], np.int32), np.array([], np.int32), np.array([-5], np.int32),
                 np.array([2**31 - 1, -(2**31)], np.int32), np.arange(6, dtype=np.int32)],
                dtype=object,
            ),
        ),
        fits.Column(
            name="VLA_E",
            format="PE()",
            array=np.array(
                [np.array([0.5], np.float32), np.array([np.nan, np.inf], np.float32), np.array([], np.float32),
                 np.array([-0.0, 1.25, 2.5], np.float32), np.array([3.0], np.float32)],
                dtype=object,
            ),
        ),
        fits.Column(
            name="VLA_D",
            format="QD()",
            array=np.array(
                [np.array([1 / 3, -1e300]), np.array([]), np.array([2.0]), np.array([-np.inf, 0.0, 5.5]),
                 np.array([7.0, 8.0])],
                dtype=object,
            ),
        ),
        fits.Column(
            name="VLA_S",
            format="PA()",
            array=np.array([b"hello", b"", b"variable length", b"x", b"end  "], dtype=object),
        ),
    ]
    table = fits.BinTableHDU.from_columns(columns, name="ALLTYPES")
    write_hdul([fits.PrimaryHDU(), table], temporary)
    with fits.open(temporary) as hdul:
        info = hdul.fileinfo(1)
        header = hdul[1].header.copy()
    data = temporary.read_bytes()
    temporary.unlink()
    main_size = header["NAXIS1"] * header["NAXIS2"]
    heap_size = header["PCOUNT"]
    assert header.get("THEAP", main_size) == main_size
    i8_number = header_column_number(header, "I8")
    header.insert(f"TFORM{i8_number}", (f"TZERO{i8_number}", -128, "signed bytes"), after=True)
    scaled_number = header_column_number(header, "SCALED")
    header.insert(f"TFORM{scaled_number}", (f"TZERO{scaled_number}", 5.0), after=True)
    header.insert(f"TFORM{scaled_number}", (f"TSCAL{scaled_number}", 0.01), after=True)
    body = data[info["datLoc"] : info["datLoc"] + main_size + heap_size]
    gap = 37
    header["THEAP"] = (main_size + gap, "heap starts after a gap, as in theap-gap.fits")
    header["PCOUNT"] = gap + heap_size
    new_data = body[:main_size] + bytes([0xAB]) * gap + body[main_size:]
    head = data[: info["hdrLoc"]] + header.tostring().encode("ascii")
    out = head + new_data + bytes(padded(len(new_data)) - len(new_data))
    path.write_bytes(out)
    # Standard over astropy: make row 2 of FLAG and one element of FLAGS3 the undefined logical 0x00.
    with fits.open(path) as hdul:
        table_start = hdul.fileinfo(1)["datLoc"]
        names = hdul[1].columns.names
        flag_offset = hdul[1].data.dtype.fields["FLAG"][1]
        flags3_offset = hdul[1].data.dtype.fields["FLAGS3"][1]
        width = hdul[1].header["NAXIS1"]
        assert names[0] == "FLAG"
    patch_bytes(path, table_start + 2 * width + flag_offset, b"\x00")
    patch_bytes(path, table_start + 4 * width + flags3_offset + 1, b"\x00")
    write_expected(path, {1: {"rows": [(0, 2), (2, 5)]}})


# ---------------------------------------------------------------------------------------------------------
# 3. dup_extnames.fits


def make_dup_extnames():
    path = OUT / "dup_extnames.fits"
    primary = fits.PrimaryHDU()
    primary.header["TELESCOP"] = "HST"
    primary.header["INSTRUME"] = "WFC3"
    primary.header["NEXTEND"] = 7
    hdus = [primary]
    for extver in (1, 2):
        sci = np.arange(20, dtype=np.float32).reshape(4, 5) + 100 * extver
        hdus.append(fits.ImageHDU(sci, name="SCI", ver=extver))
        hdus.append(fits.ImageHDU(np.sqrt(sci), name="ERR", ver=extver))
        hdus.append(fits.ImageHDU((np.arange(20, dtype=np.int16).reshape(4, 5) % 3) * extver, name="DQ", ver=extver))
    lower = fits.ImageHDU(np.full((2, 2), 7, dtype=np.int16), ver=3)
    lower.header["EXTNAME"] = ("sci", "lowercase on purpose")
    hdus.append(lower)
    write_hdul(hdus, path)
    plan = {i: {"sections": [[None, None], [1, [1, 4]]]} for i in range(1, 7)}
    plan[7] = {"sections": [[None, None]]}
    write_expected(path, plan)


# ---------------------------------------------------------------------------------------------------------
# 5. ascii_table.fits


ASCII_COLUMNS = [
    # name, TFORM, TBCOL, TNULL
    ("NAME", "A8", 1, None),
    ("COUNT", "I6", 11, "***"),
    ("FIX", "F8.3", 18, None),
    ("EXP", "E12.4", 27, None),
    ("DBL", "D22.14", 40, None),
    ("SCALED", "I6", 63, None),
]
ASCII_ROW_WIDTH = 70


def ascii_row(values):
    line = bytearray(b" " * ASCII_ROW_WIDTH)
    for (_, tform, tbcol, _), value in zip(ASCII_COLUMNS, values):
        width = int(tform[1:].split(".")[0])
        text = value.encode("ascii")
        assert len(text) <= width
        line[tbcol - 1 : tbcol - 1 + width] = text.ljust(width) if tform[0] == "A" else text.rjust(width)
    return bytes(line)


def make_ascii_table():
    """Written by hand: astropy 5.2 cannot write field gaps, blank fields or scaled ASCII columns."""
    path = OUT / "ascii_table.fits"
    rows = [
        ["alpha", "42", "1.500", "1.0000E+10", "3.33333333333333D-01", "5"],
        ["", "", "-2.250", "-2.5000E-03", "-1.00000000000000D-300", "-3"],
        ["x y", "***", "", "", "2.0D0", ""],
        ["  last", "-7", "0.125", "1.5E3", "1.25D+02", "0"],
        ["O'Hara", "0", "-0.000", "-0.0000E+00", "6.02214076000000D+23", "-16"],
    ]
    header = fits.Header()
    header.append(("XTENSION", "TABLE", "ASCII table extension"))
    header.append(("BITPIX", 8, "array data type"))
    header.append(("NAXIS", 2, "number of array dimensions"))
    header.append(("NAXIS1", ASCII_ROW_WIDTH, "length of dimension 1"))
    header.append(("NAXIS2", len(rows), "length of dimension 2"))
    header.append(("PCOUNT", 0, "number of group parameters"))
    header.append(("GCOUNT", 1, "number of groups"))
    header.append(("TFIELDS", len(ASCII_COLUMNS), "number of table fields"))
    for number, (name, tform, tbcol, tnull) in enumerate(ASCII_COLUMNS, 1):
        header.append((f"TTYPE{number}", name))
        header.append((f"TBCOL{number}", tbcol))
        header.append((f"TFORM{number}", tform))
        if tnull is not None:
            header.append((f"TNULL{number}", tnull, "string null value"))
    header.append(("TSCAL6", 2.0))
    header.append(("TZERO6", 100.0))
    header.append(("EXTNAME", "ASCII"))
    data = b"".join(ascii_row(r) for r in rows)
    data += b" " * (padded(len(data)) - len(data))  # ASCII tables pad with spaces
    primary = fits.PrimaryHDU().header.tostring().encode("ascii")
    path.write_bytes(primary + header.tostring().encode("ascii") + data)
    write_expected(path, {1: {"rows": [(0, 2), (2, 5)]}})


# ---------------------------------------------------------------------------------------------------------
# 6. random_groups.fits


def make_random_groups():
    """Written by hand: astropy 5.2's GroupData scrambles scaled group parameters when it writes them."""
    path = OUT / "random_groups.fits"
    groups, parameters = 6, 6
    data = (np.arange(groups * 1 * 2 * 3, dtype=np.float32).reshape(groups, 1, 2, 3) - 10) / 4
    data[3, 0, 1, 2] = np.nan
    rng = np.random.default_rng(7)
    # name, PSCAL, PZERO, stored values
    params = [
        ("UU", 1e-9, 0.0, rng.integers(-1000, 1000, groups)),
        ("VV", 1e-9, 0.0, rng.integers(-1000, 1000, groups)),
        ("WW", 1e-9, 0.0, rng.integers(-1000, 1000, groups)),
        ("DATE", 1.0, 2451545.0, np.arange(groups)),
        ("DATE", 1.0, 0.5, np.arange(groups) * 0.125),
        ("BASELINE", 1.0, 0.0, np.array([258, 259, 515, 258, 259, 515])),
    ]
    header = fits.Header()
    header.append(("SIMPLE", True, "conforms to FITS standard"))
    header.append(("BITPIX", -32, "array data type"))
    header.append(("NAXIS", 4, "number of array dimensions"))
    header.append(("NAXIS1", 0, "random groups have no NAXIS1 axis"))
    header.append(("NAXIS2", 3, "complex: real, imaginary, weight"))
    header.append(("NAXIS3", 2, "stokes"))
    header.append(("NAXIS4", 1, "frequency"))
    header.append(("EXTEND", True))
    header.append(("GROUPS", True, "has groups"))
    header.append(("PCOUNT", parameters, "number of parameters"))
    header.append(("GCOUNT", groups, "number of groups"))
    for number, (name, scale, zero, _) in enumerate(params, 1):
        header.append((f"PTYPE{number}", name))
        header.append((f"PSCAL{number}", scale))
        header.append((f"PZERO{number}", zero))
    header.append(("OBJECT", "3C286"))
    header.append(("CTYPE2", "COMPLEX"))
    header.append(("CTYPE3", "STOKES"))
    header.append(("CTYPE4", "FREQ"))
    stored = np.stack([np.asarray(values, dtype=np.float32) for *_, values in params], axis=1)
    body = np.concatenate([stored, data.reshape(groups, -1)], axis=1).astype(">f4").tobytes()
    path.write_bytes(header.tostring().encode("ascii") + body + bytes(padded(len(body)) - len(body)))
    plan = {0: {"sections": [[None, None, None, None], [3, 0, None, None], [[1, 5, 2], 0, 1, [0, 3]]]}}
    write_expected(path, plan)


# ---------------------------------------------------------------------------------------------------------
# 7. exotic_header.fits


def fake_header_bytes(first_card):
    cards = [first_card, "BITPIX  =                    8", "NAXIS   =                    0", "COMMENT fake", "END"]
    return "".join(card.ljust(80) for card in cards).encode("ascii")


def make_exotic_header():
    path = OUT / "exotic_header.fits"
    primary = fits.PrimaryHDU(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16))
    header = primary.header
    header["DATE"] = (FIXED_DATE, "fixed date")
    header["LONGSTR"] = (
        # No '' inside: astropy 5.2 drops the text after an escaped quote in a CONTINUE string.
        "This value is longer than one card can hold, so astropy writes it with CONTINUE cards & it "
        "keeps ampersands and / slashes and ends here",
        "and the comment of a long string is long enough to continue as well",
    )
    header["QUOTED"] = ("O'Brien said ''hi''", "embedded quotes")
    header["EMPTYSTR"] = ("", "empty string")
    header["LEADING"] = ("   lead and trail   ", "leading spaces kept, trailing dropped")
    header["SLASH"] = ("a/b/c", "slashes inside a string")
    header["HIERARCH ESO DET CHIP NAME"] = ("EEV44-82", "chip name")
    header["HIERARCH ESO TEL AIRM START"] = (1.234, "airmass at start")
    header["HIERARCH ESO INS FILT1 ID"] = ("R", "filter")
    header["HIERARCH ESO OBS EXECTIME"] = (3600, "integer hierarch")
    header["CPLXF"] = (complex(1.5, -2.25), "complex float")
    header.append(fits.Card.fromstring("CPLXI   =              (3, -4) / complex integer"))
    header["UNDEF"] = (None, "undefined value")
    header.append(fits.Card.fromstring("DEXP    =            1.5D+10 / D exponent"))
    header.append(fits.Card.fromstring("DEXPNEG =        -2.0625D-003 / D exponent, negative"))
    header["EFLOAT"] = (6.02214076e23, "E exponent")
    header["BIGINT"] = (2**53 + 1, "beyond 2^53")
    header["NEGBIG"] = (-(2**53) - 3, "below -2^53")
    header["HUGEINT"] = (2**63 + 5, "beyond 2^63")
    header["ENDTIME"] = ("2020-01-01T01:02:03", "keyword starting with END")
    header["BACKEND"] = ("END", "keyword ending with END, value END")
    header["TRUTH"] = (True, "logical T")
    header["FALSITY"] = (False, "logical F")
    header["COMMENT"] = "A COMMENT card; END appears here too"
    header["HISTORY"] = "Made by tools/make_fixtures.py"
    header["HISTORY"] = "A second HISTORY card"
    header.append(fits.Card("", "A blank-keyword card with text"))
    header.append(fits.Card.fromstring("DP1     = 'AXIS.1: 1'          / record-valued card"))
    header.append(fits.Card.fromstring("DP1     = 'AXIS.2: 2.5'        / record-valued card"))
    header["LOWKEY"] = (1, "written upper case, patched to lowercase")
    # astropy drops blank cards at the very end of a header and reuses them on append, so insert one inside.
    header.insert(len(header) - 2, fits.Card("", ""))
    fake_xtension = fits.ImageHDU(
        np.frombuffer(fake_header_bytes("XTENSION= 'IMAGE   '           / not a header"), dtype=np.uint8),
        name="FAKEXT",
    )
    fake_simple = fits.ImageHDU(
        np.frombuffer(fake_header_bytes("SIMPLE  =                    T / not a header"), dtype=np.uint8),
        name="FAKESIMP",
    )
    after = fits.ImageHDU(np.arange(6, dtype=np.int32).reshape(2, 3), name="AFTER")
    write_hdul([primary, fake_xtension, fake_simple, after], path)
    lowkey = card_offset(path, 0, "LOWKEY")
    patch_bytes(path, lowkey, b"lowkey  ")
    plan = {
        0: {"sections": [[None, None]]},
        1: {"sections": [[[0, 80]], [[320, 400]]]},
        2: {"sections": [[[0, 80]]]},
        3: {"sections": [[None, None]]},
    }
    write_expected(path, plan)


# ---------------------------------------------------------------------------------------------------------
# 8. checksum_good.fits and checksum_bad.fits


def checksum_hdus():
    primary = fits.PrimaryHDU(np.arange(100, dtype=np.int16).reshape(10, 10) - 50)
    primary.header["DATE"] = FIXED_DATE
    image = fits.ImageHDU(np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8), name="IMG")
    table = fits.BinTableHDU.from_columns(
        [
            fits.Column(name="ID", format="J", array=np.arange(4, dtype=np.int32)),
            fits.Column(name="MAG", format="E", array=np.array([10.5, 11.25, 12.0, 13.75], dtype=np.float32)),
        ],
        name="TAB",
    )
    return [primary, image, table]


def make_checksums():
    good = OUT / "checksum_good.fits"
    bad = OUT / "checksum_bad.fits"
    write_hdul(checksum_hdus(), good, checksum=True)
    plan = {0: {"sections": [[[2, 4], None]]}, 1: {"sections": [[None, None]]}, 2: {"rows": [(0, 4)]}}
    write_expected(good, plan)
    bad.write_bytes(good.read_bytes())
    with fits.open(bad) as hdul:
        flipped_at = hdul.fileinfo(1)["datLoc"] + 5
    original = bad.read_bytes()[flipped_at]
    patch_bytes(bad, flipped_at, bytes([original ^ 0x01]))
    write_expected(bad, plan)
    print(f"checksum_bad.fits: byte {flipped_at} flipped (HDU 1 data)")


# ---------------------------------------------------------------------------------------------------------
# 9. compressed_rice.fits and compressed_gzip.fits


def make_compressed():
    rice = OUT / "compressed_rice.fits"
    image = (np.arange(20 * 24, dtype=np.int32).reshape(20, 24) * 37 % 2001 - 1000).astype(np.int16)
    hdu = fits.CompImageHDU(image, compression_type="RICE_1", tile_size=(8, 8), name="RICE")
    write_hdul([fits.PrimaryHDU(), hdu], rice)
    plan = {1: {"sections": [[None, None], [[3, 11], [5, 21, 3]], [19, None]], "rows": [(0, 3)]}}
    write_expected(rice, plan)

    gzip = OUT / "compressed_gzip.fits"
    y, x = np.mgrid[0:16, 0:20]
    smooth = (np.sin(x / 3.0) * np.cos(y / 5.0) * 100 + 1000).astype(np.float32)
    hdu = fits.CompImageHDU(
        smooth,
        compression_type="GZIP_2",
        tile_size=(8, 8),
        quantize_level=16,
        quantize_method=1,
        dither_seed=42,
        name="GZIP",
    )
    write_hdul([fits.PrimaryHDU(), hdu], gzip)
    plan = {1: {"sections": [[None, None], [[0, 9], 7]], "rows": [(0, 2)]}}
    write_expected(gzip, plan)


# ---------------------------------------------------------------------------------------------------------
# 10. no_final_pad.fits


def make_no_final_pad():
    path = OUT / "no_final_pad.fits"
    primary = fits.PrimaryHDU(np.arange(6, dtype=np.int16).reshape(2, 3))
    last = fits.ImageHDU(np.arange(77, dtype=np.uint8).reshape(7, 11), name="LAST")
    write_hdul([primary, last], path)
    with fits.open(path) as hdul:
        end = hdul.fileinfo(1)["datLoc"] + 77
    path.write_bytes(path.read_bytes()[:end])
    write_expected(path, {0: {"sections": [[None, None]]}, 1: {"sections": [[None, None], [6, [5, 11]]]}})


# ---------------------------------------------------------------------------------------------------------
# 11. unknown_xtension.fits


def raw_extension(cards, data):
    header = fits.Header()
    for card in cards:
        header.append(card)
    return header.tostring().encode("ascii") + data + bytes(padded(len(data)) - len(data))


def make_unknown_xtension():
    """Hand-written: astropy refuses to write extensions it does not know."""
    path = OUT / "unknown_xtension.fits"
    temporary = OUT / "unknown_xtension.tmp.fits"
    before = fits.ImageHDU(np.arange(12, dtype=np.int16).reshape(3, 4), name="BEFORE")
    write_hdul([fits.PrimaryHDU(np.array([9, 8, 7], dtype=np.uint8)), before], temporary)
    head = temporary.read_bytes()
    temporary.unlink()
    foreign = raw_extension(
        [
            ("XTENSION", "FOREIGN", "a foreign file encapsulated"),
            ("BITPIX", 8),
            ("NAXIS", 1),
            ("NAXIS1", 2800),
            ("PCOUNT", 100, "extra bytes: data spans two blocks"),
            ("GCOUNT", 1),
            ("EXTNAME", "ODD"),
        ],
        bytes((i * 7) % 256 for i in range(2900)),
    )
    groups = raw_extension(
        [
            ("XTENSION", "IUEIMAGE", "an old, unregistered type"),
            ("BITPIX", 16),
            ("NAXIS", 2),
            ("NAXIS1", 30),
            ("NAXIS2", 40),
            ("PCOUNT", 20),
            ("GCOUNT", 2, "2 * 2 * (20 + 1200) = 4880 bytes"),
            ("EXTNAME", "IUE"),
            ("EXTVER", 2),
        ],
        bytes(i % 251 for i in range(4880)),
    )
    after = fits.ImageHDU(np.array([[1.5, -2.5]], dtype=np.float64), name="AFTER")
    after_bytes = after.header.tostring().encode("ascii")
    after_data = after.data.astype(">f8").tobytes()
    path.write_bytes(head + foreign + groups + after_bytes + after_data + bytes(padded(16) - 16))
    write_expected(path, {0: {"sections": [[None]]}, 1: {"sections": [[None, None]]}, 4: {"sections": [[None, None]]}})


# ---------------------------------------------------------------------------------------------------------
# 12. primary_only.fits


def make_primary_only():
    path = OUT / "primary_only.fits"
    rows, columns = np.mgrid[0:20, 0:30]
    hdu = fits.PrimaryHDU((rows * 100 + columns - 1000).astype(np.int16))
    header = hdu.header
    header["OBJECT"] = ("M31", "target")
    header["DATE-OBS"] = ("2020-01-01T00:00:00", "fixed")
    header["CTYPE1"] = ("RA---TAN", "gnomonic projection")
    header["CTYPE2"] = ("DEC--TAN", "gnomonic projection")
    header["CRPIX1"] = (15.5, "reference pixel, axis 1")
    header["CRPIX2"] = (10.5, "reference pixel, axis 2")
    header["CRVAL1"] = (10.684708, "[deg] RA at the reference pixel")
    header["CRVAL2"] = (41.26875, "[deg] Dec at the reference pixel")
    header["CDELT1"] = (-0.000277778, "[deg/pixel]")
    header["CDELT2"] = (0.000277778, "[deg/pixel]")
    header["CUNIT1"] = "deg"
    header["CUNIT2"] = "deg"
    header["RADESYS"] = "ICRS"
    header["EQUINOX"] = 2000.0
    write_hdul([hdu], path)
    write_expected(path, {0: {"sections": [[None, None], [[2, 5], 3], [7, [0, 30, 4]], [[19, 20], [28, 30]]]}})


def make_wcs_cube():
    """A spectral cube with a 3-D WCS, units and NaNs: for cutouts to FITS (WCS kept), PNGs and plots."""
    path = OUT / "wcs_cube.fits"
    planes, rows, columns = np.mgrid[0:12, 0:20, 0:24]
    source = 50 * np.exp(-((columns - 15.0) ** 2 + (rows - 8.0) ** 2) / 8.0)
    line = 1 + 2 * np.exp(-((planes - 6.0) ** 2) / 4.0)
    cube = (source * line + 0.5 * columns + 0.25 * rows).astype(np.float32)
    cube[:, 16:, :5] = np.nan  # a blank corner in every plane
    cube[3, 8, 15] = np.nan  # one blank cadence of the source's pixel
    hdu = fits.PrimaryHDU(cube)
    header = hdu.header
    header["BUNIT"] = ("Jy/beam", "brightness unit")
    header["OBJECT"] = ("NGC 1234", "target")
    header["WCSAXES"] = 3
    for axis, (ctype, crpix, crval, cdelt, cunit) in enumerate(
        [("RA---TAN", 12.5, 150.1, -0.001, "deg"), ("DEC--TAN", 10.5, 2.2, 0.001, "deg"),
         ("WAVE", 1.0, 6.5e-7, 1.0e-10, "m")], start=1):
        header[f"CTYPE{axis}"] = ctype
        header[f"CRPIX{axis}"] = crpix
        header[f"CRVAL{axis}"] = crval
        header[f"CDELT{axis}"] = cdelt
        header[f"CUNIT{axis}"] = cunit
    header["PC1_1"] = 0.9659258
    header["PC1_2"] = -0.2588190
    header["PC2_1"] = 0.2588190
    header["PC2_2"] = 0.9659258
    header["RADESYS"] = "ICRS"
    header["SPECSYS"] = "TOPOCENT"
    write_hdul([hdu], path)
    write_expected(path, {0: {"sections": [[[2, 5], [7, 9], [14, 17]], [[0, 12], 8, 15], [5, [14, 20], [0, 6]]]}})


# ---------------------------------------------------------------------------------------------------------
# 13. compressed_*.fits made with cfitsio's fpack (one file per algorithm and quantization mode)

FPACK = "/usr/bin/fpack"
FUNPACK = "/usr/bin/funpack"

# name → (image maker, fpack flags, sections, astropy 5.2 agrees with funpack). Tiles that hold NaNs span the
# full image width: funpack 4.2.0 scrambles narrower tiles that contain nulls.
FPACK_FIXTURES = {
    "compressed_rice_i16": ("rice_i16", ["-r", "-t", "16,16"], [[None, None], [[5, 37], [10, 50]], [20, [3, 60, 7]], [[40, 48], [60, 64]], [[0, 48, 5], 17]], True),
    "compressed_rice_i32": ("rice_i32", ["-r", "-t", "20,10"], [[None, None], [[8, 23], [15, 33]], [29, None]], True),
    "compressed_rice_u8": ("rice_u8", ["-r", "-t", "16,8"], [[None, None], [[3, 17], [10, 25, 2]]], True),
    "compressed_gzip1_u16": ("gzip1_u16", ["-g1", "-t", "12,10"], [[None, None], [[4, 15], [5, 20]]], True),
    "compressed_gzip2_f32": ("gzip2_f32", ["-g2", "-q", "0", "-t", "32,6"], [[None, None], [[2, 11], [12, 30]]], True),
    "compressed_dither1": ("dither1", ["-r", "-qt", "4", "-t", "40,8"], [[None, None], [[1, 12], [0, 9]], [[20, 32], [30, 40]]], False),
    "compressed_dither2": ("dither2", ["-r", "-qzt", "4", "-t", "16,16"], [[None, None], [[5, 20], [10, 30]]], True),
    "compressed_plio": ("plio", ["-p"], [[None, None], [[7, 23], [11, 40]], [39, None]], True),
    "compressed_nocompress": ("nocompress", ["-d"], [[None, None], [[3, 9], [2, 30, 3]]], False),
    "compressed_hcompress": ("hcompress", ["-h", "-t", "16,16"], [[None, None], [[5, 37], [10, 50]], [[40, 48], [60, 64]]], True),
}


def fpack_source_image(kind):
    """The uncompressed image behind each fpack fixture: deterministic, exercising each decoder's corners."""
    rng = np.random.default_rng(20240601)
    if kind == "hcompress":
        image = rng.normal(1000, 30, (48, 64)).astype(np.int16)
        image[16:32, 0:16] = 1234
        image[32:40, 16:32] = rng.integers(-3000, 3000, (8, 16))  # fpack -h fails on full-range noise
        return image
    if kind == "rice_i16":
        image = rng.normal(1000, 30, (48, 64)).astype(np.int16)
        image[16:32, 0:16] = 1234  # constant tile: low-entropy Rice blocks
        image[32:48, 16:32] = rng.integers(-32768, 32768, (16, 16))  # noise: high-entropy blocks
        image[0, 0], image[0, 1], image[47, 63] = -32768, 32767, -32768
        return image
    if kind == "rice_i32":
        image = rng.normal(0, 1e5, (30, 40)).astype(np.int32)
        image[10:20, 20:40] = rng.integers(-(2**31), 2**31, (10, 20), dtype=np.int64).astype(np.int32)
        image[0:10, 0:20] = -7
        image[29, 39], image[29, 38] = 2**31 - 1, -(2**31)
        return image
    if kind == "rice_u8":
        image = rng.integers(0, 40, (20, 30)).astype(np.uint8)
        image[8:16, 16:30] = rng.integers(0, 256, (8, 14))
        image[0:8, 0:16] = 255
        return image
    if kind == "gzip1_u16":
        return (rng.integers(0, 65536, (25, 30))).astype(np.uint16)
    if kind == "gzip2_f32":
        image = rng.normal(0, 1, (24, 32)).astype(np.float32) * np.float32(1e3)
        image[1, 2], image[20, 30], image[6, 6] = np.nan, np.nan, 0.0
        return image
    if kind == "dither1":
        image = rng.normal(100, 5, (32, 40)).astype(np.float32)
        image[3, 5], image[3, 6], image[30, 39] = np.nan, np.nan, np.nan
        image[16:24, :] = 42.5  # a constant tile cannot be quantized: fpack stores it losslessly
        return image
    if kind == "dither2":
        image = rng.normal(100, 5, (32, 48)).astype(np.float32)
        image[10, 10], image[10, 11], image[31, 47], image[0, 0] = 0.0, 0.0, 0.0, 0.0
        return image
    if kind == "plio":
        image = np.zeros((40, 50), dtype=np.int16)
        image[5:20, 10:30] = 1
        image[12:16, 14:24] = 3
        image[25:35, 0:50] = 2
        image[30, 20:25] = 30000  # a value above 4095: PLIO's set-high opcode
        image[39, ::3] = 7  # isolated pixels
        return image
    if kind == "nocompress":
        return rng.integers(-1000, 1000, (12, 30)).astype(np.int16)
    raise ValueError(kind)


def describe_fpacked(path, unpacked, sections, astropy_agrees):
    """The expected JSON of an fpack file: cards and offsets from the raw table, sections from funpack's
    decompressed copy (standard over astropy: funpack is cfitsio, the reference implementation)."""
    size = path.stat().st_size
    result = {"file": path.name, "size": size, "made_by": f"astropy {astropy.__version__}", "hdus": []}
    with fits.open(path, disable_image_compression=True) as raw_list, fits.open(unpacked) as plain:
        for index, raw_hdu in enumerate(raw_list):
            info = raw_list.fileinfo(index)
            header = raw_hdu.header
            kind = hdu_type(raw_hdu, index)
            entry = {
                "index": index,
                "type": kind,
                "hdrLoc": info["hdrLoc"],
                "datLoc": info["datLoc"],
                "datSpan": info["datSpan"],
                "extname": header.get("EXTNAME"),
                "extver": None,
                "bitpix": header["BITPIX"],
                "shape": naxis_shape(header) if kind == "PRIMARY" else None,
                "cards": json_cards(header),
            }
            if kind == "COMPRESSED_IMAGE":
                data = plain[0].data
                entry["bitpix"] = header["ZBITPIX"]
                entry["shape"] = [header[f"ZNAXIS{n}"] for n in range(header["ZNAXIS"], 0, -1)]
                assert list(data.shape) == entry["shape"]
                entry["sections"] = [section_entry(spec, data[numpy_index(spec)]) for spec in sections]
                try:
                    with fits.open(path) as decompressed:
                        by_astropy = decompressed[index].data
                        agrees = np.array_equal(by_astropy, data, equal_nan=data.dtype.kind == "f")
                except ValueError:  # astropy 5.2 cannot read NOCOMPRESS at all
                    agrees = False
                assert agrees == astropy_agrees, f"{path.name}: astropy agrees with funpack: {agrees}"
                entry["sectionsFrom"] = "funpack"
                with warnings.catch_warnings(), fits.open(path) as opened:
                    warnings.simplefilter("ignore")
                    entry["imageCards"] = json_cards(opened[index].header)
            result["hdus"].append(entry)
    return result


def make_compressed_tiles():
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for name, (kind, flags, sections, astropy_agrees) in FPACK_FIXTURES.items():
            plain = scratch / f"{name}.fits"
            unpacked = scratch / f"{name}.unpacked.fits"
            write_hdul([fits.PrimaryHDU(fpack_source_image(kind))], plain)
            path = OUT / f"{name}.fits"
            path.unlink(missing_ok=True)
            # -C: no CHECKSUM/DATASUM, whose comments carry the time of writing.
            subprocess.run([FPACK, "-C", *flags, "-O", str(path), str(plain)], check=True)
            subprocess.run([FUNPACK, "-C", "-O", str(unpacked), str(path)], check=True)
            expected = describe_fpacked(path, unpacked, sections, astropy_agrees)
            text = json.dumps(expected, indent=2, allow_nan=False) + "\n"
            expected_path = OUT / f"{name}.expected.json"
            expected_path.write_text(text)
            for produced in (path, expected_path):
                assert produced.stat().st_size <= MAX_FIXTURE_BYTES, f"{produced.name} is larger than 100 KB"
            print(f"{path.name}: {path.stat().st_size} B, {expected_path.name}: {len(text)} B")


# ---------------------------------------------------------------------------------------------------------


FIXTURES = {
    "tess_cube": make_tess_cube,
    "mef_images": make_mef_images,
    "table_all": make_table_all,
    "dup_extnames": make_dup_extnames,
    "ascii_table": make_ascii_table,
    "random_groups": make_random_groups,
    "exotic_header": make_exotic_header,
    "checksums": make_checksums,
    "compressed": make_compressed,
    "no_final_pad": make_no_final_pad,
    "unknown_xtension": make_unknown_xtension,
    "primary_only": make_primary_only,
    "wcs_cube": make_wcs_cube,
    "compressed_tiles": make_compressed_tiles,
}


def main(names):
    OUT.mkdir(exist_ok=True)
    warnings.simplefilter("error", fits.verify.VerifyWarning)
    warnings.filterwarnings("ignore", message="Field .* has a repeat count of 0")  # the 0J column, on purpose
    np.seterr(all="ignore")
    for name in names or list(FIXTURES):
        FIXTURES[name]()


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    main(sys.argv[1:])

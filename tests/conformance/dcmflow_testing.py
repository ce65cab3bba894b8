"""Shared helpers for the conformance tests: run dcmflow, ask independent tools about
what it wrote (pydicom, dicom3tools' dciodvfy, DCMTK), and compute expected pixels with
Pillow and numpy (never with libvips, which dcmflow itself uses)."""

import os
import pathlib
import subprocess

import numpy as np
import pydicom
from PIL import Image, ImageOps, ImageSequence

SOURCE_DIR = pathlib.Path(os.environ.get("DCMFLOW_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CORPUS = SOURCE_DIR.parent / "shared" / "corpus"


def dcmflow_binary() -> str:
    binary = os.environ.get("DCMFLOW")
    if not binary:
        raise RuntimeError("DCMFLOW is not set: run the conformance tests through ctest")
    return binary


def run_dcmflow(*args, check=None):
    """Runs dcmflow; returns the CompletedProcess. `check` asserts the exit code."""
    completed = subprocess.run([dcmflow_binary(), *map(str, args)], capture_output=True, text=True,
                               timeout=600)
    if check is not None:
        assert completed.returncode == check, (
            f"exit {completed.returncode}, expected {check}\nstdout:\n{completed.stdout}\n"
            f"stderr:\n{completed.stderr}")
    return completed


def crafted(dataset: pydicom.Dataset) -> pydicom.Dataset:
    """Marks a dataset a test made faulty on purpose out of dcmflow's output: it is an input,
    not something dcmflow wrote (conftest.py checks everything dcmflow wrote)."""
    dataset.file_meta.ImplementationVersionName = "TEST_CRAFTED"
    return dataset


def dciodvfy_errors(path) -> list:
    """The Error lines dicom3tools' dciodvfy reports for a file (warnings are allowed)."""
    completed = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, errors="replace",
                               timeout=120)
    lines = (completed.stdout + completed.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]


def flatten_onto_white(array: np.ndarray) -> np.ndarray:
    """The documented alpha rule: round((c * a + max * (max - a)) / max)."""
    maximum = np.iinfo(array.dtype).max
    colour = array[..., :-1].astype(np.uint64)
    alpha = array[..., -1:].astype(np.uint64)
    blended = (colour * alpha + maximum * (maximum - alpha) + maximum // 2) // maximum
    result = blended.astype(array.dtype)
    return result[..., 0] if result.shape[-1] == 1 else result


def _frame_array(frame: Image.Image) -> np.ndarray:
    mode = frame.mode
    if mode == "P":
        has_alpha = "transparency" in frame.info
        frame = frame.convert("RGBA" if has_alpha else "RGB")
        mode = frame.mode
    if mode == "PA":
        frame = frame.convert("RGBA")
        mode = "RGBA"
    if mode == "1":
        return np.asarray(frame.convert("L"))
    if mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(frame).astype(np.uint16)
    if mode == "I":
        return np.asarray(frame).astype(np.uint16)
    if mode in ("RGBA", "LA"):
        return flatten_onto_white(np.asarray(frame))
    if mode in ("L", "RGB"):
        return np.asarray(frame)
    raise ValueError(f"no expectation for Pillow mode {mode}")


def _pages(source) -> list:
    with Image.open(source) as image:
        return [_frame_array(ImageOps.exif_transpose(frame.copy())) for frame in ImageSequence.Iterator(image)]


def expected_frames(source) -> np.ndarray:
    """The pixels dcmflow must store for an image file: (frames, rows, columns[, 3])."""
    return np.stack(_pages(source))


def expected_frames_of_page(source, page: int) -> np.ndarray:
    """One page's pixels, for files whose pages differ in size."""
    return _pages(source)[page]


def page_count(source) -> int:
    with Image.open(source) as image:
        return getattr(image, "n_frames", 1)


def stored_frames(dataset: pydicom.Dataset) -> np.ndarray:
    """Decoded Pixel Data as (frames, rows, columns[, samples]), whatever the frame count;
    uncompressed YBR (as GDCM leaves decoded JPEG) is turned to RGB for comparison."""
    pixels = dataset.pixel_array
    if (not dataset.file_meta.TransferSyntaxUID.is_compressed
            and dataset.PhotometricInterpretation in ("YBR_FULL", "YBR_FULL_422")):
        from pydicom.pixel_data_handlers.util import convert_color_space
        pixels = convert_color_space(pixels, "YBR_FULL", "RGB", per_frame=True)
    frames = int(getattr(dataset, "NumberOfFrames", 1) or 1)
    if frames == 1:
        pixels = pixels[np.newaxis, ...]
    return pixels


# --- Independent decoders -------------------------------------------------------------

def _run(command):
    completed = subprocess.run([str(part) for part in command], capture_output=True, text=True, errors="replace",
                               timeout=300)
    assert completed.returncode == 0, f"{command[0]} failed:\n{completed.stdout}\n{completed.stderr}"


def decode_with_gdcm(path, scratch) -> np.ndarray:
    """GDCM's gdcmconv --raw, then the uncompressed pixels as pydicom reads them."""
    out = pathlib.Path(scratch) / (pathlib.Path(path).stem + ".gdcm.dcm")
    _run(["gdcmconv", "--raw", path, out])
    return stored_frames(pydicom.dcmread(out))


def decode_with_dcmtk(path, scratch) -> np.ndarray:
    """DCMTK's decompressor for the file's transfer syntax (dcmdrle, dcmdjpls, dcmdjpeg, dcmconv)."""
    syntax = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
    tool = {"1.2.840.10008.1.2.5": ["dcmdrle"],
            "1.2.840.10008.1.2.4.80": ["dcmdjpls"], "1.2.840.10008.1.2.4.81": ["dcmdjpls"],
            "1.2.840.10008.1.2.4.50": ["dcmdjpeg"],
            "1.2.840.10008.1.2.1.99": ["dcmconv", "+te"]}[syntax]
    out = pathlib.Path(scratch) / (pathlib.Path(path).stem + ".dcmtk.dcm")
    _run([*tool, path, out])
    return stored_frames(pydicom.dcmread(out))


def decode_with_pydicom(path) -> np.ndarray:
    return stored_frames(pydicom.dcmread(path))


def decode_with_openjpeg(path, scratch) -> np.ndarray:
    """OpenJPEG's opj_decompress on each frame's codestream (for HTJ2K, which GDCM 3.0,
    DCMTK 3.6.7 and pydicom 2.3 do not know)."""
    from pydicom.encaps import generate_pixel_data_frame
    dataset = pydicom.dcmread(path)
    rows, columns, samples = dataset.Rows, dataset.Columns, dataset.SamplesPerPixel
    dtype = np.uint16 if dataset.BitsAllocated == 16 else np.uint8
    frames = []
    count = int(getattr(dataset, "NumberOfFrames", 1) or 1)
    for index, codestream in enumerate(generate_pixel_data_frame(dataset.PixelData, count)):
        source = pathlib.Path(scratch) / f"{pathlib.Path(path).stem}-{index}.j2k"
        target = source.with_suffix(".rawl")
        source.write_bytes(codestream)
        _run(["opj_decompress", "-quiet", "-i", source, "-o", target])
        planes = np.frombuffer(target.read_bytes(), dtype=np.dtype(dtype).newbyteorder("<"))
        planes = planes.reshape(samples, rows, columns)
        frames.append(planes[0] if samples == 1 else np.moveaxis(planes, 0, -1))
    return np.stack(frames)


def dciodvfy_errors_any_syntax(path, scratch) -> list:
    """dciodvfy's Error lines, also for syntaxes this dciodvfy cannot read: a deflated file
    is inflated by DCMTK first, and an HTJ2K file is checked under the JPEG 2000 syntax UID,
    whose encoding is the same (dicom3tools of 2022 predates HTJ2K)."""
    syntax = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
    if syntax == "1.2.840.10008.1.2.1.99":
        inflated = pathlib.Path(scratch) / (pathlib.Path(path).stem + ".inflated.dcm")
        _run(["dcmconv", "+te", path, inflated])
        return dciodvfy_errors(inflated)
    if syntax in ("1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"):
        dataset = pydicom.dcmread(path)
        dataset.file_meta.TransferSyntaxUID = ("1.2.840.10008.1.2.4.91" if syntax.endswith("203")
                                               else "1.2.840.10008.1.2.4.90")
        twin = pathlib.Path(scratch) / (pathlib.Path(path).stem + ".as-j2k.dcm")
        dataset.save_as(twin, write_like_original=True)
        return dciodvfy_errors(twin)
    return dciodvfy_errors(path)

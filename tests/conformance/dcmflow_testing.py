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


def dciodvfy_errors(path) -> list:
    """The Error lines dicom3tools' dciodvfy reports for a file (warnings are allowed)."""
    completed = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=120)
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
    """Decoded Pixel Data as (frames, rows, columns[, samples]), whatever the frame count."""
    pixels = dataset.pixel_array
    frames = int(getattr(dataset, "NumberOfFrames", 1) or 1)
    if frames == 1:
        pixels = pixels[np.newaxis, ...]
    return pixels

"""dcmflow preview: real DICOM samples of every kind rendered (Modality LUT, VOI window,
MONOCHROME1, palette, YBR, multi-frame, every syntax GDCM decodes), checked against pixel
values computed here with numpy from pydicom's decoding."""

import pathlib

import numpy as np
import pydicom
import pytest
from PIL import Image

from dcmflow_testing import CORPUS, run_dcmflow

SAMPLES = sorted((CORPUS / "dicom").glob("*.dcm")) if (CORPUS / "dicom").is_dir() else []
NOT_IMAGES = {"pydicom-test-SR.dcm", "pydicom-waveform_ecg.dcm"}


def linear_window(values, center, width):
    """PS3.3 C.11.2.1.2.1, to 0..255 -- written out again here, independently of dcmflow."""
    low = center - 0.5 - (width - 1) / 2
    high = center - 0.5 + (width - 1) / 2
    scaled = ((values - (center - 0.5)) / (width - 1) + 0.5) * 255.0
    out = np.clip(scaled, 0, 255).astype(np.uint8)
    out[values <= low] = 0
    out[values > high] = 255
    return out


def percentile_window(values):
    """The default window of a frame wider than 8 bits: its 0.5th and 99.5th percentile
    (the sorted values at those fractions of the way, rounded down)."""
    ordered = np.sort(values.ravel())
    return ordered[int(0.005 * (ordered.size - 1))], ordered[int(0.995 * (ordered.size - 1))]


@pytest.mark.skipif(not SAMPLES, reason="../shared/corpus/dicom is absent")
@pytest.mark.parametrize("sample", SAMPLES, ids=[path.name for path in SAMPLES])
def test_every_corpus_image_renders(sample, tmp_path):
    out = tmp_path / "preview.png"
    completed = run_dcmflow("preview", sample, "-o", out)
    if sample.name in NOT_IMAGES:
        assert completed.returncode == 1 and "no image" in completed.stderr
        return
    assert completed.returncode == 0, completed.stderr
    dataset = pydicom.dcmread(sample, stop_before_pixels=True)
    assert Image.open(out).size == (dataset.Columns, dataset.Rows)


@pytest.mark.skipif(not (CORPUS / "bad").is_dir(), reason="../shared/corpus/bad is absent")
def test_truncated_files_are_rejected_clearly(tmp_path):
    completed = run_dcmflow("preview", CORPUS / "bad" / "pydicom-MR_truncated.dcm", "-o", tmp_path / "x.png", check=1)
    assert "pydicom-MR_truncated.dcm: file truncated" in completed.stderr
    assert not (tmp_path / "x.png").exists()


def ct_small():
    path = CORPUS / "dicom" / "pydicom-CT_small.dcm"
    if not path.exists():
        pytest.skip("../shared/corpus/dicom/pydicom-CT_small.dcm is absent")
    return path


def test_modality_lut_and_windows_are_applied(tmp_path):
    dataset = pydicom.dcmread(ct_small())
    values = dataset.pixel_array.astype(np.float64) * float(dataset.RescaleSlope) + float(dataset.RescaleIntercept)
    windowed = tmp_path / "windowed.dcm"
    dataset.WindowCenter, dataset.WindowWidth = 50, 350
    dataset.save_as(windowed)
    lowest, highest = percentile_window(values)
    cases = [(ct_small(), [], ((lowest + highest + 1) / 2, highest - lowest + 1)),  # 0.5th to 99.5th percentile
             (windowed, [], (50.0, 350.0)),                                         # the file's window
             (windowed, ["--window", "40,400"], (40.0, 400.0))]                      # the one asked for
    for sample, arguments, window in cases:
        out = tmp_path / "ct.png"
        run_dcmflow("preview", sample, "-o", out, *arguments, check=0)
        shown = np.asarray(Image.open(out))
        expected = linear_window(values, *window)
        assert np.abs(shown.astype(int) - expected.astype(int)).max() <= 1, (sample.name, arguments)


def test_monochrome1_is_inverted(tmp_path):
    dataset = pydicom.dcmread(ct_small())
    monochrome1 = tmp_path / "mono1.dcm"
    dataset.PhotometricInterpretation = "MONOCHROME1"
    dataset.save_as(monochrome1)
    run_dcmflow("preview", ct_small(), "-o", tmp_path / "two.png", check=0)
    run_dcmflow("preview", monochrome1, "-o", tmp_path / "one.png", check=0)
    two = np.asarray(Image.open(tmp_path / "two.png")).astype(int)
    one = np.asarray(Image.open(tmp_path / "one.png")).astype(int)
    assert np.array_equal(one, 255 - two)


@pytest.mark.parametrize("name", ["pydicom-SC_rgb_small_odd.dcm", "pydicom-SC_ybr_full_422_uncompressed.dcm",
                                  "pydicom-SC_rgb_rle_2frame.dcm"])
def test_colour_is_shown_as_rgb(name, tmp_path):
    sample = CORPUS / "dicom" / name
    if not sample.exists():
        pytest.skip(f"{sample} is absent")
    dataset = pydicom.dcmread(sample)
    pixels = dataset.pixel_array
    if dataset.PhotometricInterpretation.startswith("YBR"):
        pixels = pydicom.pixel_data_handlers.util.convert_color_space(pixels, "YBR_FULL", "RGB")
    last = int(getattr(dataset, "NumberOfFrames", 1))
    if last > 1:
        pixels = pixels[last - 1]
    run_dcmflow("preview", sample, "--frame", last, "-o", tmp_path / "rgb.png", check=0)
    shown = np.asarray(Image.open(tmp_path / "rgb.png")).astype(int)
    assert np.abs(shown - pixels.astype(int)).max() <= 2


def test_a_converted_page_previews_as_its_source(tmp_path):
    grey = (np.arange(64 * 48) % 251).astype(np.uint8).reshape(48, 64)
    Image.fromarray(grey).save(tmp_path / "page.png")
    run_dcmflow("convert", tmp_path / "page.png", "-o", tmp_path / "out", "--codec", "jpegls",
                "--allow-missing-patient-id", check=0)
    run_dcmflow("preview", tmp_path / "out" / "page.dcm", "--window", "127.5,256", "-o", tmp_path / "back.png", check=0)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "back.png")), grey)


def test_htj2k_files_preview_as_their_source(tmp_path):
    rgb = np.dstack([np.arange(48 * 40, dtype=np.uint32).reshape(40, 48) % 256 for _ in range(3)]).astype(np.uint8)
    rgb[..., 1] = 255 - rgb[..., 1]
    Image.fromarray(rgb, "RGB").save(tmp_path / "photo.png")
    run_dcmflow("convert", tmp_path / "photo.png", "-o", tmp_path / "out", "--codec", "htj2k",
                "--allow-missing-patient-id", check=0)
    assert pydicom.dcmread(tmp_path / "out" / "photo.dcm").file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.201"
    run_dcmflow("preview", tmp_path / "out" / "photo.dcm", "-o", tmp_path / "back.png", check=0)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "back.png")), rgb)


def test_sheet_lays_out_every_frame_and_sizes_fit(tmp_path):
    samples = [path for path in SAMPLES if path.name in ("pydicom-SC_rgb_rle_2frame.dcm", "pydicom-CT_small.dcm")]
    if len(samples) < 2:
        pytest.skip("corpus samples absent")
    completed = run_dcmflow("preview", *samples, "--sheet", "--tile", 96, "-o", tmp_path / "sheet.jpg", check=0)
    assert "3 frames on" in completed.stdout
    assert Image.open(tmp_path / "sheet.jpg").format == "JPEG"
    run_dcmflow("preview", samples[0], "--size", "50x40", "-o", tmp_path / "small.png", check=0)
    width, height = Image.open(tmp_path / "small.png").size
    assert width <= 50 and height <= 40 and (width == 50 or height == 40)
    assert "add --sheet" in run_dcmflow("preview", *samples, "-o", tmp_path / "x.png", check=2).stderr


@pytest.mark.parametrize("level,depth", [(255, np.uint8), (65535, np.uint16), (0, np.uint8), (0, np.uint16)])
def test_a_blank_page_shows_as_the_level_it_is(level, depth, tmp_path):
    """A white page has one value: windowing it to its own range used to make it black."""
    Image.fromarray(np.full((60, 40), level, dtype=depth)).save(tmp_path / "blank.png")
    run_dcmflow("convert", tmp_path / "blank.png", "-o", tmp_path / "out", "--allow-missing-patient-id", check=0)
    run_dcmflow("preview", tmp_path / "out" / "blank.dcm", "-o", tmp_path / "shown.png", check=0)
    shown = np.asarray(Image.open(tmp_path / "shown.png"))
    assert shown.min() == shown.max() == (255 if level else 0)


def test_a_16_bit_image_without_a_window_is_not_squashed_by_one_bright_pixel(tmp_path):
    film = np.tile(np.linspace(2000, 6000, 200), (100, 1)).astype(np.uint16)
    film[0, 0] = 65535  # a burnt-in marker: min/max would leave the film in the darkest 7% of greys
    Image.fromarray(film).save(tmp_path / "film.png")
    run_dcmflow("convert", tmp_path / "film.png", "-o", tmp_path / "out", "--allow-missing-patient-id", check=0)
    assert "WindowCenter" not in pydicom.dcmread(tmp_path / "out" / "film.dcm")
    run_dcmflow("preview", tmp_path / "out" / "film.dcm", "-o", tmp_path / "shown.png", check=0)
    shown = np.asarray(Image.open(tmp_path / "shown.png")).astype(int)
    lowest, highest = percentile_window(film.astype(np.float64))
    expected = linear_window(film.astype(np.float64), (lowest + highest + 1) / 2, highest - lowest + 1)
    assert np.abs(shown - expected.astype(int)).max() <= 1
    assert shown[50, 100] > 100  # mid-grey in the middle of the ramp


def test_an_encapsulated_pdf_previews_as_its_first_page(tmp_path):
    pages = [Image.new("L", (400, 300), 255) for _ in range(3)]
    for number, page in enumerate(pages):
        page.paste(0, (50, 50, 150 + 100 * number, 200))  # each page its own black bar
    pages[0].save(tmp_path / "doc.pdf", save_all=True, append_images=pages[1:], resolution=100)
    run_dcmflow("convert", tmp_path / "doc.pdf", "-o", tmp_path / "out", "--also-pdf", "--dpi", "100",
                "--allow-missing-patient-id", check=0)
    outputs = sorted((tmp_path / "out" / "doc").glob("*.dcm"))
    by_class = {pydicom.dcmread(path, stop_before_pixels=True).SOPClassUID: path for path in outputs}
    document = by_class.pop("1.2.840.10008.5.1.4.1.1.104.1")
    (pages_object,) = by_class.values()
    completed = run_dcmflow("preview", document, "-o", tmp_path / "document.png", check=0)
    assert "preview:" in completed.stdout
    shown = np.asarray(Image.open(tmp_path / "document.png")).astype(int)
    for frame in (1, 2):  # the pages dcmflow rendered from the same PDF at the same resolution
        run_dcmflow("preview", pages_object, "--frame", frame, "-o", tmp_path / "page.png",
                    check=0)
        page = np.asarray(Image.open(tmp_path / "page.png")).astype(int)
        assert shown.shape == page.shape
        if frame == 1:
            assert np.abs(shown - page).max() <= 1
        else:
            assert np.abs(shown - page).max() == 255

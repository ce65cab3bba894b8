#!/usr/bin/python3
"""Makes the corpus of scripts/bench-vs-peers.sh: every input class in the forms each tool
in the comparison reads, with the same pixels in each form.

  pages/   scanned-report-like A4 pages at 200 dpi, 8-bit grey: page-NNNN.pgm (dcmflow,
           gdcmimg) and page-NNNN.bmp (img2dcm reads only BMP and JPEG)
  photos/  colour photographs 2000x1500 RGB: photo-NNNN.ppm and photo-NNNN.bmp
  ct/      CT-like 512x512 slices, 12 bits in 16, as uncompressed DICOM CT Image Storage
           (written by pydicom): CT arrives as DICOM, and no peer reads a 16-bit image file
  docx/    .docx radiology reports of 1-3 pages (make_documents.py)

Deterministic (fixed seeds; every item has content of its own). Debian's python3-numpy,
python3-pil, python3-pydicom and python3-docx, through /usr/bin/python3.

usage: make_bench_corpus.py OUT [--pages 40] [--photos 12] [--ct 300] [--docs 30]
"""

import argparse
import pathlib
import random

import numpy as np
from PIL import Image, ImageDraw
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from make_bench_frames import ct_slice, photo, report_page, scanned
from make_documents import report

A4_200_DPI = (1654, 2339)
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
UID_ROOT = "2.25."


def stamped(pixels: np.ndarray, text: str) -> Image.Image:
    image = Image.fromarray(pixels)
    ImageDraw.Draw(image).text((image.width - 220, image.height - 80), text, fill=0)
    return image


def write_pages(folder: pathlib.Path, count: int):
    folder.mkdir(parents=True, exist_ok=True)
    base = report_page(*A4_200_DPI, 1)
    for index in range(count):
        page = stamped(scanned(base, 100 + index), f"page {index + 1}")
        page.save(folder / f"page-{index + 1:04d}.pgm")
        page.save(folder / f"page-{index + 1:04d}.bmp")


def write_photos(folder: pathlib.Path, count: int):
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        picture = stamped(photo(2000, 1500, 200 + index), f"photo {index + 1}")
        picture.save(folder / f"photo-{index + 1:04d}.ppm")
        picture.save(folder / f"photo-{index + 1:04d}.bmp")


def uid(*parts: int) -> str:
    return UID_ROOT + "".join(f"{part:06d}" for part in parts).lstrip("0")


def write_ct(folder: pathlib.Path, count: int):
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = uid(9, 3, index + 1)
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = folder / f"ct-{index + 1:04d}.dcm"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CT_IMAGE_STORAGE, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = uid(9, 1, 1), uid(9, 2, 1)
        ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "BENCH^CT", "BENCH-CT", "19600101", "O"
        ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.ReferringPhysicianName = "20200101", "120000", "", ""
        ds.StudyID, ds.SeriesNumber, ds.InstanceNumber, ds.Modality = "1", 1, index + 1, "CT"
        ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = uid(9, 4, 1), ""
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, index], [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing, ds.SliceThickness = [0.7, 0.7], 1
        ds.KVP, ds.AcquisitionNumber, ds.PatientPosition, ds.Laterality, ds.Manufacturer = 120, 1, "HFS", "", ""
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows = ds.Columns = 512
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = ct_slice(512, 300 + index).tobytes()
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.save_as(path, write_like_original=False)


def write_documents(folder: pathlib.Path, count: int):
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        report(number, random.Random(number)).save(folder / f"report_{number:04d}.docx")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=pathlib.Path)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--ct", type=int, default=300)
    parser.add_argument("--docs", type=int, default=30)
    args = parser.parse_args()
    write_pages(args.output / "pages", args.pages)
    write_photos(args.output / "photos", args.photos)
    write_ct(args.output / "ct", args.ct)
    write_documents(args.output / "docx", args.docs)


if __name__ == "__main__":
    main()

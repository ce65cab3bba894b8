#!/usr/bin/python3
"""Makes N .docx radiology reports of 1-3 pages (python-docx, Debian's python3-docx), for the
document benchmarks. Deterministic: report i always has the same text and length.

usage: make_documents.py OUTPUT_DIR [--count 30]
"""

import argparse
import pathlib
import random

import docx

FINDINGS = [
    "The lungs are clear without focal consolidation, effusion or pneumothorax.",
    "Heart size is within normal limits. The mediastinal contours are unremarkable.",
    "No acute osseous abnormality. Mild degenerative changes of the thoracic spine.",
    "There is a 6 mm nodule in the right upper lobe, unchanged from the prior study.",
    "The visualised upper abdomen is unremarkable. No free intraperitoneal air.",
]


def report(number, rng):
    document = docx.Document()
    document.add_heading(f"Radiology report {number:04d}", level=1)
    document.add_paragraph(f"Patient: TEST^PATIENT{number:04d}    Accession: ACC{number:06d}")
    document.add_paragraph("Examination: CT chest with contrast.")
    pages = 1 + number % 3
    for _ in range(pages * 14):  # about 14 paragraphs fill a page
        document.add_paragraph(" ".join(rng.choice(FINDINGS) for _ in range(3)))
    document.add_paragraph("Impression: no acute cardiopulmonary abnormality.")
    return document


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=pathlib.Path)
    parser.add_argument("--count", type=int, default=30)
    arguments = parser.parse_args()
    arguments.output.mkdir(parents=True, exist_ok=True)
    for number in range(arguments.count):
        report(number, random.Random(number)).save(arguments.output / f"report_{number:04d}.docx")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Makes COUNT distinct scanned-report-like pages for the engine benchmarks: 8-bit grey,
black text on noisy paper, written as uncompressed PGM so that reading a page costs next to
nothing next to encoding it (the engine is measured, not a PNG decoder).

Deterministic: eight base pages (fixed seeds), each page a base page with its own number
stamped in, so every page has its own content (its own hash, its own UIDs).

usage: make_pages.py FOLDER [--count 500] [--width 1240] [--height 1754] [--format pgm|png]
"""

import argparse
import pathlib

import numpy as np
from PIL import Image, ImageDraw

LINES = [
    "DISCHARGE SUMMARY",
    "Admitted with community acquired pneumonia; treated with intravenous antibiotics.",
    "Chest radiograph on day three showed resolving consolidation in the right lower lobe.",
    "Discharged home in a stable condition; follow-up chest radiograph in six weeks.",
]


def base_page(width, height, seed):
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    for line in range(height // 40 - 4):
        draw.text((width // 12, 80 + line * 36), LINES[(line + seed) % len(LINES)], fill=20)
    pixels = np.asarray(page, dtype=np.int16)
    noise = np.random.default_rng(seed).normal(0, 6, size=pixels.shape)
    return np.clip(pixels + noise, 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--width", type=int, default=1240)   # A4 at 150 dpi
    parser.add_argument("--height", type=int, default=1754)
    parser.add_argument("--format", choices=["pgm", "png"], default="pgm")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    bases = [base_page(args.width, args.height, seed) for seed in range(8)]
    for index in range(args.count):
        page = bases[index % len(bases)].copy()
        stamp = Image.fromarray(page)
        ImageDraw.Draw(stamp).text((args.width - 200, args.height - 60), f"page {index + 1}", fill=0)
        stamp.save(args.folder / f"page-{index + 1:05d}.{args.format}")


if __name__ == "__main__":
    main()

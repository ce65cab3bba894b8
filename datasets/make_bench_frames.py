#!/usr/bin/python3
"""Makes the four image classes dcmflow's codec benchmarks use (PEERS.md's classes):

  report_page.png   rendered report page: A4 at 200 dpi, 8-bit grey, black text on white
  scanned_page.png  noisy scanned A4 page: the same text, paper grain and scanner noise
  ct_slice.png      CT-like 512x512 slice, 12 bits of signal in 16-bit grey
  photo.png         photograph-like 2000x1500 RGB: smooth shapes, gradients and sensor noise

Deterministic (fixed seeds); Pillow and numpy from Debian (python3-pil, python3-numpy).
`--small` makes quarter-size versions for quick runs and tests.
"""

import argparse
import pathlib

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LINES = [
    "RADIOLOGY REPORT",
    "Examination: CT chest with contrast. Clinical history: persistent cough.",
    "Findings: The lungs are clear. No pleural effusion or pneumothorax.",
    "Heart size is normal. No mediastinal or hilar lymphadenopathy.",
    "Impression: No acute cardiopulmonary abnormality.",
]


def report_page(width, height, seed):
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default()
    rng = np.random.default_rng(seed)
    y = height // 20
    while y < height - height // 20:
        line = LINES[int(rng.integers(0, len(LINES)))]
        draw.text((width // 12, y), line, fill=0, font=font)
        y += 14
        if rng.random() < 0.1:
            y += 28  # paragraph break
    return np.asarray(page)


def scanned(page, seed):
    rng = np.random.default_rng(seed)
    grain = rng.normal(0, 9, page.shape)
    shading = np.linspace(-12, 6, page.shape[1])[np.newaxis, :]
    return np.clip(page.astype(np.float64) * 0.93 + 10 + grain + shading, 0, 255).astype(np.uint8)


def ct_slice(size, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] - size / 2
    radius = np.hypot(x, y)
    body = np.where(radius < size * 0.42, 1040.0, 24.0)            # air around, water-like body
    body += np.where(np.hypot(x + size * 0.15, y) < size * 0.12, -700, 0)  # lungs
    body += np.where(np.hypot(x - size * 0.15, y) < size * 0.12, -700, 0)
    body += np.where(np.hypot(x, y + size * 0.25) < size * 0.05, 900, 0)   # spine
    body += rng.normal(0, 12, body.shape)
    return np.clip(body, 0, 4095).astype(np.uint16)


def photo(width, height, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    red = 120 + 80 * np.sin(x / width * 3.1) + 30 * np.cos(y / height * 5)
    green = 100 + 60 * np.cos((x + y) / (width + height) * 6)
    blue = 140 + 70 * np.sin(y / height * 2.3)
    image = np.stack([red, green, blue], axis=-1) + rng.normal(0, 4, (height, width, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=pathlib.Path)
    parser.add_argument("--small", action="store_true", help="quarter-size frames for quick runs")
    arguments = parser.parse_args()
    scale = 4 if arguments.small else 1
    out = arguments.output
    out.mkdir(parents=True, exist_ok=True)
    page = report_page(1654 // scale, 2339 // scale, 1)
    Image.fromarray(page, "L").save(out / "report_page.png")
    Image.fromarray(scanned(page, 2), "L").save(out / "scanned_page.png")
    Image.fromarray(ct_slice(512 // scale, 3)).save(out / "ct_slice.png")
    Image.fromarray(photo(2000 // scale, 1500 // scale, 4), "RGB").save(out / "photo.png")


if __name__ == "__main__":
    main()

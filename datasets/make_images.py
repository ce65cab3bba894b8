#!/usr/bin/python3
"""Makes the small sample images dcmflow's demo and tests convert.

Deterministic (fixed seeds), made with Pillow and numpy from Debian's python3-pil and
python3-numpy. Each file exercises one case of the image loader:

  grey8.png          8-bit grey, odd width and height
  grey16.png         16-bit grey using the full 0..65535 range
  rgb.png            8-bit RGB, photo-like gradients and noise
  rgba.png           RGB with an alpha channel from fully transparent to opaque
  grey_alpha.png     grey with alpha
  palette.png        256-colour palette
  palette_trns.png   palette with a transparent entry
  photo.jpg          baseline JPEG (a lossy source)
  scan.bmp           24-bit BMP
  anim.gif           three-frame GIF
  lossless.webp      lossless WebP
  pages.tif          three-page grey TIFF (a scanned document)
  pages_rgb.tif      two-page RGB TIFF
  pages_mixed_sizes.tif  two grey pages, landscape then portrait
With --with-bad, also:
  truncated.png      a PNG cut in the middle of its pixel data
  not_an_image.dat   bytes of no format
"""

import argparse
import pathlib
import shutil

import numpy as np
from PIL import Image


def gradient(width, height, seed, channels=1, maximum=255, dtype=np.uint8):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = (x * 3 + y * 5) % (maximum + 1)
    planes = []
    for c in range(channels):
        noise = rng.integers(0, max(2, maximum // 16), size=(height, width))
        planes.append((base * (c + 1) + noise) % (maximum + 1))
    array = np.stack(planes, axis=-1) if channels > 1 else planes[0]
    return array.astype(dtype)


def make(out: pathlib.Path, with_bad: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    Image.fromarray(gradient(333, 217, 1), "L").save(out / "grey8.png")

    grey16 = gradient(301, 199, 2, maximum=65535, dtype=np.uint16)
    grey16[0, 0], grey16[0, 1] = 0, 65535
    Image.fromarray(grey16).save(out / "grey16.png")  # Pillow writes mode I;16 as 16-bit PNG

    rgb = gradient(320, 240, 3, channels=3)
    Image.fromarray(rgb, "RGB").save(out / "rgb.png")
    Image.fromarray(rgb, "RGB").save(out / "photo.jpg", quality=90)
    Image.fromarray(rgb, "RGB").save(out / "scan.bmp")
    Image.fromarray(rgb, "RGB").save(out / "lossless.webp", lossless=True)

    alpha = (np.arange(200 * 150).reshape(150, 200) % 256).astype(np.uint8)
    rgba = np.dstack([gradient(200, 150, 4, channels=3), alpha])
    Image.fromarray(rgba, "RGBA").save(out / "rgba.png")
    Image.fromarray(np.dstack([gradient(200, 99, 5), alpha[:99]]), "LA").save(out / "grey_alpha.png")

    palette_image = Image.fromarray(rgb, "RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    palette_image.save(out / "palette.png")
    transparent = palette_image.copy()
    transparent.info["transparency"] = 0
    transparent.save(out / "palette_trns.png", transparency=0)

    frames = [Image.fromarray(gradient(160, 120, 10 + i, channels=3), "RGB").quantize(64) for i in range(3)]
    frames[0].save(out / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0,
                   optimize=False, disposal=1)

    pages = [Image.fromarray(gradient(250, 350, 20 + i), "L") for i in range(3)]
    pages[0].save(out / "pages.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    colour_pages = [Image.fromarray(gradient(123, 77, 30 + i, channels=3), "RGB") for i in range(2)]
    colour_pages[0].save(out / "pages_rgb.tif", save_all=True, append_images=colour_pages[1:])
    mixed = [Image.fromarray(gradient(120, 80, 40), "L"), Image.fromarray(gradient(80, 120, 41), "L")]
    mixed[0].save(out / "pages_mixed_sizes.tif", save_all=True, append_images=mixed[1:])

    if with_bad:
        whole = (out / "rgb.png").read_bytes()
        (out / "truncated.png").write_bytes(whole[: len(whole) // 2])
        (out / "not_an_image.dat").write_bytes(bytes(range(256)) * 4)  # no format at all


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=pathlib.Path, help="folder to write the images into")
    parser.add_argument("--with-bad", action="store_true", help="add a truncated and a non-image file")
    parser.add_argument("--clean", action="store_true", help="empty the output folder first")
    arguments = parser.parse_args()
    if arguments.clean and arguments.output.is_dir():
        shutil.rmtree(arguments.output)
    make(arguments.output, arguments.with_bad)

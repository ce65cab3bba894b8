#!/usr/bin/python3
"""Makes the demo's archive: what a Chinese hospital hands over for one patient.

  OUT/archive/胸部CT报告.docx    a two-page Word radiology report, in Chinese
  OUT/archive/知情同意书.png     a scanned consent form (8-bit grey)
  OUT/archive/病灶照片.jpg       a clinical photograph (JPEG, colour)
  OUT/archive/胸部平片.png       a chest film digitised at 16 bits (no window of its own)
  OUT/manifest.csv             the hospital system's export: Chinese headers, GB18030,
                               values as clerks type them (男, 44岁, 1979年3月5日, 62.5公斤, 否)

The manifest lies outside the archive folder: a job's manifest is never one of its inputs.
Deterministic (fixed seeds). Uses Debian's python3-docx, python3-numpy and python3-pil.

usage: make_demo.py OUT
"""

import argparse
import csv
import pathlib
import shutil

import docx
import numpy as np
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image, ImageDraw

FONT = "WenQuanYi Micro Hei"  # fonts-wqy-microhei, installed by scripts/setup.sh
PATIENT = {
    "姓名": "张伟", "登记号": "ZS-20230815-001", "性别": "男", "年龄": "44岁",
    "出生日期": "1979年3月5日", "体重": "62.5公斤", "吸烟史": "否",
    "检查号": "CT230815017", "检查日期": "2023-08-15", "检查描述": "胸部CT平扫",
}
FINDINGS = [
    "双肺纹理清晰，走行自然，未见明确实质性病变。",
    "右肺上叶见一约6毫米磨玻璃结节，边界清楚，较前片无明显变化。",
    "纵隔居中，气管及主支气管通畅，纵隔内未见肿大淋巴结。",
    "心影大小形态正常，心包未见积液，主动脉壁未见钙化。",
    "双侧胸膜未见增厚，胸腔内未见积液征象。",
    "所见胸椎及肋骨骨质未见明确破坏，胸壁软组织未见异常。",
]


def chinese(run, size=11, bold=False):
    """East Asian text needs its own font slot in Word, else LibreOffice falls back per glyph."""
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)  # noqa: SLF001
    return run


def write_report(path):
    document = docx.Document()
    chinese(document.add_paragraph().add_run("某某市第一人民医院 放射科"), 16, bold=True)
    chinese(document.add_paragraph().add_run("胸部CT检查报告"), 14, bold=True)
    for line in (f"姓名：{PATIENT['姓名']}　　性别：{PATIENT['性别']}　　年龄：{PATIENT['年龄']}",
                 f"登记号：{PATIENT['登记号']}　　检查号：{PATIENT['检查号']}　　检查日期：{PATIENT['检查日期']}",
                 "检查项目：胸部CT平扫（层厚1毫米）"):
        chinese(document.add_paragraph().add_run(line))
    chinese(document.add_paragraph().add_run("影像所见："), bold=True)
    for paragraph in range(26):  # enough for a second page
        chinese(document.add_paragraph().add_run(f"{paragraph + 1}. " + FINDINGS[paragraph % len(FINDINGS)] * 2))
    chinese(document.add_paragraph().add_run("诊断意见："), bold=True)
    chinese(document.add_paragraph().add_run("右肺上叶磨玻璃小结节，建议12个月后复查。余胸部CT平扫未见明显异常。"))
    chinese(document.add_paragraph().add_run("报告医师：李明　　审核医师：王芳"))
    document.save(path)


def write_scan(path, rng):
    """A consent form as a scanner gives it: white paper, dark lines of 'text', a little noise."""
    page = Image.new("L", (1240, 1754), 250)  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    for row in range(40):
        y = 160 + row * 36
        length = int(rng.integers(600, 1000))
        draw.rectangle([120, y, 120 + length, y + 12], fill=40)
    draw.rectangle([800, 1560, 1100, 1620], outline=20, width=3)  # the signature box
    noisy = np.asarray(page, dtype=np.int16) + rng.integers(-6, 7, size=(1754, 1240))
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path)


def write_photo(path, rng):
    """A clinical photograph: smooth colour with a darker lesion, saved as a camera would (JPEG)."""
    y, x = np.mgrid[0:900, 0:1200]
    skin = np.stack([205 - y / 30, 160 - y / 40, 140 - x / 60], axis=-1)
    lesion = ((x - 640) ** 2 / 90 ** 2 + (y - 430) ** 2 / 60 ** 2) < 1
    skin[lesion] = [150, 80, 70]
    noisy = skin + rng.normal(0, 3, size=skin.shape)
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB").save(path, quality=92)


def write_film(path):
    """A digitised chest film, 16 bits, values 2000-52000: no window of its own, so a viewer
    must choose one (a percentile window shows the lungs, not a grey slab)."""
    y, x = np.mgrid[0:1024, 0:1024] / 1024.0
    body = np.exp(-(((x - 0.5) / 0.42) ** 2 + ((y - 0.55) / 0.5) ** 2) ** 2)
    lungs = sum(np.exp(-(((x - cx) / 0.13) ** 2 + ((y - 0.5) / 0.28) ** 2) ** 2) for cx in (0.33, 0.67))
    film = 2000 + 50000 * np.clip(body - 0.7 * lungs, 0, 1)
    film[0, 0] = 65535  # one burnt-in marker pixel: min/max would squash the rest to black
    Image.fromarray(film.astype(np.uint16)).save(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=pathlib.Path)
    out = parser.parse_args().output
    shutil.rmtree(out, ignore_errors=True)
    archive = out / "archive"
    archive.mkdir(parents=True)
    rng = np.random.default_rng(20230815)
    files = {"胸部CT报告.docx": lambda p: write_report(p), "知情同意书.png": lambda p: write_scan(p, rng),
             "病灶照片.jpg": lambda p: write_photo(p, rng), "胸部平片.png": write_film}
    for name, make in files.items():
        make(archive / name)
    with open(out / "manifest.csv", "w", encoding="gb18030", newline="") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(["文件", *PATIENT])
        for name in files:
            writer.writerow([f"archive/{name}", *PATIENT.values()])  # from the manifest's folder


if __name__ == "__main__":
    main()

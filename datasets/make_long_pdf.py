#!/usr/bin/python3
"""A PDF of N text pages (US Letter, each with its own number and lines of text in
Helvetica), written directly: 5,000 pages in a few MB, with no PDF library. `--blank`: empty
pages (10,000 in a few MB), `--size W H` in points.

usage: datasets/make_long_pdf.py OUT.pdf --pages N [--blank] [--size 612 792]
"""

import argparse
import pathlib


def page_text(number: int) -> bytes:
    lines = [b"BT /F1 18 Tf 72 720 Td (Report page %d) Tj ET" % number]
    for row in range(30):
        lines.append(b"BT /F1 11 Tf 72 %d Td (Line %d of page %d: findings, impression and follow-up.) Tj ET"
                     % (690 - 20 * row, row + 1, number))
    return b"\n".join(lines)


def write_pdf(path: pathlib.Path, pages: int, blank=False, size=(612, 792)) -> None:
    # Objects: 1 catalog, 2 page tree, 3 font, then per page a page and its content stream.
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages)) +
               b"] /Count %d >>" % pages,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for index in range(pages):
        content = b"" if blank else page_text(index + 1)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % (size[0], size[1], 5 + 2 * index))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--blank", action="store_true")
    parser.add_argument("--size", type=int, nargs=2, default=(612, 792), metavar=("WIDTH", "HEIGHT"))
    args = parser.parse_args()
    write_pdf(args.out, args.pages, args.blank, tuple(args.size))


if __name__ == "__main__":
    main()

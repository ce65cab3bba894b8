#!/usr/bin/python3
"""Hostile inputs, one file per class of attack on a reader: what the CVEs of DCMTK, GDCM,
OpenJPEG, CharLS, libarchive, libvips and poppler were made of, and what crashed dcmflow.

    make_hostile.py OUTDIR

writes OUTDIR/<class>.<ext> and OUTDIR/catalogue.json ({file: {"kind": dicom|image|pdf|
archive, "why": ..., "expect": fail|convert}}). A file expected to fail must fail with a
reason; one a tolerant reader reads (an odd length, honestly declared) must convert
faithfully. tests/conformance/test_hostile.py runs them through every command.
Files are tiny: floods are declared by headers, not carried.
"""

import io
import json
import os
import struct
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGRESSIONS = HERE.parent / "fuzz" / "regressions"

EXPLICIT_LE = "1.2.840.10008.1.2.1"
SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"


# --- DICOM written by hand: the point is to write what no library would. -------------------

def element(group, number, vr, value, length=None):
    """Explicit VR little endian element; `length` overrides the true one."""
    vr = vr.encode() if isinstance(vr, str) else vr
    if isinstance(value, str):
        value = value.encode()
        if len(value) % 2:
            value += b"\0" if vr == b"UI" else b" "
    size = len(value) if length is None else length
    head = struct.pack("<HH", group, number) + vr
    if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR"):
        return head + b"\0\0" + struct.pack("<I", size) + value
    return head + struct.pack("<H", size) + value


def us(group, number, value):
    return element(group, number, "US", struct.pack("<H", value))


def meta(syntax, sop_instance="1.2.3.4.5.6.7.8.9"):
    body = (element(2, 1, "OB", b"\0\1") + element(2, 2, "UI", SC_IMAGE) + element(2, 3, "UI", sop_instance) +
            element(2, 0x10, "UI", syntax) + element(2, 0x12, "UI", "1.2.3.4"))
    return b"\0" * 128 + b"DICM" + element(2, 0, "UL", struct.pack("<I", len(body))) + body


def identity():
    return (element(8, 0x16, "UI", SC_IMAGE) + element(8, 0x18, "UI", "1.2.3.4.5.6.7.8.9") +
            element(0x10, 0x10, "PN", "HOSTILE^TEST") + element(0x10, 0x20, "LO", "HOSTILE") +
            element(0x20, 0x0D, "UI", "1.2.3.4.5.6.7.8.10") + element(0x20, 0x0E, "UI", "1.2.3.4.5.6.7.8.11"))


def pixel_module(rows=8, columns=8, samples=1, bits=8, stored=None, frames=None, photometric="MONOCHROME2",
                 high=None, rows_element=None):
    stored = bits if stored is None else stored
    high = stored - 1 if high is None else high
    out = us(0x28, 2, samples) + element(0x28, 4, "CS", photometric)
    if samples == 3:
        out += us(0x28, 6, 0)
    if frames is not None:
        out += element(0x28, 8, "IS", str(frames))
    out += rows_element if rows_element is not None else us(0x28, 0x10, rows)
    out += us(0x28, 0x11, columns) + us(0x28, 0x100, bits) + us(0x28, 0x101, stored) + us(0x28, 0x102, high) + \
        us(0x28, 0x103, 0)
    return out


def native(data, length=None):
    return element(0x7FE0, 0x10, "OW" if len(data) % 2 == 0 else "OB", data, length)


def encapsulated(fragments, offsets=b""):
    out = struct.pack("<HH", 0x7FE0, 0x10) + b"OB\0\0" + struct.pack("<I", 0xFFFFFFFF)
    out += struct.pack("<HHI", 0xFFFE, 0xE000, len(offsets)) + offsets
    for fragment in fragments:
        if len(fragment) % 2:
            fragment += b"\0"
        out += struct.pack("<HHI", 0xFFFE, 0xE000, len(fragment)) + fragment
    return out + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


def image(syntax, pixels, **geometry):
    return meta(syntax) + identity() + pixel_module(**geometry) + pixels


def codestream_from_regression(path):
    data = path.read_bytes()
    return data[data.index(b"\xff\x4f\xff\x51"):]


def siz_geometry(codestream):
    """Rows, columns, samples, bits of a JPEG 2000 codestream's SIZ, to make a header that agrees."""
    x, y, x0, y0 = struct.unpack(">IIII", codestream[8:24])
    components = struct.unpack(">H", codestream[40:42])[0]
    depth = (codestream[42] & 0x7F) + 1
    return dict(rows=y - y0, columns=x - x0, samples=components if components in (1, 3) else 1,
                bits=8 if depth <= 8 else 16, stored=depth, photometric="RGB" if components == 3 else "MONOCHROME2")


def rle_header(count, offsets=()):
    values = list(offsets) + [0] * (15 - len(offsets))
    return struct.pack("<16I", count, *values)


def nested(depth):
    """`depth` sequences, each holding one item holding the next."""
    inner = element(0x0008, 0x0100, "SH", "X")
    for _ in range(depth):
        item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + inner + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
        inner = (struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF) + item +
                 struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
    return inner


def dicom_cases():
    cases = {}
    small = bytes(64)
    cases["only-dicm"] = (b"DICM", "a file that is only the four letters DICM")
    cases["preamble-dicm-only"] = (b"\0" * 128 + b"DICM", "a preamble and DICM, nothing after (GDCM asserts)")
    whole = image(EXPLICIT_LE, native(small))
    cases["truncated-meta"] = (whole[:150], "file meta cut in the middle of an element")
    cases["ut-1gb"] = (meta(EXPLICIT_LE) + identity() + element(0x0040, 0xA160, "UT", b"abcd", length=1 << 30),
                       "a UT value that declares 1 GB in a file of a few hundred bytes")
    cases["vl-beyond-stream"] = (meta(EXPLICIT_LE) + identity() + element(0x0010, 0x1010, "AS", b"", length=0xFFF0),
                                 "a value length far beyond the end of the file")
    cases["rows-as-ul-70000"] = (image(EXPLICIT_LE, native(small), rows_element=element(0x28, 0x10, "UL",
                                                                                        struct.pack("<I", 70000))),
                                 "Rows written with VR UL and a value no US holds")
    cases["wrong-explicit-vr"] = (image(EXPLICIT_LE, native(small), rows_element=element(0x28, 0x10, "ZZ",
                                                                                         struct.pack("<H", 8))),
                                  "an explicit VR that does not exist")
    cases["odd-lengths"] = (meta(EXPLICIT_LE) + identity() + pixel_module() + element(0x0008, 0x0060, "CS", b"OTX",
                                                                                      length=3) + native(bytes(range(64))),
                            "a value of odd length (honestly declared: readers must take it)")
    unterminated = struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF) + \
        struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + element(0x0008, 0x0100, "SH", "X")
    cases["sequence-without-delimiters"] = (meta(EXPLICIT_LE) + identity() + pixel_module() + unterminated,
                                            "a sequence of undefined length that ends with the file")
    swapped = struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFFF) + \
        struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + element(0x0008, 0x0100, "SH", "X") + \
        struct.pack("<HHI", 0xFFFE, 0xE0DD, 0) + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    cases["sequence-delimiters-swapped"] = (meta(EXPLICIT_LE) + identity() + swapped + pixel_module() + native(small),
                                            "a sequence closed before its item")
    cases["nested-10000"] = (meta(EXPLICIT_LE) + identity() + nested(10000) + pixel_module() + native(small),
                             "sequences nested 10,000 deep")
    cases["samples-per-pixel-0"] = (image(EXPLICIT_LE, native(small), samples=0),
                                    "SamplesPerPixel 0 (GDCM asserts)")
    cases["bits-allocated-12"] = (image(EXPLICIT_LE, native(bytes(96)), bits=12, stored=12),
                                  "BitsAllocated 12")
    cases["bits-stored-0"] = (image(EXPLICIT_LE, native(small), stored=0, high=0), "BitsStored 0")
    cases["bits-stored-above-allocated"] = (image(EXPLICIT_LE, native(small), bits=8, stored=40),
                                            "BitsStored 40 of 8 allocated")
    cases["pixel-data-short"] = (image(EXPLICIT_LE, native(bytes(16))), "Pixel Data shorter than 8x8 needs")
    cases["pixel-data-long"] = (image(EXPLICIT_LE, native(bytes(640))), "Pixel Data ten times what 8x8 needs")
    cases["geometry-overflow"] = (image(EXPLICIT_LE, native(small), rows=65535, columns=65535, frames=2000000,
                                        bits=16, stored=16),
                                  "rows x columns x frames beyond 64 bits' worth of sense")
    cases["pixel-flood-header-only"] = (image(EXPLICIT_LE, native(small), rows=65535, columns=65535, frames=1),
                                        "a 4 GB image declared, 64 bytes carried")
    palette = image(EXPLICIT_LE, native(small), photometric="PALETTE COLOR")
    cases["palette-lut-missing"] = (palette, "PALETTE COLOR without its lookup tables")
    short_lut = meta(EXPLICIT_LE) + identity() + pixel_module(photometric="PALETTE COLOR") + b"".join(
        element(0x28, number, "US", struct.pack("<HHH", 256, 0, 16)) for number in (0x1101, 0x1102, 0x1103)) + \
        b"".join(element(0x28, number, "OW", bytes(4)) for number in (0x1201, 0x1202, 0x1203)) + \
        native(bytes(range(64)))
    cases["palette-lut-short"] = (short_lut, "palette descriptors of 256 entries with 2 entries of data")
    rle = "1.2.840.10008.1.2.5"
    cases["rle-0-segments"] = (image(rle, encapsulated([rle_header(0)])), "an RLE frame that declares no segments")
    cases["rle-segment-beyond"] = (image(rle, encapsulated([rle_header(1, [0xFFFF0]) + bytes(8)])),
                                   "an RLE segment offset past its fragment")
    j2k = "1.2.840.10008.1.2.4.90"
    cases["fragment-length-fffffffe"] = (
        image(j2k, struct.pack("<HH", 0x7FE0, 0x10) + b"OB\0\0" + struct.pack("<I", 0xFFFFFFFF) +
              struct.pack("<HHI", 0xFFFE, 0xE000, 0) + struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFE) + bytes(16)),
        "a fragment that declares 4 GB")
    cases["bot-count-mismatch"] = (image(j2k, encapsulated([b"\xff\x4f\xff\x51" + bytes(40)] * 2,
                                                           struct.pack("<5I", 0, 10, 20, 30, 40)), frames=2),
                                   "a Basic Offset Table of 5 entries for 2 frames pointing nowhere")
    cases["fragments-fewer-than-frames"] = (image(j2k, encapsulated([b"\xff\x4f\xff\x51" + bytes(40)]), frames=50),
                                            "50 frames declared, one fragment carried")
    ht = codestream_from_regression(REGRESSIONS / "htj2k" / "openjpeg-ht-mel-assertion")
    cases["htj2k-ht-decoder-assertion"] = (image("1.2.840.10008.1.2.4.201", encapsulated([ht]), **siz_geometry(ht)),
                                           "an HTJ2K codestream on which OpenJPEG's HT decoder asserts")
    in_j2k = codestream_from_regression(REGRESSIONS / "j2k" / "ht-codeblocks-in-j2k")
    cases["j2k-carrying-ht-codeblocks"] = (image(j2k, encapsulated([in_j2k]), **siz_geometry(in_j2k)),
                                           "a JPEG 2000 file whose code-blocks are HT (OpenJPEG asserts)")
    geometry = siz_geometry(in_j2k)
    geometry.update(rows=geometry["rows"] + 100)
    cases["codestream-vs-header"] = (image(j2k, encapsulated([in_j2k]), **geometry),
                                     "a codestream smaller than the header's rows")
    return cases


# --- Images, PDF, archives --------------------------------------------------------------------

def png(width, height, rows=b""):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def other_cases():
    cases = {}
    cases["png-flood-64250.png"] = (png(64250, 64250, bytes(1000)), "image",
                                    "a PNG of 64250x64250 in a few hundred bytes")
    cases["png-truncated.png"] = (png(64, 64, bytes(64 * 193))[:60], "image", "a PNG cut after its header")
    good_jpeg_start = b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    cases["jpeg-sof-65535.jpg"] = (good_jpeg_start + b"\xff\xd9", "image", "a JPEG that declares 65535x65535 and stops")
    cases["gif-flood.gif"] = (b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00" + b";", "image",
                              "a GIF of 65535x65535 with no image data")
    xref_loop = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                 b"2 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 >> endobj\n"
                 b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
                 b"trailer << /Size 3 /Root 1 0 R /Prev 120 >>\nstartxref\n120\n%%EOF\n")
    cases["pdf-xref-loop.pdf"] = (xref_loop, "pdf", "a PDF whose page tree holds itself and whose xref points at itself")
    cases["pdf-count-lies.pdf"] = (xref_loop.replace(b"/Count 1", b"/Count 100000"), "pdf",
                                   "a PDF that claims 100,000 pages and holds none")
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("../../escaped.png", png(4, 4, bytes(4 * 13)))
    cases["zip-slip.zip"] = (slip.getvalue(), "archive", "an entry named ../../escaped.png")
    link = io.BytesIO()
    with zipfile.ZipFile(link, "w") as archive:
        info = zipfile.ZipInfo("passwd.png")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, "/etc/passwd")
    cases["zip-symlink.zip"] = (link.getvalue(), "archive", "an entry that is a symbolic link to /etc/passwd")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.png", bytes(64 << 20))
    cases["zip-bomb.zip"] = (bomb.getvalue(), "archive", "an entry of 64 MiB of zeros in 64 KiB (ratio 1000)")
    bz2_bomb = io.BytesIO()
    with tarfile.open(fileobj=bz2_bomb, mode="w:bz2") as archive:
        page = bytes(100 << 20)
        info = tarfile.TarInfo("page.tif")
        info.size = len(page)
        archive.addfile(info, io.BytesIO(page))
    cases["tar-bz2-bomb.tar.bz2"] = (bz2_bomb.getvalue(), "archive",
                                     "an entry of 100 MiB in 180 bytes of bzip2 (ratio 500,000)")
    cases.update(document_cases())
    return cases


HOST_PICTURE = "file:///usr/share/pixmaps/debian-logo.png"  # any picture readable on the host


def docx(document_xml, document_rels):
    content_types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                     'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                     'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="'
                     '/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                     'document.main+xml"/></Types>')
    package_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", package_rels)
        package.writestr("word/_rels/document.xml.rels", document_rels)
        package.writestr("word/document.xml", document_xml)
    return out.getvalue()


WORD = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"')


def document_cases():
    """Office documents that must never reach LibreOffice: links to content outside them
    (rendered, a file of the host goes to the PACS), and bombs."""
    picture = ('<w:drawing><wp:inline><wp:extent cx="2743200" cy="2743200"/><wp:docPr id="1" name="Picture 1"/>'
               '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
               '<pic:nvPicPr><pic:cNvPr id="1" name="logo.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill>'
               '<a:blip r:link="rIdImg"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm>'
               '<a:off x="0" y="0"/><a:ext cx="2743200" cy="2743200"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
               '</a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>')
    linked_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/'
                   f'officeDocument/2006/relationships/image" Target="{HOST_PICTURE}" TargetMode="External"/>'
                   '</Relationships>')
    empty_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/relationships"/>')
    cases = {}
    cases["docx-linked-picture.docx"] = (
        docx(f'<w:document {WORD}><w:body><w:p><w:r><w:t>Report</w:t></w:r></w:p><w:p><w:r>{picture}</w:r></w:p>'
             '</w:body></w:document>', linked_rels),
        "office", "a Word picture linked to a file of the host (CVE-2020-12802's class)")
    cases["docx-includepicture.docx"] = (
        docx(f'<w:document {WORD}><w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>'
             f' INCLUDEPICTURE "{HOST_PICTURE}" \\d </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
             '</w:p></w:body></w:document>', empty_rels),
        "office", "an INCLUDEPICTURE field naming a file of the host")
    cases["html-img-file.html"] = (
        f'<html><body><p>Report</p><img src="{HOST_PICTURE}" width="300" height="300"></body></html>'.encode(),
        "office", "an HTML report whose picture is a file of the host")
    cases["rtf-includepicture.rtf"] = (
        ('{\\rtf1\\ansi {\\field{\\*\\fldinst INCLUDEPICTURE "' + HOST_PICTURE + '" \\\\d}{\\fldrslt }}}').encode(),
        "office", "an RTF INCLUDEPICTURE field")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                                'content-types"/>')
        package.writestr("word/document.xml", f'<w:document {WORD}>'.encode() + b" " * (300 << 20) + b"</w:document>")
    cases["docx-xml-bomb.docx"] = (bomb.getvalue(), "office", "a .docx whose XML inflates to 300 MB from 300 KB")
    return cases


# Awkward but honest: a reader must take them, and the output must hold what they hold.
READABLE = {"odd-lengths"}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    catalogue = {}
    for name, (data, why) in dicom_cases().items():
        (out / (name + ".dcm")).write_bytes(data)
        catalogue[name + ".dcm"] = {"kind": "dicom", "why": why, "expect": "convert" if name in READABLE else "fail"}
    for name, (data, kind, why) in other_cases().items():
        (out / name).write_bytes(data)
        catalogue[name] = {"kind": kind, "why": why, "expect": "fail"}
    (out / "catalogue.json").write_text(json.dumps(catalogue, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()

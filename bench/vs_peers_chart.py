"""The SVG chart of bench/vs_peers.py's results: one panel per section, one group of bars per
class (and codec), one bar per tool. Image groups each have their own scale (RLE runs at
GB/s, JPEG 2000 at tens of MB/s); documents and storing share one per panel. Plain SVG, no
plotting library."""

from html import escape

COLOURS = {"dcmflow": "#1f77b4", "ceiling": "#bbbbbb"}
OTHERS = ["#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
BAR, GAP, LABEL, WIDTH = 14, 10, 250, 900


def panels(results):
    images, documents, storing = [], [], []
    for row in results["rows"]:
        if row["section"] == "images":
            group = f"{row['class']}, {row['codec']}"
            if not images or images[-1][0] != group:
                images.append((group, [("ceiling (bare codec)", row["ceiling_mb_per_s"])]))
            images[-1][1].insert(-1, (row["tool"], row["mb_per_s"]))
        elif row["section"] == "documents":
            documents.append((row["tool"], [(row["tool"], row["items_per_s"])]))
        elif row["section"] == "storing":
            storing.append((f"{row['tool']} x{row['parallel']}", [(row["tool"], row["items_per_s"])]))
    return [("Images to DICOM, MB/s of raw pixels (each group to its own scale)", images, True),
            (".docx to DICOM pages, documents/s", documents, False), ("Storing into Orthanc, instances/s", storing, False)]


def colour(tool, assigned):
    for key, value in COLOURS.items():
        if tool.startswith(key):
            return value
    return assigned.setdefault(tool, OTHERS[len(assigned) % len(OTHERS)])


def svg(results) -> str:
    parts, y, assigned = [], 30, {}
    parts.append(f'<text x="10" y="20" font-size="14" font-weight="bold">dcmflow against the tools users script '
                 f'({escape(results["machine"])}, medians of {results["runs"]} runs)</text>')
    for title, groups, scale_per_group in panels(results):
        if not groups:
            continue
        y += 20
        parts.append(f'<text x="10" y="{y}" font-size="13" font-weight="bold">{escape(title)}</text>')
        y += 8
        panel_top = max(value for _, bars in groups for _, value in bars) or 1
        for group, bars in groups:
            top = (max(value for _, value in bars) or 1) if scale_per_group else panel_top
            parts.append(f'<text x="10" y="{y + BAR}" font-size="11">{escape(group)}</text>')
            for tool, value in bars:
                length = (WIDTH - LABEL - 200) * value / top
                parts.append(f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR - 2}" '
                             f'fill="{colour(tool, assigned)}"/>')
                parts.append(f'<text x="{LABEL + length + 4:.1f}" y="{y + BAR - 3}" font-size="10">'
                             f'{escape(tool)} {value:.1f}</text>')
                y += BAR
            y += GAP
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y + 10}" '
            f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>{"".join(parts)}</svg>\n')


def markdown(results) -> str:
    """bench/README.md's tables: one row per class and codec (or sender), peers side by side."""
    rows = results["rows"]
    out = ["| image class | codec | dcmflow MB/s | DCMTK MB/s | GDCM MB/s | cp MB/s | dcmflow / DCMTK | "
           "dcmflow / GDCM | dcmflow / ceiling |", "|---|---|---|---|---|---|---|---|---|"]
    for mine in (row for row in rows if row["section"] == "images" and row["tool"] == "dcmflow"):
        peers = {row["tool"]: row for row in rows if row["section"] == "images" and row["class"] == mine["class"]
                 and row["codec"] == mine["codec"]}

        def cell(tool, key="mb_per_s", peers=peers):
            return f"{peers[tool][key]:.1f}" if tool in peers else "—"

        def ratio(tool, peers=peers):
            return f"{peers[tool]['dcmflow_ratio']:.2f}" if tool in peers else "—"
        out.append(f"| {mine['class']} | {mine['codec']} | {mine['mb_per_s']:.1f} | {cell('DCMTK')} | {cell('GDCM')} | "
                   f"{cell('cp (no codec)')} | {ratio('DCMTK')} | {ratio('GDCM')} | "
                   f"{mine['fraction_of_ceiling']:.2f} (of {mine['ceiling_mb_per_s']:.0f}) |")
    out += ["", "| .docx to DICOM pages | documents/s | CPU s | peak RSS MB | dcmflow (RLE) / it | dcmflow (uncompressed) / it |",
            "|---|---|---|---|---|---|"]
    for row in (row for row in rows if row["section"] == "documents"):
        ratios = [f"{row[key]:.2f}" if key in row else "" for key in ("dcmflow_ratio", "dcmflow_uncompressed_ratio")]
        out.append(f"| {row['tool']} | {row['items_per_s']:.2f} | {row['cpu_seconds']:.1f} | {row['peak_rss_mb']:.0f} | "
                   f"{ratios[0]} | {ratios[1]} |")
    out += ["", "| storing into Orthanc | in parallel | instances/s | sender CPU s | dcmflow / storescu |",
            "|---|---|---|---|---|"]
    for row in (row for row in rows if row["section"] == "storing"):
        ratio = f"{row['vs_storescu']:.2f}" if "vs_storescu" in row else ""
        out.append(f"| {row['tool']} | {row['parallel']} | {row['items_per_s']:.0f} | {row['cpu_seconds']:.2f} | {ratio} |")
    return "\n".join(out) + "\n"

"""The SVG chart of bench/vs_peers.py's results: one panel per section, one group of bars per
class (and codec), one bar per tool, each panel on its own scale. Plain SVG, no plotting
library."""

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
    return [("Images to DICOM, MB/s of raw pixels", images), (".docx to DICOM pages, documents/s", documents),
            ("Storing into Orthanc, instances/s", storing)]


def colour(tool, assigned):
    for key, value in COLOURS.items():
        if tool.startswith(key):
            return value
    return assigned.setdefault(tool, OTHERS[len(assigned) % len(OTHERS)])


def svg(results) -> str:
    parts, y, assigned = [], 30, {}
    parts.append(f'<text x="10" y="20" font-size="14" font-weight="bold">dcmflow against the tools users script '
                 f'({escape(results["machine"])}, medians of {results["runs"]} runs)</text>')
    for title, groups in panels(results):
        if not groups:
            continue
        y += 20
        parts.append(f'<text x="10" y="{y}" font-size="13" font-weight="bold">{escape(title)}</text>')
        y += 8
        top = max(value for _, bars in groups for _, value in bars) or 1
        for group, bars in groups:
            parts.append(f'<text x="10" y="{y + BAR}" font-size="11">{escape(group)}</text>')
            for tool, value in bars:
                length = (WIDTH - LABEL - 120) * value / top
                parts.append(f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR - 2}" '
                             f'fill="{colour(tool, assigned)}"/>')
                parts.append(f'<text x="{LABEL + length + 4:.1f}" y="{y + BAR - 3}" font-size="10">'
                             f'{escape(tool)} {value:.1f}</text>')
                y += BAR
            y += GAP
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y + 10}" '
            f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>{"".join(parts)}</svg>\n')

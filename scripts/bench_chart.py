#!/usr/bin/env python3
"""Draws the benchmark charts from the markdown tables that `cargo run --release --example
bench_table` prints. Ratios are to each workload's hand-written row, on a log scale (further
left is faster); given several runs, each row's ratio is its median over them.

  docs/bench.svg (every row): one panel per workload, one bar per implementation.
  docs/bench-summary.svg (`--summary`, shown in the README): one line per workload, a mark per
  crate (cogen's usual and boxed forms, each anchor crate) and the target of issue 5 in red.

Usage: cargo run --release --example bench_table > run1.md   (and run2.md, ...)
       python3 scripts/bench_chart.py run1.md run2.md docs/bench.svg
       python3 scripts/bench_chart.py --summary run1.md run2.md docs/bench-summary.svg
"""
import math
import re
import statistics
import sys
from html import escape

PANELS = ["yield_sum", "send_echo", "tree_d10", "tree_d18", "tree_d22", "create_small", "stream_sum", "stream_fold"]


def parse(text):
    """{workload: [(implementation, ratio)]} from the `### name` tables."""
    tables, name = {}, None
    for line in text.splitlines():
        heading = re.match(r"^### (\S+)", line)
        if heading:
            name = heading.group(1)
            tables[name] = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if name and len(cells) >= 3 and re.match(r"^[0-9.]+$", cells[2] or ""):
            tables[name].append((cells[0], float(cells[2])))
    return tables


def median_of(runs):
    """One table per workload, each row's ratio the median over the runs that have it, in the
    order of the first run that has it."""
    merged = {}
    for tables in runs:
        for name, rows in tables.items():
            slot = merged.setdefault(name, {})
            for impl, ratio in rows:
                slot.setdefault(impl, []).append(ratio)
    return {name: [(impl, statistics.median(v)) for impl, v in rows.items()] for name, rows in merged.items()}


def log_axis(lo, hi, left, width):
    def x(r):
        r = min(max(r, lo), hi)
        return left + width * (math.log10(r) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    return x


def svg(width, height, parts):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="11">'
            f'<rect width="100%" height="100%" fill="white"/>' + "".join(parts) + "</svg>\n")


def draw(tables):
    bar, gap, label_w, plot_w = 14, 4, 280, 420
    x = log_axis(0.01, 200.0, label_w, plot_w)
    parts, y = [], 30
    for panel in PANELS:
        rows = tables.get(panel)
        if not rows:
            continue
        parts.append(f'<text x="4" y="{y}" font-weight="bold">{escape(panel)}</text>')
        y += 8
        for impl, ratio in rows:
            colour = "#d95f02" if impl.startswith("cogen") else ("#7570b3" if impl.startswith("baseline") else "#999")
            parts.append(f'<text x="{label_w - 6}" y="{y + bar - 3}" text-anchor="end">{escape(impl)}</text>')
            parts.append(f'<rect x="{label_w}" y="{y}" width="{x(ratio) - label_w:.1f}" height="{bar}" fill="{colour}"/>')
            parts.append(f'<text x="{x(ratio) + 4:.1f}" y="{y + bar - 3}">{ratio:.3g}×</text>')
            y += bar + gap
        y += 14
    ticks = []
    for r in [0.01, 0.1, 1, 10, 100]:
        ticks.append(f'<line x1="{x(r):.1f}" y1="18" x2="{x(r):.1f}" y2="{y - 10}" stroke="#ddd"/>')
        ticks.append(f'<text x="{x(r):.1f}" y="14" text-anchor="middle">{r:g}×</text>')
    return svg(label_w + plot_w + 60, y, ticks + parts)


# The summary's series: a name, how its mark is drawn, and the row that stands for it in each
# workload (the first of the candidates that the run has).
COGEN, COGEN_BOXED = "cogen (pinned / by value)", "cogen (boxed / BoxGen)"
SERIES = [
    (COGEN, ("circle", "#d95f02", True),
     ["cogen/pinned", "cogen/pinned-by-value", "cogen/async_generator (stack)", "cogen/async_generator (fold)"]),
    (COGEN_BOXED, ("circle", "#d95f02", False),
     {"tree": ["cogen/BoxGen"], "": ["cogen/boxed", "cogen/async_generator (Box::pin)"]}),
    ("cogen (IdentitySlot)", ("diamond", "#d95f02", True), ["cogen/pinned (IdentitySlot)"]),
    ("genawaiter stack", ("square", "#1b9e77", True), ["genawaiter/stack"]),
    ("genawaiter rc", ("square", "#1b9e77", False), ["genawaiter/rc", "genawaiter/rc (fold)"]),
    ("corosensei", ("triangle", "#7570b3", True), ["corosensei", "corosensei/nested"]),
    ("next-gen", ("diamond", "#e7298a", True), ["next-gen", "next-gen/boxed"]),
    ("generator", ("triangle", "#666", False), ["generator", "generator/nested"]),
    ("async-stream", ("diamond", "#66a61e", False), ["async-stream/stream!", "async-stream/stream! (fold)"]),
]

# Issue 5's targets, as ratios to the hand-written row: (workload, ratio, label).
TARGETS = [
    ("yield_sum", 1.1, "≤1.1×"), ("yield_sum", 1.5, "≤1.5× boxed"),
    ("send_echo", 1.2, "≤1.2×"), ("tree_d18", 0.5, "≤0.5×"),
    ("create_small", 1.5, "≤1.5×"), ("stream_sum", 1.5, "≤1.5×"),
]


def candidates(rows_by_workload, workload):
    if isinstance(rows_by_workload, list):
        return rows_by_workload
    for prefix, rows in rows_by_workload.items():
        if workload.startswith(prefix):
            return rows
    return []


def mark(shape, colour, filled, cx, cy, r=5):
    fill = colour if filled else "white"
    style = f'fill="{fill}" stroke="{colour}" stroke-width="1.5"'
    if shape == "circle":
        return f'<circle cx="{cx:.1f}" cy="{cy}" r="{r}" {style}/>'
    if shape == "square":
        return f'<rect x="{cx - r + 0.5:.1f}" y="{cy - r + 0.5}" width="{2 * r - 1}" height="{2 * r - 1}" {style}/>'
    if shape == "triangle":
        return f'<polygon points="{cx:.1f},{cy - r - 1} {cx - r - 0.5:.1f},{cy + r - 1} {cx + r + 0.5:.1f},{cy + r - 1}" {style}/>'
    return f'<polygon points="{cx:.1f},{cy - r - 1} {cx + r + 1:.1f},{cy} {cx:.1f},{cy + r + 1} {cx - r - 1:.1f},{cy}" {style}/>'


def draw_summary(tables):
    label_w, plot_w, line_h = 100, 560, 34
    # Below the legend (four series a line) and the axis labels.
    top = 56 + 18 * ((len(SERIES) + 3) // 4)
    x = log_axis(0.1, 300.0, label_w, plot_w)
    parts = []
    # The legend: two lines of series.
    for i, (name, (shape, colour, filled), _) in enumerate(SERIES):
        lx, ly = 10 + (i % 4) * 175, 14 + (i // 4) * 18
        parts.append(mark(shape, colour, filled, lx + 5, ly))
        parts.append(f'<text x="{lx + 15}" y="{ly + 4}">{escape(name)}</text>')
    panels = [p for p in PANELS if p in tables]
    bottom = top + line_h * len(panels)
    for r in [0.1, 0.5, 1, 2, 5, 10, 100]:
        colour = "#888" if r == 1 else "#ddd"
        parts.append(f'<line x1="{x(r):.1f}" y1="{top - 12}" x2="{x(r):.1f}" y2="{bottom}" stroke="{colour}"/>')
        parts.append(f'<text x="{x(r):.1f}" y="{top - 16}" text-anchor="middle">{r:g}×</text>')
    parts.append(f'<text x="{x(1) + 3:.1f}" y="{bottom + 14}" fill="#555">hand-written</text>')
    for i, panel in enumerate(panels):
        cy = top + line_h * i + line_h // 2
        ratios = dict(tables[panel])
        parts.append(f'<line x1="{label_w}" y1="{cy}" x2="{label_w + plot_w}" y2="{cy}" stroke="#f0f0f0"/>')
        parts.append(f'<text x="{label_w - 8}" y="{cy + 4}" text-anchor="end">{escape(panel)}</text>')
        # A workload's first target is labelled above its line, a second one below.
        targets = [(ratio, label) for workload, ratio, label in TARGETS if workload == panel]
        for j, (ratio, label) in enumerate(targets):
            parts.append(f'<line x1="{x(ratio):.1f}" y1="{cy - 12}" x2="{x(ratio):.1f}" y2="{cy + 12}" stroke="#d00" stroke-width="2"/>')
            ty, anchor = (cy - 14, "middle") if j == 0 else (cy + 12, "start")
            tx = x(ratio) if j == 0 else x(ratio) + 3
            parts.append(f'<text x="{tx:.1f}" y="{ty}" text-anchor="{anchor}" font-size="9" fill="#d00">{escape(label)}</text>')
        # Anchors first, cogen last, so that cogen's marks are drawn on top (its usual form
        # last of all: a hollow mark at the same ratio would hide it).
        for name, (shape, colour, filled), rows in SERIES[3:] + SERIES[2::-1]:
            row = next((r for r in candidates(rows, panel) if r in ratios), None)
            if row is not None:
                parts.append(mark(shape, colour, filled, x(ratios[row]), cy))
    return svg(label_w + plot_w + 20, bottom + 22, parts)


if __name__ == "__main__":
    args = sys.argv[1:]
    summary = args[:1] == ["--summary"]
    if summary:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    *sources, target = args
    runs = []
    for source in sources:
        with open(source) as f:
            runs.append(parse(f.read()))
    tables = median_of(runs)
    with open(target, "w") as f:
        f.write(draw_summary(tables) if summary else draw(tables))

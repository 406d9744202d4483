#!/usr/bin/env python3
"""Draws docs/bench.svg from the markdown tables that `cargo run --release --example
bench_table` prints: one panel per workload, one bar per implementation, the bar's length the
ratio to the workload's hand-written row on a log scale (shorter is faster).

Usage: cargo run --release --example bench_table > bench.md
       python3 scripts/bench_chart.py bench.md docs/bench.svg
"""
import math
import re
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


def draw(tables, out):
    bar, gap, label_w, plot_w = 14, 4, 230, 420
    lo, hi = 0.01, 200.0  # ratio range of the log axis
    def x(r):
        r = min(max(r, lo), hi)
        return label_w + plot_w * (math.log10(r) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
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
            parts.append(f'<text x="{x(ratio) + 4:.1f}" y="{y + bar - 3}">{ratio:g}×</text>')
            y += bar + gap
        y += 14
    ticks = []
    for r in [0.01, 0.1, 1, 10, 100]:
        ticks.append(f'<line x1="{x(r):.1f}" y1="18" x2="{x(r):.1f}" y2="{y - 10}" stroke="#ddd"/>')
        ticks.append(f'<text x="{x(r):.1f}" y="14" text-anchor="middle">{r:g}×</text>')
    width, height = label_w + plot_w + 60, y
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">'
           f'<rect width="100%" height="100%" fill="white"/>'
           + "".join(ticks) + "".join(parts) + "</svg>\n")
    with open(out, "w") as f:
        f.write(svg)


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    with open(source) as f:
        draw(parse(f.read()), target)

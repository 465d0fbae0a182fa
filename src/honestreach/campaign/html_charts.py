"""The charts of the HTML report, as geometry for its SVG template: a histogram of scores and
findings per category, cut by severity."""

from __future__ import annotations

from typing import Any, Mapping

from ..model import SEVERITIES
from ..taxonomy import CATEGORIES


def _nice_max(value: int) -> int:
    """The smallest 1/2/5 × 10^n at least ``value`` (an axis that ends on a round number)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _band(low: int) -> str:
    return "low" if low < 40 else "mid" if low < 70 else "high"


def histogram_chart(key: str, label: str, bins: list[int] | None) -> dict[str, Any]:
    """Geometry of a 10-bin score histogram (0-9 ... 90-100) for the SVG template."""
    bins = list(bins or [0] * 10)
    width, height = 420, 230
    left, right, top, bottom = 44, 12, 18, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    total = sum(bins)
    peak = _nice_max(max(max(bins), 1))
    slot = plot_w / len(bins)
    bars = []
    for index, count in enumerate(bins):
        low = index * 10
        high = 100 if index == len(bins) - 1 else low + 9
        bar_h = plot_h * count / peak
        bars.append({"x": round(left + index * slot + 2, 1), "w": round(slot - 4, 1),
                     "y": round(top + plot_h - bar_h, 1), "h": round(bar_h, 1),
                     "count": count, "range": f"{low}–{high}", "band": _band(low),
                     "cx": round(left + (index + 0.5) * slot, 1)})
    ticks = [{"value": value, "y": round(top + plot_h - plot_h * value / peak, 1)}
             for value in sorted({0, peak // 2 if peak % 2 == 0 else peak, peak})]
    edges = [{"value": index * 10, "x": round(left + index * slot, 1)}
             for index in range(len(bins) + 1)]
    summary = ", ".join(f"{bar['range']}: {bar['count']}" for bar in bars)
    return {"key": key, "label": label, "width": width, "height": height, "left": left,
            "top": top, "plot_w": plot_w, "plot_h": plot_h, "bottom_y": top + plot_h,
            "bars": bars, "ticks": ticks, "edges": edges, "total": total,
            "description": f"{label} scores of {total:,} checked messages in ten bins: "
                           f"{summary}."}


def category_chart(by_category: dict[str, int],
                   severities: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Any]:
    """Geometry of the horizontal bar chart of findings per category; each bar is cut into
    its findings per severity (``severities``: category -> severity -> count), the rest (a
    rule the report does not know) in the neutral colour."""
    items = sorted(((name, count) for name, count in by_category.items() if count),
                   key=lambda item: (-item[1], item[0]))
    width, label_w, row_h, top = 640, 190, 26, 8
    plot_w = width - label_w - 56
    peak = max((count for _, count in items), default=1)
    bars = []
    for index, (name, count) in enumerate(items):
        w = max(round(plot_w * count / peak, 1), 2)
        split = dict((severities or {}).get(name) or {})
        parts, x, left = [], float(label_w), count
        for severity in (*SEVERITIES, "other"):
            part = min(split.get(severity, left if severity == "other" else 0), left)
            if part <= 0:
                continue
            left -= part
            part_w = round(w * part / count, 1)
            parts.append({"severity": severity, "x": round(x, 1), "w": part_w, "count": part})
            x += part_w
        bars.append({"name": name, "count": count, "y": top + index * row_h, "w": w,
                     "about": CATEGORIES.get(name, ""), "parts": parts})
    description = "; ".join(f"{name}: {count}" for name, count in items)
    return {"width": width, "height": top * 2 + row_h * len(items), "label_w": label_w,
            "row_h": row_h, "bars": bars,
            "description": f"Findings per category: {description or 'none'}."}

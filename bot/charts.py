"""Pictures for moderators: `/kb stats` as a chart, because a trend is seen, not read.

matplotlib draws it off screen (the Agg backend, no display needed) into PNG bytes the Discord adapter
attaches. Only the few biggest topics get their own colour; the rest are summed as "other".
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

#: Topics (or kinds of reply) drawn on their own; the rest are "other".
SHOWN = 6


def stats_chart(stats: dict[str, Any], days: int, titles: dict[str, str] | None = None) -> bytes:
    """Questions per day by topic (stacked bars) and the helpful ratio per topic, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    titles = titles or {}
    totals: dict[str, int] = defaultdict(int)
    for row in stats["daily"]:
        totals[row["label"]] += row["count"]
    shown = sorted(totals, key=lambda label: -totals[label])[:SHOWN]
    days_seen = sorted({row["day"] for row in stats["daily"]})
    series: dict[str, list[int]] = {label: [0] * len(days_seen) for label in [*shown, "other"]}
    for row in stats["daily"]:
        label = row["label"] if row["label"] in shown else "other"
        series[label][days_seen.index(row["day"])] += row["count"]

    figure = Figure(figsize=(9, 6), dpi=100, layout="constrained")
    per_day, helpful = figure.subplots(2, 1, height_ratios=(3, 2))
    bottom = [0] * len(days_seen)
    for label, counts in series.items():
        if any(counts):
            per_day.bar(days_seen, counts, bottom=bottom, label=_short(titles.get(label, label.replace("-", " "))))
            bottom = [b + c for b, c in zip(bottom, counts)]
    per_day.set_title(f"Questions per day, last {days} days")
    per_day.tick_params(axis="x", labelrotation=45, labelsize=7)
    if days_seen:
        per_day.legend(fontsize=7, loc="upper left")
    rated = [row for row in stats["topics"] if row["helpful"] + row["not_helpful"]]
    names = [_short(titles.get(row["topic"], row["topic"])) for row in rated]
    ratios = [row["helpful"] / (row["helpful"] + row["not_helpful"]) for row in rated]
    helpful.barh(names, ratios, color="#4c9f70")
    helpful.set_xlim(0, 1)
    helpful.set_title("Helpful ratio per topic (of rated answers)" if rated else "No answers rated yet")
    helpful.tick_params(axis="y", labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""The /kb stats chart is drawn from stored questions and feedback, as a real PNG."""

from __future__ import annotations

from pathlib import Path

from bot.charts import SHOWN, stats_chart
from bot.storage import Storage


async def test_stats_chart_is_a_png_drawn_from_stored_questions(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "chart.sqlite3")
    try:
        for n in range(SHOWN + 3):  # more topics than get their own colour: the rest become "other"
            question = await storage.record_question(
                user_id=f"m{n}", text=f"question {n}", kind="answer", topic_id=f"topic-{n}", confidence=0.9,
                knowledge="k", via="slash",
            )
            await storage.record_feedback(question, f"m{n}", helpful=n % 2 == 0)
        stats = await storage.stats(30)
    finally:
        await storage.close()
    assert sum(row["count"] for row in stats["daily"]) == SHOWN + 3
    png = stats_chart(stats, 30, {"topic-0": "A readable title"})
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    (tmp_path / "stats.png").write_bytes(png)


def test_an_empty_period_still_draws(tmp_path: Path) -> None:
    png = stats_chart({"daily": [], "topics": []}, 7)
    assert png.startswith(b"\x89PNG")

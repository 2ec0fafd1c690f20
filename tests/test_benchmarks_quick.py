"""Each benchmark's ``--quick`` mode runs to the end and reports its figures.

Not a timing assertion: the benchmarks print their figures (and their targets, met or
not) for people to read; this only checks that each one exits 0 and that its last line
is one JSON object with the keys the README and CI rely on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from shared_data import EVALDATA  # noqa: E402

pytestmark = [
    pytest.mark.slow,  # about three minutes together
    pytest.mark.skipif(not EVALDATA.is_dir(), reason="shared evaluation data not available"),
]


def _commands_args() -> list[str]:
    if os.environ.get("STORYBOT_SKIP_POSTGRES") == "1":
        return ["--backends", "sqlite"]
    return []


BENCHMARKS = {
    "poll": (
        [],
        {
            "cold_speedup",
            "unchanged_speedup",
            "unchanged_10k_s",
            "peak_rss_mb",
            "storybot_cold_s",
            "storybot_unchanged_s",
            "naive_cold_s",
            "naive_unchanged_s",
            "unchanged_many_s",
            "backlog_read_s",
            "storybot_cold_cpu_s",
        },
    ),
    "engine": ([], {"items_per_s", "baseline_items_per_s", "peak_rss_mb"}),
    "furniture": ([], {"seconds", "total_s", "sentences", "peak_rss_mb"}),
    "longrun": (
        [],
        {"blocks", "passes", "first_items_per_cpu_s", "last_items_per_cpu_s", "peak_rss_mb"},
    ),
    "commands": (_commands_args(), {"p99_ms", "peak_rss_mb"}),
    "memory": ([], {"peak_rss_mb"}),
    "pages": (
        [],
        {
            "storybot_s",
            "storybot_cpu_s",
            "naive_s",
            "latency_storybot_s",
            "latency_naive_s",
            "storybot_quality",
            "peak_rss_mb",
        },
    ),
    "soak": ([], {"judged", "updated", "revisions", "daily", "peak_rss_mb"}),
}


def _run(name: str, extra: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--quick", *extra],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"benchmarks.{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, f"benchmarks.{name} printed nothing"
    result = json.loads(lines[-1])
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_quick_mode_reports_its_figures(name: str) -> None:
    extra, keys = BENCHMARKS[name]
    result = _run(name, extra)
    assert keys <= set(result), f"missing keys: {sorted(keys - set(result))}"
    assert result["peak_rss_mb"] > 0
    if name == "engine":
        assert set(result["items_per_s"]) == {"10000"}
    if name == "longrun":
        # 3,000 items in blocks of 1,000, each with its rate and memo figures
        assert [b["done"] for b in result["blocks"]] == [1000, 2000, 3000]
        assert all(b["items_per_cpu_s"] > 0 for b in result["blocks"])
        assert result["blocks"][-1]["size"]["doc_share"] > 0
    if name == "soak":
        # every revision arrives as an update; a quiet day has no time per item (it
        # printed the whole day's cycle time as "ms/item")
        assert result["updated"] == result["revisions"] > 0
        quiet = [d for d in result["daily"] if d["new_items"] == 0]
        assert quiet, "the last --quick day brings nothing new"
        assert all(d["ms_per_item"] is None for d in quiet), quiet
    if name == "commands":
        for backend, per_command in result["p99_ms"].items():
            assert set(per_command) == {"status", "developments", "why", "subscriptions"}, backend


def test_engine_topical_mode_extends_developments_across_cycles() -> None:
    # --topical: the stories' own later reports, played as several polls, so later commits
    # extend the developments earlier ones created (development_updates rows written);
    # the naive baseline is still printed beside it
    result = _run("engine", ["--topical", "--cycles", "30", "--subscriptions", "0"])
    details = result["details"]["10000"]
    assert result["topical"] and details["cycles"] == 30 and details["commits"] >= 30
    assert details["on_topic"] > 0.2 * details["items"]
    assert details["update_rows"] > 0 and details["update_bytes"] > 0
    assert result["baseline_items_per_s"]["10000"] > 0

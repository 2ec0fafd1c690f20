"""Helpers shared by the benchmarks: corpus paths, peak memory, the final JSON line."""

from __future__ import annotations

import json
import math
import os
import resource
import sys
from pathlib import Path
from typing import Any

EVALDATA = Path(
    os.environ.get("STORYBOT_EVALDATA", Path(__file__).resolve().parents[2] / "shared" / "evaldata")
)
REALWORLD = EVALDATA / "feeds" / "realworld" / "benchmark_data"
STREAMS = EVALDATA / "streams"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (``getrusage`` ru_maxrss, KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def say(*parts: Any) -> None:
    """A human-readable progress line (stdout, flushed so a CI log shows it as it happens)."""
    print(*parts, flush=True)


def emit(result: dict[str, Any]) -> None:
    """Print the result as the last line: one JSON object (strict JSON: a figure with
    nothing to measure, such as a percentile of no samples, is null, not NaN)."""
    sys.stdout.flush()
    print(json.dumps(_finite(result), sort_keys=True, allow_nan=False), flush=True)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def corpus_files() -> list[Path]:
    """The 200 real feeds, sorted by name (read in place, never copied)."""
    files = sorted(p for p in REALWORLD.iterdir() if p.is_file())
    if not files:
        raise SystemExit(f"no feeds in {REALWORLD}")
    return files

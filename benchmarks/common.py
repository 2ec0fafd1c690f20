"""Helpers shared by the benchmarks: corpus paths, peak memory, percentiles, a scratch
PostgreSQL database, the final JSON line."""

from __future__ import annotations

import json
import math
import os
import resource
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

EVALDATA = Path(
    os.environ.get("STORYBOT_EVALDATA", Path(__file__).resolve().parents[2] / "shared" / "evaldata")
)
REALWORLD = EVALDATA / "feeds" / "realworld" / "benchmark_data"
STREAMS = EVALDATA / "streams"
# the server the PostgreSQL runs create their scratch databases on (its database is not used)
PG_ADMIN = os.environ.get(
    "STORYBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (``getrusage`` ru_maxrss, KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (nearest rank; NaN, printed as null, for none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on ``PG_ADMIN``'s server for one run; its URL.

    Dropped at the end (``WITH (FORCE)``: a run that failed may leave connections open).
    """
    from sqlalchemy import create_engine, text  # only the PostgreSQL runs need it

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = "storybot_bench_" + secrets.token_hex(6)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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

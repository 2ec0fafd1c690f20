"""Stripping page furniture from the sentences a summary may quote: speed and identity.

What is measured: :func:`bot.engine.furniture.strip_furniture` over every body sentence
of the three labelled streams (``gva``, ``giveme5w1h``, ``giveme5w1h_developments``, read
in place from ``shared/evaldata``), the sentences as a summary gets them
(:func:`bot.engine.summary.candidate_sentences`): each item's body (content, else its
summary) through ``split_sentences`` and ``split_run_ons``. The splitting is setup, not
timed; the figure is the CPU time (``time.process_time``) of the calls alone, per stream
and in all, best of ``--runs``.

``--out FILE`` writes every output, one JSON string a line, and ``--check FILE`` compares
the outputs with such a file (written from another build: "the change altered no
output"). Both cover the summaries' sentences and the sentences of a development's lead
(:func:`bot.engine.analysis.lead_vector`: ``clean_body``, ``split_sentences``, stripped
with ``datelines=False``).

``--profile`` records every call made to each of the module's compiled patterns over one
run of the summaries' sentences, then makes each pattern's calls again in a loop, timed
(CPU seconds; a ``finditer`` read to its end): what each pattern costs, without a
per-call timer's own cost. The rest of the time is the Python around them.

Usage: ``python -m benchmarks.furniture [--quick] [--runs N] [--profile] [--out FILE]
[--check FILE]``.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.common import STREAMS, emit, peak_rss_mb, say
from bot.engine import furniture
from bot.engine.furniture import strip_furniture
from bot.engine.item_terms import clean_body
from bot.engine.sentences import split_run_ons, split_sentences
from bot.evaluation.data import load_stream

NAMES = ("gva", "giveme5w1h", "giveme5w1h_developments")
QUICK_NAMES = NAMES[1:]  # the two small streams


def stream_sentences(name: str) -> tuple[list[str], list[str]]:
    """The body sentences of a stream: as summaries quote them, and as a lead is read."""
    quoted: list[str] = []
    lead: list[str] = []
    for item in load_stream(STREAMS / f"{name}.jsonl.gz"):
        if item.text:
            quoted.extend(split_run_ons(split_sentences(item.text)))
            lead.extend(split_sentences(clean_body(item.text)))
    return quoted, lead


def outputs(quoted: list[str], lead: list[str]) -> list[str]:
    """Every output the identity check compares, in a fixed order."""
    return [*map(strip_furniture, quoted), *(strip_furniture(s, datelines=False) for s in lead)]


def time_once(sentences: list[str]) -> float:
    """CPU seconds of strip_furniture over ``sentences``."""
    start = time.process_time()
    for s in sentences:
        strip_furniture(s)
    return time.process_time() - start


class _RecordedPattern:
    """A compiled pattern that records every call made to it (method and arguments)."""

    def __init__(self, pattern: re.Pattern[str], calls: list[tuple[Any, tuple, dict]]) -> None:
        self._pattern, self._calls = pattern, calls

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        method = getattr(self._pattern, attr)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self._calls.append((method, args, kwargs))
            return method(*args, **kwargs)

        return recorded


@contextmanager
def recorded_calls() -> Iterator[dict[str, list[tuple[Any, tuple, dict]]]]:
    """The calls made to each of the furniture module's compiled patterns while the
    block runs, by the pattern's name."""
    calls: dict[str, list[tuple[Any, tuple, dict]]] = defaultdict(list)
    patterns = {
        name: value for name, value in vars(furniture).items() if isinstance(value, re.Pattern)
    }
    for name, pattern in patterns.items():
        setattr(furniture, name, _RecordedPattern(pattern, calls[name]))
    try:
        yield calls
    finally:
        for name, pattern in patterns.items():
            setattr(furniture, name, pattern)


def replay_seconds(calls: list[tuple[Any, tuple, dict]]) -> float:
    """CPU seconds of the recorded calls of one pattern, made again (a ``finditer`` read
    to its end, as strip_furniture reads all but _CAPTION_END's)."""
    start = time.process_time()
    for method, args, kwargs in calls:
        result = method(*args, **kwargs)
        if method.__name__ == "finditer":
            for _ in result:
                pass
    return time.process_time() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the two small streams only")
    ap.add_argument("--runs", type=int, default=3, help="timed runs; the best counts")
    ap.add_argument("--profile", action="store_true", help="time each pattern over one run")
    ap.add_argument("--out", type=Path, help="write every output, one JSON string a line")
    ap.add_argument("--check", type=Path, help="compare every output with such a file")
    args = ap.parse_args(argv)

    names = QUICK_NAMES if args.quick else NAMES
    streams = {name: stream_sentences(name) for name in names}
    seconds: dict[str, float] = {}
    for name, (quoted, _) in streams.items():
        seconds[name] = round(min(time_once(quoted) for _ in range(max(1, args.runs))), 3)
        say(f"{name}: {len(quoted):,} sentences, {seconds[name]:.3f} s (best of {args.runs})")
    result: dict[str, Any] = {
        "seconds": seconds,
        "total_s": round(sum(seconds.values()), 3),
        "sentences": {name: len(quoted) for name, (quoted, _) in streams.items()},
    }
    if args.profile:
        with recorded_calls() as calls:
            for quoted, _ in streams.values():
                time_once(quoted)
        totals = {name: replay_seconds(c) for name, c in calls.items()}
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])
        result["pattern_s"] = {name: round(t, 3) for name, t in ranked}
        for name, t in ranked:
            say(f"  {name:<16} {t:.3f} s  {len(calls[name]):>9,} calls")
    if args.out or args.check:
        got = [s for quoted, lead in streams.values() for s in outputs(quoted, lead)]
        result["compared"] = len(got)
        if args.out:
            args.out.write_text("".join(json.dumps(s) + "\n" for s in got), encoding="utf-8")
            say(f"wrote {len(got):,} outputs to {args.out}")
        if args.check:
            want = [
                json.loads(line) for line in args.check.read_text(encoding="utf-8").splitlines()
            ]
            differ = [i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b]
            result["differ"] = len(differ) + abs(len(got) - len(want))
            say(f"compared {len(got):,} outputs with {len(want):,}: {result['differ']} differ")
            for i in differ[:10]:
                say(f"  #{i}: {want[i]!r} -> {got[i]!r}")
    result["peak_rss_mb"] = peak_rss_mb()
    emit(result)


if __name__ == "__main__":
    main()

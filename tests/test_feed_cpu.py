"""A hostile feed body (within ``max_body_bytes``, 10 MiB) costs about a second of CPU to read.

A parse holds one of the fetcher's two parse threads (``adapters.feeds.fetcher``) and its
poll cycle waits for it, so every feed's parse waits behind a slow one. Measured before
these bounds (CPU seconds, ``time.process_time``): a summary holding one tag of distinct
attributes, 1.2 s at 0.25 MiB and over a minute at 2 MiB (libxml2's HTML parser; and on
feedparser's strict path, 5 s at 0.25 MiB: both cost the square of a tag's attributes);
2 MiB of unclosed ``<a>``, 9 s; 2 MiB of tiny entries, 3.7 s (feedparser, about 13 µs a
tag). The 200 real feeds take 3.4 s together, 0.22 s at most.

CPU time, not the wall clock: it is this process's work, whatever else the machine runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from adapters.feeds import html_text as ht

T = TypeVar("T")


def _attributes(n: int) -> str:
    return "".join(f' a{i}="v"' for i in range(n))


def _cpu(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    """``fn(*args, **kwargs)`` and the CPU seconds it took this process."""
    start = time.process_time()
    result = fn(*args, **kwargs)
    return result, time.process_time() - start


def test_a_tag_of_many_attributes_is_read_in_time_and_its_text_kept() -> None:
    html = "<p>before</p><x{}>inside</x><p>after</p>"

    text, cpu = _cpu(ht.html_to_text, html.format(_attributes(60_000)))  # 0.6 MB

    assert text == ht.html_to_text(html.format(_attributes(1))) == "before\ninside\nafter"
    assert cpu < 2.0  # 30 s before: libxml2 checked each attribute against every other


@pytest.mark.parametrize("n", [ht.MAX_ATTRIBUTES, ht.MAX_ATTRIBUTES + 1])
def test_a_tag_of_many_attributes_reads_as_one_of_few(n: int) -> None:
    assert ht.html_to_text("<p>a</p><img" + _attributes(n) + "><br>b") == "a\n\nb"

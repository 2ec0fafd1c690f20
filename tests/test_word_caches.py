"""The per-word caches of the engine and the keyword matcher stay small for ever.

A deployment reads new words every day (names, places, numbers, misspellings): its
vocabulary passes 100,000 distinct words within weeks (the 6,700 articles of the labelled
streams alone hold 57,780). The memoised pure functions of a word are bounded; this pins
that the bound is about 20 MB: at up to 131,072 entries each they held about 66 MB once
full (RSS after 140,000 distinct words), on top of what the memory benchmark (a few
thousand items) measures.
"""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest

from bot.engine.prior import doc_share
from bot.engine.termstats import _SHARES
from bot.engine.text import _cap_term, _term
from bot.textnorm import _fold_cached

LIMIT_MB = 25


def _clear() -> None:
    for cached in (_term, _cap_term, doc_share, _fold_cached):
        cached.cache_clear()
    _SHARES.clear()


@pytest.mark.slow
def test_the_word_caches_stay_under_25_mb_however_many_distinct_words_are_read() -> None:
    rng = random.Random(7)
    words = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 11)))
        for _ in range(70_000)  # past the caps (32,768 at most)
    ]
    _ = _SHARES["warm"]  # loads the word-frequency tables once (about 30 MB, not a cache)
    _clear()
    tracemalloc.start()
    try:
        for word in words:
            term = _term(word)
            _cap_term(word.capitalize())
            _fold_cached(word)
            if term:
                _ = _SHARES[term]
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        _clear()
    assert held / 2**20 < LIMIT_MB, f"the word caches hold {held / 2**20:.0f} MB"

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

from bot.engine.capitals import _cap_term
from bot.engine.item_terms import term_counts
from bot.engine.prior import doc_share
from bot.engine.termstats import _SHARES
from bot.engine.words import _term
from bot.textnorm import _fold_cached, tokens

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


def test_very_long_words_neither_fill_the_word_caches_nor_become_terms() -> None:
    # A feed may send "words" of any length (a 5 MB run of letters, a base64 blob): each
    # was a key of the memoised functions of a word, so a few 10 MiB fetches of 20 kB
    # words held hundreds of MB until the caches filled (32,768 entries each: GBs), and
    # each was an engine term, kept in the document frequencies the snapshot stores.
    rng = random.Random(3)
    words = ["".join(rng.choices(string.ascii_lowercase, k=20_000)) for _ in range(100)]
    text = " ".join(words) + " " + " ".join(w.capitalize() for w in words)
    _clear()
    tracemalloc.start()
    try:
        counts, entities = term_counts("Officials meet", text)
        n_matched = len(tokens(text))
        terms, n_entities = set(counts), len(entities)
        del counts, entities  # what is still held now is what the caches keep
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        _clear()
    assert held / 2**20 < 1, f"the word caches hold {held / 2**20:.0f} MB"
    assert terms == {"official", "meet"} and n_entities == 0
    assert n_matched == 200  # keyword matching still reads every word, uncached


def test_the_longest_real_words_are_still_terms() -> None:
    longest = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
    counts, _ = term_counts("Visitors flock to " + longest, "")
    assert longest.lower() in counts

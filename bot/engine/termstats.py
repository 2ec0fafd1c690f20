"""Incremental document frequencies and sparse TF-IDF vectors.

Why incremental: a deployed tracker only knows the items it has already seen, so the
IDF is learned from the stream as it arrives (no look-ahead), exactly as the service
would do it. Seeds are *not* counted: they all share the story's vocabulary, and
counting them would make the story's own key terms look common.

Why capped: the engine's state is stored after every batch, so the vocabulary is
bounded. When it grows past ``max_terms`` the rarest terms are forgotten (ties broken by
the term itself, for determinism). A forgotten term simply looks unseen again, which is
what it nearly was.

The IDF is smoothed, ``log((N + P) / (df + 0.5 + 0.02 P))`` with ``P`` pseudo-documents
(``prior_docs``): while the stream is short every term looks rare, and the pseudo
documents keep the first items' scores from being dominated by whichever words happened
not to have been seen yet.

A new story does not start from nothing: the engine keeps stream statistics from every
item it has read (see ``Engine.observe``), and a story tracked later starts from a copy,
so it already knows that "police" and "said" are everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

Vector = dict[str, float]


class DocFreq:
    """Document frequencies over the items seen so far, with a capped vocabulary."""

    def __init__(self, max_terms: int = 10000, prior_docs: float = 20.0) -> None:
        self.max_terms = max_terms
        self.prior_docs = prior_docs
        self.n_docs = 0
        self.df: dict[str, int] = {}

    def add(self, terms: Iterable[str]) -> None:
        """Count one document's distinct terms.

        Args:
            terms: The document's terms (duplicates are ignored).
        """
        self.n_docs += 1
        df = self.df
        for t in set(terms):
            df[t] = df.get(t, 0) + 1
        if len(df) > self.max_terms:
            self._prune()

    def _prune(self) -> None:
        keep = int(self.max_terms * 0.8)
        ranked = sorted(self.df.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
        self.df = dict(sorted(ranked))

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency of ``term``.

        Args:
            term: A term.

        Returns:
            ``log((N + P) / (df + 0.5 + P * 0.02))``: rare terms score high, and the
            ``P`` pseudo-documents (``prior_docs``) damp the extremes while ``N`` is small.
        """
        n = self.n_docs + self.prior_docs
        return math.log(n / (self.df.get(term, 0) + 0.5 + self.prior_docs * 0.02))

    def to_state(self) -> dict[str, Any]:
        """Return a JSON-serialisable copy."""
        return {"n_docs": self.n_docs, "df": dict(self.df)}

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], max_terms: int = 10000, prior_docs: float = 20.0
    ) -> DocFreq:
        """Restore from :meth:`to_state` output."""
        obj = cls(max_terms, prior_docs)
        obj.n_docs = int(state["n_docs"])
        obj.df = {str(k): int(v) for k, v in state["df"].items()}
        return obj


def tf_vector(counts: Mapping[str, int]) -> Vector:
    """Sublinear term frequencies, ``1 + log(tf)``.

    Args:
        counts: Raw term counts.

    Returns:
        The damped frequencies (long articles repeat names; repetition is weak evidence).
    """
    return {t: 1.0 + math.log(c) for t, c in counts.items() if c > 0}


def norm(vec: Mapping[str, float]) -> float:
    """Euclidean norm of a sparse vector."""
    return math.sqrt(sum(v * v for v in vec.values()))


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two sparse vectors (iterates over the smaller one)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors (0 when either is empty)."""
    na, nb = norm(a), norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return dot(a, b) / (na * nb)


def top_terms(vec: Mapping[str, float], k: int) -> Vector:
    """The ``k`` heaviest entries of a vector, ties broken by term."""
    if len(vec) <= k:
        return dict(vec)
    return dict(sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:k])

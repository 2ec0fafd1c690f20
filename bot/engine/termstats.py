"""Incremental document frequencies and sparse TF-IDF vectors.

Why incremental: a deployed tracker only knows the items it has already seen, so the
IDF is learned from the stream as it arrives (no look-ahead), exactly as the service
would do it. The engine keeps one stream table that every tracked story weighs with
(see :mod:`bot.engine.engine` for what it counts: every item read, except a copy of a
tracked story's own report or seed; a story's seeds only while the engine has read
nothing).

Why capped: the engine's state is stored after every batch, so the vocabulary is
bounded. When it grows past ``max_terms`` the rarest terms are forgotten (ties broken by
the term itself, for determinism). A forgotten term simply looks unseen again, which is
what it nearly was.

The IDF is smoothed, ``log((N + P) / (df + 0.5 + P s(t)))`` with ``P`` pseudo-documents
(``prior_docs``) drawn from general English: ``s(t)`` is the share of news items that
contain ``t`` as estimated from word frequencies (:mod:`bot.engine.prior`). While the
stream is short the prior decides, so even the first item after the seeds is weighed
sensibly ("said" and "department" are common, "Anthropic" is not); as the stream grows
its own counts take over (for a shootings feed, "police" and "shot" become common).

A new story does not start from nothing: it weighs with the statistics of every item
the engine has read (see ``Engine.observe``), so it already knows that "police" and
"said" are everywhere. A story's own statistics (:class:`WithinStory`) are a table of
its own, over its seeds and on-topic reports.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from bot.engine.prior import doc_share
from bot.textnorm import WORD_CACHE

Vector = dict[str, float]

# document share assumed for every term once the stream has outgrown the prior
_FLAT_SHARE = 0.02


class _Shares(dict[str, float]):
    """``doc_share`` by term as a dict: a hit is a plain subscript, not a cached call.

    Bounded like ``doc_share``'s own cache: past the cap, values are computed, not kept.
    """

    _CAP = WORD_CACHE

    def __missing__(self, term: str) -> float:
        value = doc_share(term)
        if len(self) < self._CAP:
            self[term] = value
        return value


_SHARES = _Shares()


class DocFreq:
    """Document frequencies over the items seen so far, with a capped vocabulary."""

    def __init__(self, max_terms: int = 10000, prior_docs: float = 20.0) -> None:
        self.max_terms = max_terms
        self.prior_docs = prior_docs
        self.n_docs = 0
        self.df: dict[str, int] = {}
        # bumped by load(): counts replaced in place, so what was weighed with them is stale
        self.loads = 0
        # (key, n_docs, df table, values): see memo()
        self._memo: tuple[Any, int, dict[str, int], dict[str, Any]] | None = None

    def add(self, terms: Iterable[str]) -> None:
        """Count one document's distinct terms.

        Args:
            terms: The document's terms (duplicates are ignored).
        """
        self.n_docs += 1
        df = self.df
        get = df.get
        # distinct terms in the order given, not a set's: the table's order is the order
        # of its saved JSON, which must not change with the process's string hashes
        for t in dict.fromkeys(terms):
            df[t] = get(t, 0) + 1
        if len(df) > self.max_terms:
            self._prune()

    def _prune(self) -> None:
        # The ``keep`` most frequent terms, ties at the cut broken by the term, kept in
        # term order. Only the counts are sorted to find the cut, and only the terms tied
        # at it by name: the same table as ranking every (term, count) pair, for less.
        keep = int(self.max_terms * 0.8)
        df = self.df
        if keep <= 0:
            self.df = {}
            return
        cut = sorted(df.values(), reverse=True)[keep - 1]
        kept = [t for t, c in df.items() if c > cut]
        room = keep - len(kept)
        ties = [t for t, c in df.items() if c == cut]
        if len(ties) > room:
            ties.sort()
            del ties[room:]
        kept += ties
        kept.sort()
        self.df = {t: df[t] for t in kept}

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency of ``term``.

        Args:
            term: A term.

        Returns:
            ``log((N + P) / (df + 0.5 + P * s))``: rare terms score high. The ``P``
            pseudo-documents (``prior_docs``) carry the share ``s``, a blend of the
            term's general-language document share (:func:`bot.engine.prior.doc_share`)
            and a flat 2 %, weighted ``P / (N + P)`` and ``N / (N + P)``: the prior
            decides while ``N`` is small and fades as the stream's counts take over.
        """
        return self.idf_many((term,))[0]

    def idf_many(self, terms: Sequence[str], shares: Sequence[float] | None = None) -> list[float]:
        """:meth:`idf` of each term, in order: the same arithmetic, without a call per term.

        Args:
            terms: Terms.
            shares: Their :func:`prior_shares`, if the caller keeps them (a profile is
                weighed again and again with the same terms); looked up otherwise.

        Returns:
            Their IDF values (see :meth:`idf`); the formula lives here once, and a list
            saves a call per term where a whole profile is weighed.
        """
        p = self.prior_docs
        n = self.n_docs + p
        get = self.df.get
        log = math.log
        if not p:
            return [log(n / (get(t, 0) + 0.5 + p)) for t in terms]
        lam = p / n
        flat = (1.0 - lam) * _FLAT_SHARE
        if shares is None:
            shares = prior_shares(terms)
        return [
            log(n / (get(t, 0) + 0.5 + p * (lam * s + flat)))
            for t, s in zip(terms, shares, strict=True)
        ]

    def memo(self, key: Any) -> dict[str, Any]:
        """A scratch dict for values computed from the table as it is now.

        A story weighs many of the same terms twice at one stream state (its whole-item
        and headline channels share most profile terms, and an item's terms are looked
        up for both), every story sharing the stream table weighs the item's terms at
        the same state, and the weights are pure functions of the table and the term. The
        memo is kept until the table changes: another document is counted (``n_docs``
        moves; :meth:`add` is the only way the counts change in place) or ``df`` is
        replaced; or until another ``key`` (the weighting parameters) asks for it.

        Args:
            key: What the values depend on besides the table (hashable, compared).

        Returns:
            The memo, empty when the table or the key changed since the last call.
        """
        m = self._memo
        if m is None or m[1] != self.n_docs or m[2] is not self.df or m[0] != key:
            m = self._memo = (key, self.n_docs, self.df, {})
        return m[3]

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace the counts with :meth:`to_state` output, in place.

        In place because the engine's stories hold a reference to the stream table; the
        memo sees the new ``df`` dict and starts afresh.
        """
        loaded = DocFreq.from_state(state, self.max_terms, self.prior_docs)
        self.n_docs = loaded.n_docs
        self.df = loaded.df
        self.loads += 1

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


def prior_shares(terms: Iterable[str]) -> list[float]:
    """The general-language document share of each term (the IDF prior's ``s``)."""
    share = _SHARES
    return [share[t] for t in terms]


class Idf(Protocol):
    """Anything that weighs a term (a :class:`DocFreq`, a :class:`WithinStory`)."""

    def idf(self, term: str) -> float:
        """The weight of ``term``."""
        ...


class WithinStory:
    """Term weights for telling a story's developments apart.

    Every on-topic item shares the story's vocabulary (relevance selected it for that),
    so for developments those shared words are no evidence: the stream IDF is
    multiplied by an IDF *within the story*, over its seeds and on-topic reports,
    ``log((n + 1) / (df + 0.5))``. A word every report of the story uses ("Anthropic",
    "Pentagon") weighs almost nothing; what only some reports say (a lawsuit, a hearing
    date) decides.
    """

    def __init__(self, stream: DocFreq, story: DocFreq) -> None:
        self.stream = stream
        self.story = story

    def idf(self, term: str) -> float:
        """Stream IDF times within-story IDF of ``term``."""
        inner = math.log((self.story.n_docs + 1) / (self.story.df.get(term, 0) + 0.5))
        return max(self.stream.idf(term), 0.0) * inner


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
    values = vec.values()
    return math.sqrt(sum(map(operator.mul, values, values)))  # = sum(v * v for v in ...)


def unit(vec: Mapping[str, float]) -> Vector:
    """``vec`` scaled to unit length (empty when it has none)."""
    n = norm(vec)
    return {t: v / n for t, v in vec.items()} if n else {}


def vector_sum(vectors: Iterable[Mapping[str, float]]) -> Vector:
    """The sum of sparse vectors, terms in the order first met."""
    total: Vector = {}
    for vec in vectors:
        for t, v in vec.items():
            total[t] = total.get(t, 0.0) + v
    return total


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
